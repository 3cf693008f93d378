// The autoscaler's Prometheus metrics, declared together and handed to each
// controller. Names: spillway_autoscaler_<what>_{total,seconds}; label sets
// are bounded (outcomes and controllers are fixed lists).
#ifndef SPILLWAY_AUTOSCALER_METRICS_H_
#define SPILLWAY_AUTOSCALER_METRICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/client_metrics.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace spillway::autoscaler {

// The label values each counter starts with at 0, so rate() and alerts work
// before the first event (rescue_plan_test checks every outcome PlanRescue
// gives is listed).
inline constexpr absl::string_view kRescueOutcomes[] = {
    "rescued",      "eci_only_tolerated", "eci_only_tolerant", "already_rescued", "not_virtual_resolvable",
    "out_of_scope", "asked_for_ecs",      "invalid_request",   "eci_cannot_run",  "no_virtual_node",
    "selector_mismatch", "quota",         "conflict",          "error", "other_controller"};
inline constexpr absl::string_view kControllers[] = {"rescue", "deletion_cost", "elastic_workload", "stock",
                                                     "repatriation"};

class AutoscalerMetrics {
 public:
  // `stock_reasons`: the Event reasons that start a cool-down (StockPolicy),
  // each counted from 0.
  explicit AutoscalerMetrics(prometheus::Registry& registry, const std::vector<std::string>& stock_reasons = {});

  // outcome: one of rescue_plan.h's list (rescued, eci_only_tolerated, ...).
  void CountRescue(absl::string_view outcome);
  // From the watch event that showed the pod Unschedulable to the patch.
  void ObserveRescueLatency(double seconds) { rescue_latency_.Observe(seconds); }
  // outcome: set, error.
  void CountDeletionCost(absl::string_view outcome);
  // controller: one of kControllers; outcome: ok, error.
  void CountReconcile(absl::string_view controller, absl::string_view outcome);
  // Repatriation: outcome moved, refused (a PodDisruptionBudget), failed.
  void CountRepatriation(absl::string_view outcome);
  // A workload sent a pod to ECI within the hysteresis of a move home.
  void CountRepatriationFlap() { repatriation_flaps_.Increment(); }
  void AddEciVcpuSecondsSaved(double vcpu_seconds) { eci_vcpu_seconds_saved_.Increment(vcpu_seconds); }
  // Capacity-request placeholders: created, deleted, failed.
  void CountCapacityRequest(absl::string_view outcome);
  void SetLeader(bool leader) { leader_.Set(leader ? 1 : 0); }
  // A virtual node started a stock cool-down, by the ECI Event reason.
  void CountStockCoolDown(absl::string_view reason);
  // A stock Event ignored, by why: not_a_pod, not_virtual_kubelet, stale.
  void CountStockEventIgnored(absl::string_view why);
  // What the stock watcher did with a pod stuck on a cooling node: deleted, waiting.
  void CountStuckPod(absl::string_view action);
  // ElasticWorkload reconciles' duration (count and errors: CountReconcile).
  void ObserveElasticReconcile(double seconds) { elastic_duration_.Observe(seconds); }
  // Desired replicas of an ElasticWorkload by capacity type ("ecs" for the
  // source, "eci" for the units), labelled namespace and name.
  void SetWorkloadReplicas(const std::string& ns, const std::string& name, int64_t ecs, int64_t eci);
  void ForgetWorkload(const std::string& ns, const std::string& name);
  // An ElasticWorkload scaled its source or a unit (target: source, unit;
  // direction: up, down): Events expire after an hour, this does not.
  void CountElasticScale(absl::string_view target, absl::string_view direction);
  // client-go's workqueue_* series, for every controller's queue.
  kube::WorkQueueMetrics& work_queues() { return work_queues_; }

 private:
  prometheus::Family<prometheus::Counter>& rescues_;
  prometheus::Histogram& rescue_latency_;
  prometheus::Family<prometheus::Counter>& deletion_costs_;
  prometheus::Family<prometheus::Counter>& reconciles_;
  prometheus::Gauge& leader_;
  prometheus::Histogram& elastic_duration_;
  prometheus::Family<prometheus::Gauge>& workload_replicas_;
  prometheus::Family<prometheus::Counter>& stock_cool_downs_;
  prometheus::Family<prometheus::Counter>& stock_events_ignored_;
  prometheus::Family<prometheus::Counter>& stuck_pods_;
  prometheus::Family<prometheus::Counter>& elastic_scales_;
  prometheus::Family<prometheus::Counter>& repatriations_;
  prometheus::Counter& repatriation_flaps_;
  prometheus::Counter& eci_vcpu_seconds_saved_;
  prometheus::Family<prometheus::Counter>& capacity_requests_;
  kube::WorkQueueMetrics work_queues_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_METRICS_H_
