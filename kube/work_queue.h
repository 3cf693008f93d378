// A de-duplicating, rate-limited work queue for controllers, with client-go's
// workqueue semantics:
//  - a key added several times before a worker takes it is processed once;
//  - a key is never processed by two workers at once: added while being
//    processed, it is queued again only when the worker calls Done();
//  - AddRateLimited() re-queues a failed key after a per-key exponential
//    delay (base * 2^failures, capped), Forget() resets it on success;
//  - AddAfter() delays a key (grace periods, cool-downs, requeue-after).
// Controllers queue object keys ("namespace/name") and read current state
// from informer caches when they process one, so they are level-triggered.
//
// With Options::metrics, the queue publishes client-go's workqueue_* series
// under Options::name (depth, adds, time queued, time processed, retries).
//
// Thread-safe. Time comes from an injected Clock; with a FakeClock, tests use
// TryGet() after Advance() (Get() re-checks the clock at least every second).
#ifndef SPILLWAY_KUBE_WORK_QUEUE_H_
#define SPILLWAY_KUBE_WORK_QUEUE_H_

#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/client_metrics.h"

namespace spillway::kube {

class WorkQueue {
 public:
  struct Options {
    absl::Duration base_delay = absl::Milliseconds(5);
    absl::Duration max_delay = absl::Minutes(5);
    // Optional; must outlive the queue. The series are labelled name=`name`.
    WorkQueueMetrics* metrics = nullptr;
    std::string name = "";
  };

  // `clock` must outlive the queue.
  WorkQueue(Options options, const Clock& clock);
  explicit WorkQueue(const Clock& clock) : WorkQueue(Options(), clock) {}

  void Add(const std::string& key);
  void AddAfter(const std::string& key, absl::Duration delay);
  // Re-queues `key` after its backoff delay, and counts the failure.
  void AddRateLimited(const std::string& key);
  // Clears `key`'s failure count (it succeeded).
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is ready and marks it processing; nullopt once
  // ShutDown() was called and nothing is left to hand out.
  std::optional<std::string> Get();
  // Like Get() without blocking.
  std::optional<std::string> TryGet();
  // Ends the processing of `key` (from Get()).
  void Done(const std::string& key);

  // Wakes every Get(); later Add()s are ignored.
  void ShutDown();
  // Keys ready to hand out (not delayed, not processing).
  size_t Len() const;

 private:
  struct Delayed {
    absl::Time ready_at;
    std::string key;
    bool operator>(const Delayed& other) const { return ready_at > other.ready_at; }
  };

  void AddLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves delayed keys that are due into the queue; answers the wait until the
  // next one (InfiniteDuration if none).
  absl::Duration PromoteDueLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<std::string> PopLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetDepthLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const Clock& clock_;
  const std::optional<WorkQueueMetrics::Queue> metrics_;
  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> processing_ ABSL_GUARDED_BY(mu_);
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<Delayed>> delayed_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // With metrics: when each queued key was added, and each processing key
  // handed out.
  absl::flat_hash_map<std::string, absl::Time> added_at_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> processing_since_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_WORK_QUEUE_H_
