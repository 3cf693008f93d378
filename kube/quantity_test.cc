#include "kube/quantity.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

TEST(QuantityTest, CpuInMillicores) {
  EXPECT_EQ(*ParseQuantityMilli("100m"), 100);
  EXPECT_EQ(*ParseQuantityMilli("2"), 2000);
  EXPECT_EQ(*ParseQuantityMilli("0.5"), 500);
  EXPECT_EQ(*ParseQuantityMilli("1.25"), 1250);
  EXPECT_EQ(*ParseQuantityMilli("250000u"), 250);
  EXPECT_EQ(*ParseQuantityMilli("1n"), 1);  // Rounded up, as the API server does.
}

TEST(QuantityTest, MemoryInBytes) {
  EXPECT_EQ(*ParseQuantity("512Mi"), 512LL << 20);
  EXPECT_EQ(*ParseQuantity("1Gi"), 1LL << 30);
  EXPECT_EQ(*ParseQuantity("6400Ti"), 6400LL << 40);
  EXPECT_EQ(*ParseQuantity("1G"), 1000000000LL);
  EXPECT_EQ(*ParseQuantity("128974848"), 128974848LL);
  EXPECT_EQ(*ParseQuantity("129e6"), 129000000LL);
  EXPECT_EQ(*ParseQuantity("1.5Ki"), 1536);
  EXPECT_EQ(*ParseQuantity("100m"), 1);
}

TEST(QuantityTest, RejectsMalformedValuesWithTheText) {
  for (const char* bad : {"", "abc", "1Xi", "12x", "Mi", "1e", "1e99", "--1", "1.2.3"}) {
    absl::StatusOr<int64_t> parsed = ParseQuantity(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseQuantity("12x").status().message()),
              ::testing::HasSubstr("invalid quantity \"12x\""));
  EXPECT_EQ(ParseQuantity("9000E").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spillway::kube
