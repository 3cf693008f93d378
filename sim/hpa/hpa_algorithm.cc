#include "sim/hpa/hpa_algorithm.h"

#include <algorithm>
#include <cmath>

namespace spillway::sim {

int ReplicasForUtilization(int current, const std::vector<double>& ready_usage, int unready, int target) {
  if (ready_usage.empty() || target <= 0) return current;
  double total = 0;
  for (double usage : ready_usage) total += usage;
  const double ready = static_cast<double>(ready_usage.size());
  const double ratio = total / ready / target;
  if (std::fabs(1.0 - ratio) <= kHpaTolerance) return current;
  if (unready == 0 || ratio < 1.0) {
    // Scaling down leaves unready pods out; with none, nothing to adjust.
    return static_cast<int>(std::ceil(ratio * ready));
  }
  // Scaling up: unready pods count as using nothing.
  const double adjusted = total / (ready + unready) / target;
  if (std::fabs(1.0 - adjusted) <= kHpaTolerance || adjusted < 1.0) return current;
  const int desired = static_cast<int>(std::ceil(adjusted * (ready + unready)));
  return std::max(desired, current);
}

HpaScalingRules DefaultScaleUp() {
  return HpaScalingRules{0, {{HpaRule::Type::kPercent, 100, 15}, {HpaRule::Type::kPods, 4, 15}}, "Max"};
}

HpaScalingRules DefaultScaleDown() {
  return HpaScalingRules{300, {{HpaRule::Type::kPercent, 100, 15}}, "Max"};
}

namespace {

// Net change of the events within `period` before `now`.
int ChangeWithin(const std::deque<HpaScaleEvent>& events, absl::Duration period, absl::Time now, bool up) {
  int change = 0;
  for (const HpaScaleEvent& event : events) {
    if (now - event.at > period) continue;
    if (up && event.change > 0) change += event.change;
    if (!up && event.change < 0) change -= event.change;
  }
  return change;
}

// The most replicas the scale-up policies allow now (`current` when
// Disabled): each policy counts from the replicas at the start of its
// period; Max takes the most permissive policy, Min the strictest.
int ScaleUpLimit(int current, const HpaScalingRules& up, const HpaHistory& history, absl::Time now) {
  if (up.select_policy == "Disabled") return current;
  bool any = false;
  int limit = 0;
  for (const HpaRule& rule : up.policies) {
    const int start = current - ChangeWithin(history.events, absl::Seconds(rule.period_seconds), now, true);
    const int allowed = rule.type == HpaRule::Type::kPods
                            ? start + rule.value
                            : static_cast<int>(std::ceil(start * (1.0 + rule.value / 100.0)));
    limit = !any ? allowed : up.select_policy == "Min" ? std::min(limit, allowed) : std::max(limit, allowed);
    any = true;
  }
  return any ? limit : current;
}

// The fewest replicas the scale-down policies allow now, likewise.
int ScaleDownLimit(int current, const HpaScalingRules& down, const HpaHistory& history, absl::Time now) {
  if (down.select_policy == "Disabled") return current;
  bool any = false;
  int limit = 0;
  for (const HpaRule& rule : down.policies) {
    const int start = current + ChangeWithin(history.events, absl::Seconds(rule.period_seconds), now, false);
    const int allowed = rule.type == HpaRule::Type::kPods
                            ? start - rule.value
                            : static_cast<int>(std::floor(start * (1.0 - rule.value / 100.0)));
    // Max picks the policy allowing the biggest change: the lowest floor.
    limit = !any ? allowed : down.select_policy == "Min" ? std::max(limit, allowed) : std::min(limit, allowed);
    any = true;
  }
  return any ? limit : current;
}

}  // namespace

int NormalizeReplicas(int current, int raw, int min_replicas, int max_replicas, const HpaScalingRules& up,
                      const HpaScalingRules& down, absl::Time now, HpaHistory& history) {
  history.recommendations.push_back({now, raw});
  // Stabilization: scale up no further than the lowest recommendation of
  // the up window, down no further than the highest of the down window.
  int up_bound = raw;
  int down_bound = raw;
  for (const HpaRecommendation& r : history.recommendations) {
    if (now - r.at <= absl::Seconds(up.stabilization_window_seconds)) up_bound = std::min(up_bound, r.replicas);
    if (now - r.at <= absl::Seconds(down.stabilization_window_seconds)) {
      down_bound = std::max(down_bound, r.replicas);
    }
  }
  int desired = current;
  if (up_bound > current) desired = up_bound;
  if (down_bound < current) desired = down_bound;
  if (desired > current) desired = std::min(desired, ScaleUpLimit(current, up, history, now));
  if (desired < current) desired = std::max(desired, ScaleDownLimit(current, down, history, now));
  desired = std::clamp(desired, min_replicas, max_replicas);
  if (desired != current) history.events.push_back({now, desired - current});
  // Forget what no window or period can read any more.
  absl::Duration keep = absl::Seconds(std::max(up.stabilization_window_seconds, down.stabilization_window_seconds));
  for (const HpaScalingRules* rules : {&up, &down}) {
    for (const HpaRule& rule : rules->policies) keep = std::max(keep, absl::Seconds(rule.period_seconds));
  }
  while (!history.recommendations.empty() && now - history.recommendations.front().at > keep) {
    history.recommendations.pop_front();
  }
  while (!history.events.empty() && now - history.events.front().at > keep) history.events.pop_front();
  return desired;
}

}  // namespace spillway::sim
