// The autoscaler's Prometheus metrics, declared together and handed to each
// controller. Names: spillway_autoscaler_<what>_{total,seconds}; label sets
// are bounded (outcomes and controllers are fixed lists).
#ifndef SPILLWAY_AUTOSCALER_METRICS_H_
#define SPILLWAY_AUTOSCALER_METRICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace spillway::autoscaler {

class AutoscalerMetrics {
 public:
  explicit AutoscalerMetrics(prometheus::Registry& registry);

  // outcome: one of rescue_plan.h's list (rescued, eci_only_tolerated, ...).
  void CountRescue(absl::string_view outcome);
  // From the watch event that showed the pod Unschedulable to the patch.
  void ObserveRescueLatency(double seconds) { rescue_latency_.Observe(seconds); }
  // outcome: set, error.
  void CountDeletionCost(absl::string_view outcome);
  // controller: rescue, deletion_cost; outcome: ok, error.
  void CountReconcile(absl::string_view controller, absl::string_view outcome);
  void SetLeader(bool leader) { leader_.Set(leader ? 1 : 0); }
  // A virtual node started a stock cool-down, by the ECI Event reason.
  void CountStockCoolDown(absl::string_view reason);
  // ElasticWorkload reconciles' duration (count and errors: CountReconcile).
  void ObserveElasticReconcile(double seconds) { elastic_duration_.Observe(seconds); }
  // Desired replicas of an ElasticWorkload by capacity type ("ecs" for the
  // source, "eci" for the units); `workload` is namespace/name.
  void SetWorkloadReplicas(const std::string& workload, int64_t ecs, int64_t eci);
  void ForgetWorkload(const std::string& workload);

 private:
  prometheus::Family<prometheus::Counter>& rescues_;
  prometheus::Histogram& rescue_latency_;
  prometheus::Family<prometheus::Counter>& deletion_costs_;
  prometheus::Family<prometheus::Counter>& reconciles_;
  prometheus::Gauge& leader_;
  prometheus::Histogram& elastic_duration_;
  prometheus::Family<prometheus::Gauge>& workload_replicas_;
  prometheus::Family<prometheus::Counter>& stock_cool_downs_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_METRICS_H_
