#include "autoscaler/controller.h"

#include <utility>

#include "common/log_format.h"
#include "glog/logging.h"

namespace spillway::autoscaler {

Controller::Controller(std::string name, const Clock& clock, AutoscalerMetrics& metrics,
                       Reconcile reconcile, int workers)
    : name_(std::move(name)),
      metrics_(metrics),
      reconcile_(std::move(reconcile)),
      workers_(workers),
      queue_(kube::WorkQueue::Options{absl::Milliseconds(5), absl::Minutes(5), &metrics.work_queues(), name_}, clock) {}

Controller::~Controller() { Stop(); }

void Controller::Start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  queue_.ShutDown();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void Controller::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    absl::Status status = reconcile_(*key);
    if (status.ok()) {
      queue_.Forget(*key);
      metrics_.CountReconcile(name_, "ok");
    } else {
      LOG(WARNING) << name_ << " key=" << *key << " retry=true error=" << LogValue(status.ToString());
      metrics_.CountReconcile(name_, "error");
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

}  // namespace spillway::autoscaler
