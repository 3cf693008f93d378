#include "admin/h2_guard.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::admin {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, size_t length) {
  std::string out;
  out.push_back(static_cast<char>(length >> 16));
  out.push_back(static_cast<char>(length >> 8));
  out.push_back(static_cast<char>(length));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>(stream >> shift));
  out.append(length, 'x');
  return out;
}

TEST(H2PolicerTest, OrdinaryCallsPassEvenFedByteByByte) {
  H2Policer policer{H2GuardLimits()};
  std::string connection = kPreface + Frame(0x4, 0, 0, 0);  // SETTINGS
  for (uint32_t stream = 1; stream < 41; stream += 2) {
    connection += Frame(0x1, 0x4, stream, 200);        // HEADERS, END_HEADERS
    connection += Frame(0x0, 0x1, stream, 30);         // DATA, END_STREAM
  }
  connection += Frame(0x1, 0x0, 41, 8000) + Frame(0x9, 0x4, 41, 8000);  // A block in two frames, under 16 KiB.
  for (char c : connection) ASSERT_TRUE(policer.Feed(std::string(1, c), kNow).ok());
}

TEST(H2PolicerTest, AHeaderBlockThatNeverEndsIsCut) {
  H2Policer policer{H2GuardLimits()};
  ASSERT_TRUE(policer.Feed(kPreface + Frame(0x1, 0, 1, 4000), kNow).ok());
  ASSERT_TRUE(policer.Feed(Frame(0x9, 0, 1, 12000), kNow).ok());
  absl::Status cut = policer.Feed(Frame(0x9, 0, 1, 1000), kNow);
  EXPECT_EQ(cut.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(cut.message(), HasSubstr("a header block past 16384 bytes"));
}

TEST(H2PolicerTest, RapidResetIsCutButOrdinaryCancelsAreNot) {
  H2GuardLimits limits;
  limits.max_resets = 10;
  limits.reset_window = absl::Seconds(10);
  H2Policer policer(limits);
  ASSERT_TRUE(policer.Feed(kPreface, kNow).ok());
  for (int i = 0; i < 10; ++i) {
    const uint32_t stream = 1 + 2 * static_cast<uint32_t>(i);
    // One cancel a second: the window never holds more than 10.
    ASSERT_TRUE(policer.Feed(Frame(0x1, 0x4, stream, 50) + Frame(0x3, 0, stream, 4), kNow + absl::Seconds(i)).ok());
  }
  ASSERT_TRUE(policer.Feed(Frame(0x3, 0, 21, 4), kNow + absl::Seconds(10)).ok());
  H2Policer flood(limits);
  ASSERT_TRUE(flood.Feed(kPreface, kNow).ok());
  absl::Status verdict;
  for (uint32_t stream = 1; stream < 200 && verdict.ok(); stream += 2) {
    verdict = flood.Feed(Frame(0x1, 0x4, stream, 50) + Frame(0x3, 0, stream, 4), kNow);
  }
  EXPECT_EQ(verdict.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(verdict.message(), HasSubstr("HTTP/2 rapid reset"));
}

TEST(H2PolicerTest, NewCallsShareOneBudgetAcrossConnections) {
  CallBudget budget(/*per_second=*/10, /*burst=*/20);
  H2Policer first(H2GuardLimits(), &budget);
  H2Policer second(H2GuardLimits(), &budget);
  ASSERT_TRUE(first.Feed(kPreface, kNow).ok());
  ASSERT_TRUE(second.Feed(kPreface, kNow).ok());
  for (uint32_t stream = 1; stream < 20; stream += 2) {
    ASSERT_TRUE(first.Feed(Frame(0x1, 0x4, stream, 50), kNow).ok());
    ASSERT_TRUE(second.Feed(Frame(0x1, 0x4, stream, 50), kNow).ok());
  }
  // The burst of 20 is spent; a reconnecting client gains nothing.
  H2Policer third(H2GuardLimits(), &budget);
  ASSERT_TRUE(third.Feed(kPreface, kNow).ok());
  absl::Status refused = third.Feed(Frame(0x1, 0x4, 1, 50), kNow);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.message(), HasSubstr("more new calls than the admin port admits"));
  // A second later, 10 more.
  H2Policer later(H2GuardLimits(), &budget);
  ASSERT_TRUE(later.Feed(kPreface, kNow).ok());
  for (uint32_t stream = 1; stream < 20; stream += 2) {
    ASSERT_TRUE(later.Feed(Frame(0x1, 0x4, stream, 50), kNow + absl::Seconds(1)).ok()) << stream;
  }
  EXPECT_FALSE(later.Feed(Frame(0x1, 0x4, 21, 50), kNow + absl::Seconds(1)).ok());
}

TEST(H2PolicerTest, OversizedFramesAndBrokenPrefacesAreRefused) {
  H2Policer big{H2GuardLimits()};
  // A DATA frame header announcing 65,536 bytes.
  EXPECT_EQ(big.Feed(kPreface + std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x01", 9), kNow).code(),
            absl::StatusCode::kResourceExhausted);
  H2Policer http1{H2GuardLimits()};
  EXPECT_EQ(http1.Feed("GET / HTTP/1.1\r\n", kNow).code(), absl::StatusCode::kInvalidArgument);
  H2Policer stray{H2GuardLimits()};
  EXPECT_EQ(stray.Feed(kPreface + Frame(0x9, 0x4, 1, 10), kNow).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spillway::admin
