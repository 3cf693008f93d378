// The autoscaler component of `spillway serve --components=autoscaler`: the
// Unschedulable rescue, ECI-first deletion cost and ElasticWorkload
// controllers, run by whichever replica holds the coordination.k8s.io/v1 Lease.
//
// Every replica keeps its informer caches warm; only the leader's controllers
// act (each checks before every write), so a standby that takes over resumes
// within one lease duration from a full cache, re-queueing every pod. Losing
// the lease stops the writes at once. Controllers are level-triggered, so a
// restart at any point converges to the same result.
//
// Lifecycle: construct before the shared informers start (it adds handlers),
// Start() after, Stop() before they stop. Thread-safe.
#ifndef SPILLWAY_AUTOSCALER_AUTOSCALER_H_
#define SPILLWAY_AUTOSCALER_AUTOSCALER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "autoscaler/deletion_cost.h"
#include "autoscaler/elastic_workload.h"
#include "autoscaler/metrics.h"
#include "autoscaler/rescuer.h"
#include "autoscaler/stock_watcher.h"
#include "burst/stock.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/leader_elector.h"
#include "kube/rest_client.h"
#include "prometheus/registry.h"
#include "proto/config.pb.h"

namespace spillway::autoscaler {

struct AutoscalerOptions {
  config::AutoscalerConfig config;
  // Unique per replica; the Lease's holderIdentity and the Events' instance.
  std::string identity;
  std::string own_namespace = "kube-system";
  // The ECI quota the rescuer respects; null: none. Must outlive the autoscaler.
  const burst::EciQuota* quota = nullptr;
  // Stock cool-downs the extender also reads; null: no stock watching.
  burst::StockCoolDowns* stock = nullptr;
  // The eci-profile in force, whose effects a rescued pod gets as the
  // webhook's pods do; null: none.
  const burst::EciProfileStore* eci_profile = nullptr;
  bool leader_elect = true;
  std::string lease_namespace = "kube-system";
  std::string lease_name = "spillway-autoscaler";
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
};

class Autoscaler {
 public:
  // Everything referenced must outlive the autoscaler.
  Autoscaler(kube::RestClient& client, kube::ClusterInformers& informers,
             const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
             const Clock& clock, prometheus::Registry& registry, AutoscalerOptions options);
  ~Autoscaler();

  void Start();
  void Stop();
  bool IsLeader() const { return leading_.load(); }
  const AutoscalerOptions& options() const { return options_; }
  // What the Unschedulable rescue did or would do with `pod` (admin API).
  RescueVerdict ExplainRescue(const kube::Pod& pod) const { return rescuer_->Explain(pod); }

 private:
  void StartedLeading();
  void StoppedLeading();

  const AutoscalerOptions options_;
  kube::ClusterInformers& informers_;
  AutoscalerMetrics metrics_;
  kube::EventRecorder events_;
  // ElasticWorkload Events come from source component "ElasticWorkload", as
  // ack-kubernetes-elastic-workload's do (users alert on them).
  kube::EventRecorder elastic_workload_events_;
  std::atomic<bool> leading_{false};
  std::unique_ptr<Rescuer> rescuer_;
  std::unique_ptr<DeletionCost> deletion_cost_;
  std::unique_ptr<ElasticWorkloadController> elastic_workloads_;
  std::unique_ptr<StockWatcher> stock_watcher_;
  std::unique_ptr<kube::LeaderElector> elector_;
  // Queues the cached objects once a new leader's caches have synced.
  absl::Mutex kickoff_mu_;
  std::thread kickoff_ ABSL_GUARDED_BY(kickoff_mu_);
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_AUTOSCALER_H_
