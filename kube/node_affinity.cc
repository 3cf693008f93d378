#include "kube/node_affinity.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/strings/numbers.h"

namespace spillway::kube {
namespace {

bool Listed(const NodeSelectorRequirement& req, absl::string_view value) {
  return std::find(req.values.begin(), req.values.end(), value) != req.values.end();
}

bool LabelRequirementHolds(const NodeSelectorRequirement& req, std::optional<absl::string_view> value) {
  if (req.operator_ == "In") return value.has_value() && Listed(req, *value);
  if (req.operator_ == "NotIn") return !value.has_value() || !Listed(req, *value);
  if (req.operator_ == "Exists") return value.has_value();
  if (req.operator_ == "DoesNotExist") return !value.has_value();
  if (req.operator_ == "Gt" || req.operator_ == "Lt") {
    int64_t have = 0;
    int64_t bound = 0;
    if (!value.has_value() || req.values.size() != 1 || !absl::SimpleAtoi(*value, &have) ||
        !absl::SimpleAtoi(req.values[0], &bound)) {
      return false;
    }
    return req.operator_ == "Gt" ? have > bound : have < bound;
  }
  return false;  // An operator the API server would refuse.
}

bool FieldRequirementHolds(const NodeSelectorRequirement& req, const Node& node) {
  if (req.key != "metadata.name") return false;
  if (req.operator_ == "In") return Listed(req, node.metadata.name);
  if (req.operator_ == "NotIn") return !Listed(req, node.metadata.name);
  return false;
}

bool TermMatches(const NodeSelectorTerm& term, const Node& node) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const NodeSelectorRequirement& req : term.match_expressions) {
    if (!LabelRequirementHolds(req, node.metadata.labels.Find(req.key))) return false;
  }
  for (const NodeSelectorRequirement& req : term.match_fields) {
    if (!FieldRequirementHolds(req, node)) return false;
  }
  return true;
}

}  // namespace

bool NodeSelectorTermsMatch(const std::vector<NodeSelectorTerm>& terms, const Node& node) {
  return std::any_of(terms.begin(), terms.end(), [&](const NodeSelectorTerm& term) { return TermMatches(term, node); });
}

bool PodMatchesNodeSelectorAndAffinity(const Pod& pod, const Node& node) {
  bool selector_holds = true;
  pod.node_selector.ForEach([&](absl::string_view key, absl::string_view value) {
    selector_holds = selector_holds && node.metadata.labels.Has(key, value);
  });
  if (!selector_holds) return false;
  return pod.required_node_affinity.empty() || NodeSelectorTermsMatch(pod.required_node_affinity, node);
}

}  // namespace spillway::kube
