// Capacity hand-back, the decision (issue 24.2; docs/node-autoscalers.md,
// "Asking for ECS capacity"): when have burst pods run on ECI long enough
// that asking the node autoscaler for an ECS node is cheaper than keeping
// them there?
//
// It is the ski-rental problem. Keeping a pod on ECI is renting; a node is
// buying, with a price paid up front whatever happens next: the node is
// billed while it boots (the provisioning delay, ECI still running
// meanwhile) and while it stands under-used after the peak until the node
// autoscaler removes it (scale-down-unneeded-time). A set of ECI pods that
// fill one node saves (their ECI rate − the node's rate) per second once
// moved. Asking as soon as those savings, accrued over the time the pods
// have already run on ECI, would have paid the overhead — age ≥ overhead /
// savings rate — never costs more than twice the best choice in hindsight,
// whatever the peak's length, and a short peak never adds a node.
//
// Pods that asked for burst only (never eci/eci_only, never sent by a label,
// namespace or eci-profile) are candidates; they are packed, oldest first,
// into nodes of the cheapest fitting shape.
//
// Pure; thread-compatible.
#ifndef SPILLWAY_AUTOSCALER_HAND_BACK_PLAN_H_
#define SPILLWAY_AUTOSCALER_HAND_BACK_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace spillway::autoscaler {

// A burst pod running on a virtual node.
struct EciPod {
  std::string key;  // namespace/name
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  absl::Time running_since;
};

// What an ECS node of a node pool holds and costs.
struct NodeShape {
  std::string name;  // The node pool.
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 110;
  double price_per_hour = 0;
};

struct HandBackPrices {
  double eci_vcpu_second = 0;  // Pay-as-you-go ECI, per vCPU-second.
  double eci_gib_second = 0;   // Per GiB-second.
};

struct HandBackOptions {
  absl::Duration provisioning_delay = absl::Seconds(90);
  // How long a node stays after the peak before the node autoscaler removes
  // it (cluster-autoscaler's scale-down-unneeded-time).
  absl::Duration scale_down_unneeded_time = absl::Minutes(10);
};

// One node's worth of ECI pods worth moving.
struct CapacityRequest {
  std::string shape;
  std::vector<std::string> pods;  // Oldest first.
  absl::Duration break_even_age;  // How long they had to run on ECI first.
};

struct HandBackPlan {
  std::vector<CapacityRequest> requests;
  // For the pods asked for nothing yet: why not (for `spillway explain`).
  std::vector<std::pair<std::string, std::string>> waiting;
};

// The ECI rate of `pods`, in $ per second.
double EciRate(const std::vector<const EciPod*>& pods, const HandBackPrices& prices);

// How long pods with ECI rate `eci_rate` ($/s) must have run before a node
// of `shape` pays off; InfiniteDuration when ECI is no dearer than the node.
absl::Duration BreakEvenAge(double eci_rate, const NodeShape& shape, const HandBackOptions& options);

HandBackPlan PlanHandBack(std::vector<EciPod> pods, const std::vector<NodeShape>& shapes,
                          const HandBackPrices& prices, const HandBackOptions& options, absl::Time now);

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_HAND_BACK_PLAN_H_
