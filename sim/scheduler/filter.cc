#include "sim/scheduler/filter.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kube/node_affinity.h"

namespace spillway::sim {
namespace {

bool Tolerates(const std::vector<kube::Toleration>& tolerations, const kube::Taint& taint) {
  for (const kube::Toleration& t : tolerations) {
    if (!t.effect.empty() && t.effect != taint.effect) continue;
    if (t.operator_ == "Exists") {
      if (t.key.empty() || t.key == taint.key) return true;
      continue;
    }
    if (t.key == taint.key && t.value == taint.value) return true;
  }
  return false;
}

FilterVerdict Unresolvable(std::string reason) { return FilterVerdict{{std::move(reason)}, false}; }

}  // namespace

FilterVerdict FilterNode(const kube::Pod& pod, const kube::Node& node, const NodeUsage& usage) {
  if (node.unschedulable &&
      !Tolerates(pod.tolerations, kube::Taint{"node.kubernetes.io/unschedulable", "", "NoSchedule"})) {
    return Unresolvable("node(s) were unschedulable");
  }
  if (!pod.node_name.empty() && pod.node_name != node.metadata.name) {
    return Unresolvable("node(s) didn't match the requested node name");
  }
  for (const kube::Taint& taint : node.taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (!Tolerates(pod.tolerations, taint)) {
      return Unresolvable(absl::StrCat("node(s) had untolerated taint {", taint.key, ": ", taint.value, "}"));
    }
  }
  if (!kube::PodMatchesNodeSelectorAndAffinity(pod, node)) {
    return Unresolvable("node(s) didn't match Pod's node affinity/selector");
  }
  FilterVerdict verdict;
  verdict.resolvable = true;
  const kube::Resources wants = pod.EffectiveRequests();
  if (usage.pods + 1 > node.allocatable_pods) verdict.reasons.push_back("Too many pods");
  if (wants.cpu_milli > 0 && usage.requested.cpu_milli + wants.cpu_milli > node.allocatable.cpu_milli) {
    verdict.reasons.push_back("Insufficient cpu");
  }
  if (wants.memory_bytes > 0 &&
      usage.requested.memory_bytes + wants.memory_bytes > node.allocatable.memory_bytes) {
    verdict.reasons.push_back("Insufficient memory");
  }
  if (verdict.reasons.empty()) verdict.resolvable = false;
  return verdict;
}

std::string FitErrorMessage(int all_nodes, const std::map<std::string, int>& reason_counts,
                            const std::string& post_filter) {
  std::vector<std::string> reasons;
  for (const auto& [reason, count] : reason_counts) reasons.push_back(absl::StrCat(count, " ", reason));
  std::sort(reasons.begin(), reasons.end());
  std::string message = absl::StrCat("0/", all_nodes, " nodes are available:");
  if (!reasons.empty()) absl::StrAppend(&message, " ", absl::StrJoin(reasons, ", "), ".");
  if (!post_filter.empty()) absl::StrAppend(&message, " ", post_filter, ".");
  return message;
}

std::string NoPreemptionMessage(int all_nodes, const std::vector<FilterVerdict>& verdicts) {
  std::map<std::string, int> counts;
  for (const FilterVerdict& verdict : verdicts) {
    ++counts[verdict.resolvable ? "No preemption victims found for incoming pod"
                                : "Preemption is not helpful for scheduling"];
  }
  std::vector<std::string> reasons;
  for (const auto& [reason, count] : counts) reasons.push_back(absl::StrCat(count, " ", reason));
  std::sort(reasons.begin(), reasons.end());
  return absl::StrCat("preemption: 0/", all_nodes, " nodes are available: ", absl::StrJoin(reasons, ", "));
}

int NumFeasibleNodesToFind(int all_nodes, int percentage) {
  constexpr int kMinFeasibleNodes = 100;
  constexpr int kMinPercentage = 5;
  if (all_nodes < kMinFeasibleNodes) return all_nodes;
  int adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = 50 - all_nodes / 125;
    if (adaptive < kMinPercentage) adaptive = kMinPercentage;
  }
  if (adaptive >= 100) return all_nodes;
  const int nodes = static_cast<int>(static_cast<int64_t>(all_nodes) * adaptive / 100);
  return std::max(nodes, kMinFeasibleNodes);
}

}  // namespace spillway::sim
