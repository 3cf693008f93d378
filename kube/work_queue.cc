#include "kube/work_queue.h"

#include <algorithm>
#include <utility>

namespace spillway::kube {
namespace {

std::optional<WorkQueueMetrics::Queue> SeriesOf(const WorkQueue::Options& options) {
  if (options.metrics == nullptr) return std::nullopt;
  return options.metrics->ForQueue(options.name);
}

}  // namespace

WorkQueue::WorkQueue(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), metrics_(SeriesOf(options_)) {}

void WorkQueue::SetDepthLocked() {
  if (metrics_) metrics_->depth.Set(static_cast<double>(dirty_.size()));
}

void WorkQueue::Add(const std::string& key) {
  absl::MutexLock lock(&mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  if (metrics_) {
    metrics_->adds.Increment();
    added_at_.try_emplace(key, clock_.Now());
    SetDepthLocked();
  }
  if (processing_.contains(key)) return;  // Done() re-queues it.
  queue_.push_back(key);
}

void WorkQueue::AddAfter(const std::string& key, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return;
  if (delay <= absl::ZeroDuration()) {
    AddLocked(key);
    return;
  }
  delayed_.push(Delayed{clock_.Now() + delay, key});
}

void WorkQueue::AddRateLimited(const std::string& key) {
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    const int failures = failures_[key]++;
    if (metrics_) metrics_->retries.Increment();
    delay = options_.base_delay;
    for (int i = 0; i < failures && delay < options_.max_delay; ++i) delay *= 2;
    delay = std::min(delay, options_.max_delay);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  failures_.erase(key);
}

int WorkQueue::NumRequeues(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

absl::Duration WorkQueue::PromoteDueLocked() {
  const absl::Time now = clock_.Now();
  while (!delayed_.empty() && delayed_.top().ready_at <= now) {
    AddLocked(delayed_.top().key);
    delayed_.pop();
  }
  return delayed_.empty() ? absl::InfiniteDuration() : delayed_.top().ready_at - now;
}

std::optional<std::string> WorkQueue::PopLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  if (metrics_) {
    const absl::Time now = clock_.Now();
    if (auto added = added_at_.find(key); added != added_at_.end()) {
      metrics_->queue_duration.Observe(absl::ToDoubleSeconds(now - added->second));
      added_at_.erase(added);
    }
    processing_since_[key] = now;
    SetDepthLocked();
  }
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    const absl::Duration next_due = PromoteDueLocked();
    if (!queue_.empty()) return PopLocked();
    if (shutting_down_) return std::nullopt;
    // Re-check the clock at least every second, so an injected clock that is
    // advanced (or adjusted) is noticed without an Add().
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !queue_.empty() || shutting_down_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), std::min(next_due, absl::Seconds(1)));
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  absl::MutexLock lock(&mu_);
  PromoteDueLocked();
  return PopLocked();
}

void WorkQueue::Done(const std::string& key) {
  absl::MutexLock lock(&mu_);
  processing_.erase(key);
  if (metrics_) {
    if (auto since = processing_since_.find(key); since != processing_since_.end()) {
      metrics_->work_duration.Observe(absl::ToDoubleSeconds(clock_.Now() - since->second));
      processing_since_.erase(since);
    }
  }
  if (dirty_.contains(key)) queue_.push_back(key);
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

}  // namespace spillway::kube
