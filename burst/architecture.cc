#include "burst/architecture.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "burst/placement.h"

namespace spillway::burst {
namespace {

bool IsArchitectureKey(absl::string_view key) { return key == kArchitectureLabel || key == kBetaArchitectureLabel; }

bool MentionsArchitecture(const std::vector<kube::NodeSelectorTerm>& terms) {
  return std::any_of(terms.begin(), terms.end(), [](const kube::NodeSelectorTerm& term) {
    return std::any_of(term.match_expressions.begin(), term.match_expressions.end(),
                       [](const kube::NodeSelectorRequirement& r) { return IsArchitectureKey(r.key); });
  });
}

// The single architecture a term requires (`kubernetes.io/arch In [x]`).
std::optional<std::string> TermArchitecture(const kube::NodeSelectorTerm& term) {
  for (const kube::NodeSelectorRequirement& r : term.match_expressions) {
    if (IsArchitectureKey(r.key) && r.operator_ == "In" && r.values.size() == 1) return r.values.front();
  }
  return std::nullopt;
}

}  // namespace

std::string NodeArchitecture(const kube::Node& node) {
  for (absl::string_view key : {kArchitectureLabel, kBetaArchitectureLabel}) {
    if (std::optional<absl::string_view> arch = node.metadata.labels.Find(key); arch.has_value() && !arch->empty()) {
      return std::string(*arch);
    }
  }
  for (const kube::Taint& taint : node.taints) {
    if (taint.key == kArchitectureLabel && !taint.value.empty()) return taint.value;
  }
  return std::string(kDefaultEciArchitecture);
}

bool ChoosesArchitecture(const kube::Pod& pod) {
  for (absl::string_view key : {kArchitectureLabel, kBetaArchitectureLabel}) {
    if (pod.node_selector.Find(key).has_value()) return true;
  }
  if (MentionsArchitecture(pod.required_node_affinity) || MentionsArchitecture(pod.preferred_node_affinity)) {
    return true;
  }
  return std::any_of(pod.tolerations.begin(), pod.tolerations.end(),
                     [](const kube::Toleration& t) { return t.key == kArchitectureLabel; });
}

std::optional<std::string> ArchitectureMismatch(const kube::Pod& pod, absl::string_view node_architecture) {
  if (node_architecture == kDefaultEciArchitecture || ChoosesArchitecture(pod)) return std::nullopt;
  return absl::StrCat("virtual node: its architecture is ", node_architecture,
                      "; pods sent to ECI run on x86 (amd64) virtual nodes unless they choose an architecture "
                      "(e.g. nodeSelector kubernetes.io/arch: ",
                      node_architecture, ")");
}

std::optional<std::string> ArchitectureMismatch(const kube::Pod& pod, const kube::Node& virtual_node) {
  return ArchitectureMismatch(pod, NodeArchitecture(virtual_node));
}

std::optional<std::string> RequiredArchitecture(const kube::Pod& pod) {
  for (absl::string_view key : {kArchitectureLabel, kBetaArchitectureLabel}) {
    if (std::optional<absl::string_view> arch = pod.node_selector.Find(key)) return std::string(*arch);
  }
  const auto& terms = pod.required_node_affinity;
  if (terms.empty()) return std::nullopt;
  std::optional<std::string> first = TermArchitecture(terms.front());
  if (!first.has_value()) return std::nullopt;
  for (const kube::NodeSelectorTerm& term : terms) {
    if (TermArchitecture(term) != first) return std::nullopt;
  }
  return first;
}

std::optional<kube::Toleration> MissingArchitectureToleration(const kube::Pod& pod) {
  std::optional<std::string> arch = RequiredArchitecture(pod);
  if (!arch.has_value() || *arch == kDefaultEciArchitecture) return std::nullopt;
  const kube::Taint taint{std::string(kArchitectureLabel), *arch, "NoSchedule"};
  if (ToleratesTaint(pod, taint)) return std::nullopt;
  return kube::Toleration{taint.key, "Equal", taint.value, taint.effect};
}

}  // namespace spillway::burst
