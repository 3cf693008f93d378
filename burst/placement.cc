#include "burst/placement.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "kube/node_affinity.h"

namespace spillway::burst {

bool PodAdmitsNode(const kube::Pod& pod, const kube::Node& node) {
  return kube::PodMatchesNodeSelectorAndAffinity(pod, node);
}

bool ToleratesTaintKey(const kube::Pod& pod, absl::string_view taint_key) {
  for (const kube::Toleration& t : pod.tolerations) {
    if ((t.key == taint_key || (t.key.empty() && t.operator_ == "Exists")) &&
        (t.effect.empty() || t.effect == "NoSchedule")) {
      return true;
    }
  }
  return false;
}

std::vector<kube::Toleration> MissingVirtualNodeTolerations(const kube::Pod& pod,
                                                            const std::vector<std::string>& taint_keys) {
  std::vector<kube::Toleration> missing;
  for (const std::string& key : taint_keys) {
    if (!ToleratesTaintKey(pod, key)) missing.push_back(kube::Toleration{key, "Exists", "", "NoSchedule"});
  }
  return missing;
}

bool ToleratesTaint(const kube::Pod& pod, const kube::Taint& taint) {
  for (const kube::Toleration& t : pod.tolerations) {
    if (!t.effect.empty() && t.effect != taint.effect) continue;
    if (t.key.empty()) {
      if (t.operator_ == "Exists") return true;
      continue;
    }
    if (t.key != taint.key) continue;
    if (t.operator_ == "Exists" || t.value == taint.value) return true;
  }
  return false;
}

namespace {

bool Blocks(const kube::Taint& taint) { return taint.effect == "NoSchedule" || taint.effect == "NoExecute"; }

}  // namespace

absl::flat_hash_map<std::string, NodeLoad> NodeLoads(const std::vector<std::shared_ptr<const kube::PodRecord>>& pods,
                                                     absl::string_view except) {
  absl::flat_hash_map<std::string, NodeLoad> load;
  for (const auto& pod : pods) {
    if (pod->node_name().empty() || pod->phase() == "Succeeded" || pod->phase() == "Failed") continue;
    if (!except.empty() && pod->Key() == except) continue;
    NodeLoad& l = load[pod->node_name()];
    l.used.cpu_milli += pod->requests().cpu_milli;
    l.used.memory_bytes += pod->requests().memory_bytes;
    ++l.pods;
  }
  return load;
}

std::vector<std::string> SchedulerHints(const kube::Pod& pod, const kube::Node& node) {
  std::vector<std::string> hints;
  if (node.unschedulable) hints.push_back("node(s) were unschedulable");
  for (const kube::Taint& taint : node.taints) {
    if (Blocks(taint) && !ToleratesTaint(pod, taint)) {
      hints.push_back(absl::StrCat("node(s) had untolerated taint {", taint.key, ": ", taint.value, "}"));
    }
  }
  if (!PodAdmitsNode(pod, node)) hints.push_back("node(s) didn't match Pod's node affinity/selector");
  return hints;
}

std::vector<std::string> ResourceHints(const kube::Pod& pod, const kube::Node& node, const kube::Resources& used,
                                       int64_t pods) {
  std::vector<std::string> hints;
  const kube::Resources wants = pod.EffectiveRequests();
  if (pods + 1 > node.allocatable_pods) hints.push_back("Too many pods");
  if (wants.cpu_milli > 0 && used.cpu_milli + wants.cpu_milli > node.allocatable.cpu_milli) {
    hints.push_back("Insufficient cpu");
  }
  if (wants.memory_bytes > 0 && used.memory_bytes + wants.memory_bytes > node.allocatable.memory_bytes) {
    hints.push_back("Insufficient memory");
  }
  return hints;
}

}  // namespace spillway::burst
