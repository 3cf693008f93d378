#include "sim/controllers/deployment_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"

namespace spillway::sim {

int ScaledValue(const std::string& value, int desired, bool round_up) {
  absl::string_view text = value;
  int number = 0;
  if (absl::ConsumeSuffix(&text, "%")) {
    if (!absl::SimpleAtoi(text, &number)) return 0;
    const double scaled = static_cast<double>(number) * desired / 100.0;
    return static_cast<int>(round_up ? std::ceil(scaled) : std::floor(scaled));
  }
  return absl::SimpleAtoi(text, &number) ? number : 0;
}

DeploymentPlan PlanRollingUpdate(int desired, int max_surge, int max_unavailable, const ReplicaSetState& current,
                                 const std::vector<ReplicaSetState>& olds) {
  if (max_surge == 0 && max_unavailable == 0) max_unavailable = 1;
  DeploymentPlan plan{current.replicas, {}};
  int old_total = 0;
  for (const ReplicaSetState& old : olds) {
    plan.old_replicas.push_back(old.replicas);
    old_total += old.replicas;
  }
  if (old_total == 0) {
    plan.current = desired;
    return plan;
  }
  // reconcileNewReplicaSet: grow the new set while the total stays within
  // desired + maxSurge.
  const int room = desired + max_surge - (old_total + current.replicas);
  if (room > 0) plan.current = std::min(desired, current.replicas + room);
  // reconcileOldReplicaSets: first drop old pods that are not available, as
  // far as availability allows ...
  const int min_available = desired - max_unavailable;
  const int new_unavailable = std::max(0, plan.current - current.available);
  int max_scaled_down = old_total + plan.current - min_available - new_unavailable;
  if (max_scaled_down <= 0) return plan;
  for (size_t i = 0; i < olds.size() && max_scaled_down > 0; ++i) {
    const int unhealthy = std::max(0, olds[i].replicas - olds[i].available);
    const int take = std::min(unhealthy, max_scaled_down);
    plan.old_replicas[i] -= take;
    max_scaled_down -= take;
  }
  // ... then available ones, oldest set first, keeping min_available.
  int available = current.available;
  for (const ReplicaSetState& old : olds) available += old.available;
  int scale_down = available - min_available;
  for (size_t i = 0; i < olds.size() && scale_down > 0; ++i) {
    const int take = std::min(plan.old_replicas[i], scale_down);
    plan.old_replicas[i] -= take;
    scale_down -= take;
  }
  return plan;
}

DeploymentPlan PlanRecreate(int desired, const ReplicaSetState& current, const std::vector<ReplicaSetState>& olds) {
  DeploymentPlan plan{current.replicas, std::vector<int>(olds.size(), 0)};
  bool old_pods_left = false;
  for (const ReplicaSetState& old : olds) old_pods_left = old_pods_left || old.pods > 0 || old.replicas > 0;
  plan.current = old_pods_left ? 0 : desired;
  return plan;
}

}  // namespace spillway::sim
