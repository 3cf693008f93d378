#include "kube/backoff.h"

#include <algorithm>

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

TEST(BackoffTest, DoublesUpToTheCapWithJitterAndResets) {
  absl::BitGen random;
  Backoff backoff({absl::Milliseconds(100), absl::Seconds(1), 0.5}, random);
  absl::Duration base = absl::Milliseconds(100);
  for (int i = 0; i < 6; ++i) {
    const absl::Duration delay = backoff.Next();
    EXPECT_GE(delay, base) << i;
    EXPECT_LT(delay, base * 1.5) << i;
    base = std::min(base * 2, absl::Seconds(1));
  }
  backoff.Reset();
  EXPECT_LT(backoff.Next(), absl::Milliseconds(150));
}

TEST(BackoffTest, NoJitterIsExact) {
  absl::BitGen random;
  Backoff backoff({absl::Milliseconds(10), absl::Milliseconds(30), 0}, random);
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(10));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(20));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(30));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(30));
}

}  // namespace
}  // namespace spillway::kube
