#include "kube/work_queue.h"

#include <thread>

#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

class WorkQueueTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  WorkQueue queue_{WorkQueue::Options{absl::Milliseconds(5), absl::Seconds(1)}, clock_};
};

TEST_F(WorkQueueTest, AKeyAddedTwiceIsHandedOutOnce) {
  queue_.Add("default/a");
  queue_.Add("default/b");
  queue_.Add("default/a");
  EXPECT_EQ(queue_.Len(), 2u);
  EXPECT_EQ(queue_.TryGet(), "default/a");
  EXPECT_EQ(queue_.TryGet(), "default/b");
  EXPECT_EQ(queue_.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, AKeyAddedWhileProcessingWaitsForDone) {
  queue_.Add("default/a");
  ASSERT_EQ(queue_.TryGet(), "default/a");
  queue_.Add("default/a");
  queue_.Add("default/a");
  EXPECT_EQ(queue_.TryGet(), std::nullopt);  // Never two workers on one key.
  queue_.Done("default/a");
  EXPECT_EQ(queue_.TryGet(), "default/a");  // Once, however many adds.
  queue_.Done("default/a");
  EXPECT_EQ(queue_.TryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, RateLimitedKeysBackOffExponentiallyUntilForgotten) {
  queue_.AddRateLimited("k");  // 5 ms
  EXPECT_EQ(queue_.TryGet(), std::nullopt);
  clock_.Advance(absl::Milliseconds(5));
  ASSERT_EQ(queue_.TryGet(), "k");
  queue_.Done("k");
  queue_.AddRateLimited("k");  // 10 ms
  clock_.Advance(absl::Milliseconds(9));
  EXPECT_EQ(queue_.TryGet(), std::nullopt);
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_EQ(queue_.TryGet(), "k");
  queue_.Done("k");
  EXPECT_EQ(queue_.NumRequeues("k"), 2);
  for (int i = 0; i < 20; ++i) queue_.AddRateLimited("k");  // Capped at 1 s.
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(queue_.TryGet(), "k");
  queue_.Done("k");
  queue_.Forget("k");
  EXPECT_EQ(queue_.NumRequeues("k"), 0);
  queue_.AddRateLimited("k");
  clock_.Advance(absl::Milliseconds(5));
  EXPECT_EQ(queue_.TryGet(), "k");
}

TEST_F(WorkQueueTest, DelayedKeysComeOutInOrderOfReadiness) {
  queue_.AddAfter("late", absl::Seconds(3));
  queue_.AddAfter("early", absl::Seconds(1));
  queue_.AddAfter("now", absl::ZeroDuration());
  EXPECT_EQ(queue_.TryGet(), "now");
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(queue_.TryGet(), "early");
  EXPECT_EQ(queue_.TryGet(), "late");
}

TEST_F(WorkQueueTest, ShutDownWakesABlockedWorker) {
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = queue_.Get(); });
  queue_.ShutDown();
  worker.join();
  EXPECT_EQ(got, std::nullopt);
  queue_.Add("ignored");
  EXPECT_EQ(queue_.Len(), 0u);
}

TEST_F(WorkQueueTest, GetBlocksUntilAnAdd) {
  std::optional<std::string> got;
  std::thread worker([&] { got = queue_.Get(); });
  queue_.Add("default/a");
  worker.join();
  EXPECT_EQ(got, "default/a");
}

}  // namespace
}  // namespace spillway::kube
