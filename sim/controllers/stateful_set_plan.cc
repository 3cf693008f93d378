#include "sim/controllers/stateful_set_plan.h"

#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace spillway::sim {

std::optional<int> OrdinalOf(const std::string& set_name, const std::string& pod_name) {
  absl::string_view rest = pod_name;
  if (!absl::ConsumePrefix(&rest, set_name) || !absl::ConsumePrefix(&rest, "-") || rest.empty()) return std::nullopt;
  if (rest.size() > 1 && rest[0] == '0') return std::nullopt;  // "web-01" is not ordinal 1.
  int ordinal = 0;
  if (!absl::SimpleAtoi(rest, &ordinal) || ordinal < 0 || rest[0] == '+' || rest[0] == '-') return std::nullopt;
  return ordinal;
}

StatefulSetDiff PlanStatefulSet(int replicas, bool parallel, const std::map<int, OrdinalPod>& pods) {
  StatefulSetDiff diff;
  bool any_terminating = false;
  for (const auto& [ordinal, pod] : pods) any_terminating = any_terminating || pod.terminating;
  if (parallel) {
    for (int ordinal = 0; ordinal < replicas; ++ordinal) {
      if (pods.count(ordinal) == 0) diff.create.push_back(ordinal);
    }
    for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
      if (it->first >= replicas && !it->second.terminating) diff.remove.push_back(it->first);
    }
    return diff;
  }
  if (any_terminating) return diff;  // OrderedReady waits for terminations to finish.
  // Scale up: the lowest missing ordinal, once all below it are Running and Ready.
  for (int ordinal = 0; ordinal < replicas; ++ordinal) {
    auto pod = pods.find(ordinal);
    if (pod == pods.end()) {
      diff.create.push_back(ordinal);
      return diff;
    }
    if (!pod->second.running_and_ready) return diff;  // Wait for it.
  }
  // Scale down: the highest ordinal beyond replicas, once the rest are healthy.
  for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
    if (it->first < replicas) break;
    for (const auto& [ordinal, pod] : pods) {
      if (ordinal != it->first && !pod.running_and_ready) return diff;
    }
    diff.remove.push_back(it->first);
    return diff;
  }
  return diff;
}

}  // namespace spillway::sim
