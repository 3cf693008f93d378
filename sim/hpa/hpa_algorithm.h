// The HorizontalPodAutoscaler's arithmetic, as pure functions, following
// kube-controller-manager (pkg/controller/podautoscaler: the replica
// calculator for a CPU Utilization target, then the behavior's
// stabilization windows and rate policies; docs/simulated-cluster.md). No
// I/O; thread-compatible.
#ifndef SPILLWAY_SIM_HPA_HPA_ALGORITHM_H_
#define SPILLWAY_SIM_HPA_HPA_ALGORITHM_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace spillway::sim {

inline constexpr double kHpaTolerance = 0.1;

// Replicas for a Utilization target from the pods' CPU use. `ready_usage`
// holds the use of each Ready pod as a percentage of its request;
// `unready` pods (not Ready yet) count as 0% when scaling up and are left
// out when scaling down; `current` is the scale's replicas. Within the 10%
// tolerance, or when counting unready pods reverses the direction, the
// answer is `current`.
int ReplicasForUtilization(int current, const std::vector<double>& ready_usage, int unready, int target);

struct HpaRule {
  enum class Type { kPods, kPercent };
  Type type = Type::kPods;
  int value = 0;
  int period_seconds = 15;
};

// One direction of spec.behavior (defaults as autoscaling/v2: up 0 s
// window, max of 100% or 4 pods per 15 s; down 300 s window, 100% per 15 s).
struct HpaScalingRules {
  int stabilization_window_seconds = 0;
  std::vector<HpaRule> policies;
  std::string select_policy = "Max";  // Max, Min or Disabled.
};

HpaScalingRules DefaultScaleUp();
HpaScalingRules DefaultScaleDown();

struct HpaRecommendation {
  absl::Time at;
  int replicas = 0;
};

struct HpaScaleEvent {
  absl::Time at;
  int change = 0;  // Positive: scaled up by that many.
};

// What the HPA controller keeps between syncs for one autoscaler.
struct HpaHistory {
  std::deque<HpaRecommendation> recommendations;
  std::deque<HpaScaleEvent> events;
};

// The replicas to set: `raw` (ReplicasForUtilization) stabilized over the
// windows (the highest recommendation of the scale-down window, the lowest
// of the scale-up window), limited by the rate policies given the scale
// events of their periods, and clamped to [min, max]. Records the
// recommendation and, when the answer differs from `current`, the scale
// event in `history`, dropping entries older than every window and period.
int NormalizeReplicas(int current, int raw, int min_replicas, int max_replicas, const HpaScalingRules& up,
                      const HpaScalingRules& down, absl::Time now, HpaHistory& history);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_HPA_HPA_ALGORITHM_H_
