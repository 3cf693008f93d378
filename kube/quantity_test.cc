#include "kube/quantity.h"

#include <string>
#include <vector>

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
  // Issue 23.5: "E" alone is the exa suffix, not an exponent without digits.
  EXPECT_EQ(*ParseQuantity("1E"), 1000000000000000000LL);
  EXPECT_EQ(*ParseQuantity("8E"), 8000000000000000000LL);
  EXPECT_EQ(*ParseQuantity("1E3"), 1000LL);
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

namespace spillway::kube {
namespace {

// Issue 21.3: what kube-apiserver stores and serves (apimachinery's
// Quantity.String(), quantity_test.go's canonical cases).
TEST(CanonicalQuantityTest, AsTheApiServerWritesThem) {
  struct Row {
    const char* in;
    const char* want;
  };
  for (const Row& row : std::vector<Row>{
           {"0", "0"},          {"0m", "0"},           {"1", "1"},          {"2", "2"},
           {"+2", "2"},         {"-1", "-1"},          {"1.0", "1"},        {"1000m", "1"},
           {"1500m", "1500m"},  {"1.5", "1500m"},      {"0.5", "500m"},     {"100m", "100m"},
           {"0.1", "100m"},     {"10", "10"},          {"100", "100"},      {"1000", "1k"},
           {"2000", "2k"},      {"1200", "1200"},      {"12k", "12k"},      {"128974848", "128974848"},
           {"129M", "129M"},    {"129e6", "129e6"},    {"1e3", "1e3"},      {"1E3", "1e3"},
           {"1E", "1E"},        {"1n", "1n"},          {"1u", "1u"},        {"0.1n", "1n"},
           {"123Mi", "123Mi"},  {"1.5Gi", "1536Mi"},   {"1024Mi", "1Gi"},   {"1Ki", "1Ki"},
           {"0.5Ki", "512"},    {"1.5Ki", "1536"},     {"6400Ti", "6400Ti"}, {"1Ei", "1Ei"},
           {" 2 ", "2"},
       }) {
    absl::StatusOr<std::string> got = CanonicalQuantity(row.in);
    ASSERT_TRUE(got.ok()) << row.in << ": " << got.status();
    EXPECT_EQ(*got, row.want) << row.in;
  }
}

TEST(CanonicalQuantityTest, WhatIsNotAQuantityIsRefusedAsTheDecoderWordsIt) {
  for (const char* text : {"", "abc", "1Zi", "1.2.3", "Gi", "1e", "1 Gi", "--1"}) {
    absl::StatusOr<std::string> got = CanonicalQuantity(text);
    ASSERT_FALSE(got.ok()) << text;
    EXPECT_EQ(got.status().message(),
              "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        << text;
  }
  EXPECT_EQ(CanonicalQuantity("1e40Ei").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spillway::kube
