#include "common/log_limiter.h"

#include "gtest/gtest.h"

namespace spillway {
namespace {

TEST(LogLimiterTest, LogsFirstThenOncePerIntervalCountingTheRest) {
  LogLimiter limiter(absl::Seconds(10));
  const absl::Time start = absl::FromUnixSeconds(1000);
  int64_t suppressed = -1;
  EXPECT_TRUE(limiter.ShouldLog(start, &suppressed));
  EXPECT_EQ(suppressed, 0);
  for (int i = 1; i <= 500; ++i) {
    EXPECT_FALSE(limiter.ShouldLog(start + absl::Milliseconds(i), &suppressed));
  }
  EXPECT_FALSE(limiter.ShouldLog(start + absl::Seconds(9), &suppressed));
  EXPECT_TRUE(limiter.ShouldLog(start + absl::Seconds(10), &suppressed));
  EXPECT_EQ(suppressed, 501);
  limiter.Reset();
  EXPECT_TRUE(limiter.ShouldLog(start + absl::Seconds(11), &suppressed));
  EXPECT_EQ(suppressed, 0);
}

}  // namespace
}  // namespace spillway
