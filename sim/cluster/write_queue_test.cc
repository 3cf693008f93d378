#include "sim/cluster/write_queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

TEST(WriteQueueTest, RunsWritesInOrderOnAnotherThreadAndDrainWaitsForThem) {
  WriteQueue queue;
  std::vector<int> order;  // Written by the queue's thread only, read after Drain.
  std::atomic<bool> other_thread{true};
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < 3000; ++i) {  // More than kMaxPending: Submit waits, nothing is dropped.
    queue.Submit([&order, &other_thread, caller, i] {
      order.push_back(i);
      if (std::this_thread::get_id() == caller) other_thread = false;
    });
  }
  queue.Drain();
  ASSERT_EQ(order.size(), 3000u);
  for (int i = 0; i < 3000; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(other_thread);
}

TEST(WriteQueueTest, DrainWaitsForTheWriteRunning) {
  WriteQueue queue;
  absl::Notification started;
  absl::Notification release;
  std::atomic<bool> done{false};
  queue.Submit([&] {
    started.Notify();
    release.WaitForNotification();
    done = true;
  });
  started.WaitForNotification();
  // The queue is empty but its write still runs: Drain must not return.
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    queue.Drain();
    drained = true;
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(drained);
  release.Notify();
  drainer.join();
  EXPECT_TRUE(done);
}

TEST(WriteQueueTest, TheDestructorRunsWhatIsLeft) {
  std::atomic<int> ran{0};
  {
    WriteQueue queue;
    for (int i = 0; i < 10; ++i) queue.Submit([&] { ++ran; });
  }
  EXPECT_EQ(ran, 10);
}

}  // namespace
}  // namespace spillway::sim
