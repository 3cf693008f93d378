#include "autoscaler/metrics.h"

#include "prometheus/histogram.h"

namespace spillway::autoscaler {

AutoscalerMetrics::AutoscalerMetrics(prometheus::Registry& registry, const std::vector<std::string>& stock_reasons)
    : rescues_(prometheus::BuildCounter()
                   .Name("spillway_autoscaler_rescues_total")
                   .Help("Unschedulable pods considered for ECI, by outcome")
                   .Register(registry)),
      rescue_latency_(prometheus::BuildHistogram()
                          .Name("spillway_autoscaler_rescue_latency_seconds")
                          .Help("From the Unschedulable watch event to the pod's patch")
                          .Register(registry)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5})),
      deletion_costs_(prometheus::BuildCounter()
                          .Name("spillway_autoscaler_deletion_cost_updates_total")
                          .Help("pod-deletion-cost annotations set on pods on virtual nodes")
                          .Register(registry)),
      reconciles_(prometheus::BuildCounter()
                      .Name("spillway_autoscaler_reconciles_total")
                      .Help("Controller reconciles, by controller and outcome")
                      .Register(registry)),
      leader_(prometheus::BuildGauge()
                  .Name("spillway_autoscaler_leader")
                  .Help("1 while this replica holds the autoscaler lease")
                  .Register(registry)
                  .Add({})),
      elastic_duration_(prometheus::BuildHistogram()
                            .Name("spillway_autoscaler_elastic_workload_reconcile_seconds")
                            .Help("Duration of one ElasticWorkload reconcile")
                            .Register(registry)
                            .Add({}, prometheus::Histogram::BucketBoundaries{
                                         0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5})),
      workload_replicas_(prometheus::BuildGauge()
                             .Name("spillway_autoscaler_elastic_workload_replicas")
                             .Help("Desired replicas of each ElasticWorkload by capacity type (ecs: source, eci: units)")
                             .Register(registry)),
      stock_cool_downs_(prometheus::BuildCounter()
                            .Name("spillway_autoscaler_stock_cool_downs_total")
                            .Help("Virtual nodes avoided after an ECI stock or capacity Event, by reason")
                            .Register(registry)),
      stock_events_ignored_(prometheus::BuildCounter()
                                .Name("spillway_autoscaler_stock_events_ignored_total")
                                .Help("ECI stock Events ignored: not about a Pod, not reported by the virtual "
                                      "kubelet, or older than their reason's cool-down")
                                .Register(registry)),
      stuck_pods_(prometheus::BuildCounter()
                      .Name("spillway_autoscaler_stock_stuck_pods_total")
                      .Help("Pods stuck on an out-of-stock virtual node: deleted so their controller recreates "
                            "them elsewhere, or told to wait because no other node could run them")
                      .Register(registry)),
      elastic_scales_(prometheus::BuildCounter()
                          .Name("spillway_autoscaler_elastic_workload_scales_total")
                          .Help("ElasticWorkload scale actions: its source (ECS) or a unit (ECI) scaled up or down")
                          .Register(registry)),
      repatriations_(prometheus::BuildCounter()
                         .Name("spillway_autoscaler_repatriations_total")
                         .Help("Burst pods on ECI evicted to move home to ECS, by outcome (moved; refused by a "
                               "PodDisruptionBudget; failed)")
                         .Register(registry)),
      repatriation_flaps_(prometheus::BuildCounter()
                              .Name("spillway_autoscaler_repatriation_flaps_total")
                              .Help("Workloads that sent a pod to ECI within the hysteresis of a move home")
                              .Register(registry)
                              .Add({})),
      eci_vcpu_seconds_saved_(prometheus::BuildCounter()
                                  .Name("spillway_autoscaler_repatriation_eci_vcpu_seconds_saved_total")
                                  .Help("Estimated ECI vCPU-seconds not billed: the vCPUs of pods moved home, for "
                                        "as long as their workload keeps at least that many pods on ECS")
                                  .Register(registry)
                                  .Add({})),
      capacity_requests_(prometheus::BuildCounter()
                             .Name("spillway_autoscaler_capacity_requests_total")
                             .Help("Placeholder pods asking the node autoscaler for ECS capacity, by outcome "
                                   "(created, deleted, failed)")
                             .Register(registry)),
      work_queues_(registry) {
  for (absl::string_view outcome : kRescueOutcomes) rescues_.Add({{"outcome", std::string(outcome)}});
  for (const char* outcome : {"set", "error"}) deletion_costs_.Add({{"outcome", outcome}});
  for (absl::string_view controller : kControllers) {
    for (const char* outcome : {"ok", "error"}) {
      reconciles_.Add({{"controller", std::string(controller)}, {"outcome", outcome}});
    }
  }
  for (const std::string& reason : stock_reasons) stock_cool_downs_.Add({{"reason", reason}});
  for (const char* why : {"not_a_pod", "not_virtual_kubelet", "stale"}) stock_events_ignored_.Add({{"why", why}});
  for (const char* action : {"deleted", "waiting"}) stuck_pods_.Add({{"action", action}});
  for (const char* target : {"source", "unit"}) {
    for (const char* direction : {"up", "down"}) elastic_scales_.Add({{"target", target}, {"direction", direction}});
  }
  for (const char* outcome : {"moved", "refused", "failed"}) repatriations_.Add({{"outcome", outcome}});
  for (const char* outcome : {"created", "deleted", "failed"}) capacity_requests_.Add({{"outcome", outcome}});
}

void AutoscalerMetrics::CountCapacityRequest(absl::string_view outcome) {
  capacity_requests_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void AutoscalerMetrics::CountRepatriation(absl::string_view outcome) {
  repatriations_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void AutoscalerMetrics::CountElasticScale(absl::string_view target, absl::string_view direction) {
  elastic_scales_.Add({{"target", std::string(target)}, {"direction", std::string(direction)}}).Increment();
}

void AutoscalerMetrics::CountStockEventIgnored(absl::string_view why) {
  stock_events_ignored_.Add({{"why", std::string(why)}}).Increment();
}

void AutoscalerMetrics::CountStuckPod(absl::string_view action) {
  stuck_pods_.Add({{"action", std::string(action)}}).Increment();
}

void AutoscalerMetrics::CountStockCoolDown(absl::string_view reason) {
  stock_cool_downs_.Add({{"reason", std::string(reason)}}).Increment();
}

void AutoscalerMetrics::SetWorkloadReplicas(const std::string& ns, const std::string& name, int64_t ecs,
                                            int64_t eci) {
  workload_replicas_.Add({{"namespace", ns}, {"name", name}, {"capacity", "ecs"}}).Set(static_cast<double>(ecs));
  workload_replicas_.Add({{"namespace", ns}, {"name", name}, {"capacity", "eci"}}).Set(static_cast<double>(eci));
}

void AutoscalerMetrics::ForgetWorkload(const std::string& ns, const std::string& name) {
  for (const char* capacity : {"ecs", "eci"}) {
    workload_replicas_.Remove(&workload_replicas_.Add({{"namespace", ns}, {"name", name}, {"capacity", capacity}}));
  }
}

void AutoscalerMetrics::CountRescue(absl::string_view outcome) {
  rescues_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void AutoscalerMetrics::CountDeletionCost(absl::string_view outcome) {
  deletion_costs_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void AutoscalerMetrics::CountReconcile(absl::string_view controller, absl::string_view outcome) {
  reconciles_.Add({{"controller", std::string(controller)}, {"outcome", std::string(outcome)}})
      .Increment();
}

}  // namespace spillway::autoscaler
