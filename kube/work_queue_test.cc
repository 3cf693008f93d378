#include "kube/work_queue.h"

#include <algorithm>
#include <thread>

#include "gtest/gtest.h"
#include "prometheus/registry.h"

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

// client-go's workqueue series, as its dashboards read them: depth counts keys
// waiting (a key re-added while processed counts once), adds only the adds
// that queued something, queue and work durations by the injected clock.
TEST(WorkQueueMetricsTest, PublishesClientGoWorkQueueSeries) {
  FakeClock clock;
  prometheus::Registry registry;
  WorkQueueMetrics metrics(registry);
  WorkQueue queue(WorkQueue::Options{absl::Milliseconds(5), absl::Seconds(1), &metrics, "rescue"}, clock);
  const WorkQueueMetrics::Queue series = metrics.ForQueue("rescue");
  queue.Add("a");
  queue.Add("a");  // De-duplicated: not an add.
  queue.Add("b");
  EXPECT_EQ(series.adds.Value(), 2);
  EXPECT_EQ(series.depth.Value(), 2);
  clock.Advance(absl::Milliseconds(250));
  ASSERT_EQ(queue.TryGet(), "a");
  EXPECT_EQ(series.depth.Value(), 1);
  queue.Add("a");  // While processing: waits for Done, counted once.
  EXPECT_EQ(series.depth.Value(), 2);
  clock.Advance(absl::Seconds(2));
  queue.Done("a");
  queue.AddRateLimited("b");
  EXPECT_EQ(series.retries.Value(), 1);

  const prometheus::ClientMetric queued = series.queue_duration.Collect();
  EXPECT_EQ(queued.histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(queued.histogram.sample_sum, 0.25);
  const prometheus::ClientMetric worked = series.work_duration.Collect();
  EXPECT_EQ(worked.histogram.sample_count, 1u);
  EXPECT_DOUBLE_EQ(worked.histogram.sample_sum, 2.0);
  // Labelled by the queue's name, under client-go's metric names.
  std::vector<std::string> names;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    ASSERT_EQ(family.metric.size(), 1u) << family.name;
    ASSERT_EQ(family.metric[0].label.size(), 1u);
    EXPECT_EQ(family.metric[0].label[0].name, "name");
    EXPECT_EQ(family.metric[0].label[0].value, "rescue");
    names.push_back(family.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"workqueue_adds_total", "workqueue_depth", "workqueue_queue_duration_seconds",
                                             "workqueue_retries_total", "workqueue_work_duration_seconds"}));
}

}  // namespace
}  // namespace spillway::kube
