#include "sim/cluster/write_queue.h"

#include <utility>

namespace spillway::sim {

WriteQueue::WriteQueue() : thread_([this] { Run(); }) {}

WriteQueue::~WriteQueue() {
  Drain();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void WriteQueue::Submit(std::function<void()> write) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::deque<std::function<void()>>* pending) { return pending->size() < kMaxPending; }, &pending_));
  pending_.push_back(std::move(write));
}

void WriteQueue::Drain() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(+[](WriteQueue* queue) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return queue->pending_.empty() && !queue->running_one_;
  }, this));
}

void WriteQueue::Run() {
  while (true) {
    std::function<void()> write;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(+[](WriteQueue* queue) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return !queue->pending_.empty() || queue->stopping_;
      }, this));
      if (pending_.empty()) return;  // Stopping, and nothing left.
      write = std::move(pending_.front());
      pending_.pop_front();
      running_one_ = true;
    }
    write();
    absl::MutexLock lock(&mu_);
    running_one_ = false;
  }
}

}  // namespace spillway::sim
