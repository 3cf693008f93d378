// The worker loop every autoscaler controller shares: keys come from
// informer handlers into a de-duplicating, rate-limited WorkQueue; `workers`
// threads take them and call `reconcile(key)`. An error re-queues the key
// with per-key exponential backoff; success forgets its failures. Reconcile
// reads current state (caches, then the API server) and writes with
// optimistic concurrency, so re-running it is always safe.
//
// Lifecycle: Start() spawns the workers, Stop() shuts the queue down and
// joins them. Enqueue() is thread-safe.
#ifndef SPILLWAY_AUTOSCALER_CONTROLLER_H_
#define SPILLWAY_AUTOSCALER_CONTROLLER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "autoscaler/metrics.h"
#include "common/clock.h"
#include "kube/work_queue.h"

namespace spillway::autoscaler {

class Controller {
 public:
  using Reconcile = std::function<absl::Status(const std::string& key)>;

  // `clock` and `metrics` must outlive the controller.
  Controller(std::string name, const Clock& clock, AutoscalerMetrics& metrics, Reconcile reconcile,
             int workers = 2);
  ~Controller();

  void Enqueue(const std::string& key) { queue_.Add(key); }
  void EnqueueAfter(const std::string& key, absl::Duration delay) { queue_.AddAfter(key, delay); }
  void Start();
  void Stop();
  kube::WorkQueue& queue() { return queue_; }

 private:
  void Work();

  const std::string name_;
  AutoscalerMetrics& metrics_;
  const Reconcile reconcile_;
  const int workers_;
  kube::WorkQueue queue_;
  std::vector<std::thread> threads_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_CONTROLLER_H_
