#include "burst/virtual_node.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spillway::burst {

VirtualNodeRule::VirtualNodeRule()
    : labels_{{"type", "virtual-kubelet"}},
      taint_keys_{"virtual-kubelet.io/provider"},
      name_prefixes_{"virtual-kubelet"} {
  IndexPrefixes();
}

VirtualNodeRule::VirtualNodeRule(const config::VirtualNodeRule& config) : VirtualNodeRule() {
  if (config.ByteSizeLong() == 0) return;  // Section absent or empty: the default.
  labels_.assign(config.labels().begin(), config.labels().end());
  taint_keys_.assign(config.taint_keys().begin(), config.taint_keys().end());
  name_prefixes_.assign(config.name_prefixes().begin(), config.name_prefixes().end());
  IndexPrefixes();
}

void VirtualNodeRule::IndexPrefixes() {
  prefix_first_bytes_.reset();
  for (const std::string& prefix : name_prefixes_) {
    // An empty prefix matches no name (a name must continue with '-').
    if (!prefix.empty()) prefix_first_bytes_.set(static_cast<unsigned char>(prefix.front()));
  }
}

bool VirtualNodeRule::IsVirtual(const kube::Node& node) const {
  for (const auto& [key, value] : labels_) {
    if (node.metadata.labels.Has(key, value)) return true;
  }
  for (const kube::Taint& taint : node.taints) {
    for (const std::string& key : taint_keys_) {
      if (taint.key == key) return true;
    }
  }
  return false;
}

bool VirtualNodeRule::IsVirtualName(absl::string_view name) const {
  // Called for every candidate of every names-mode request: test the cheap
  // conditions (first byte, length) before comparing bytes.
  if (!MayBeVirtualName(name)) return false;
  for (const std::string& prefix : name_prefixes_) {
    if (prefix.empty() || name.size() < prefix.size() || name[0] != prefix[0]) continue;
    if (name.size() != prefix.size() &&
        (name.size() == prefix.size() + 1 || name[prefix.size()] != '-')) {
      continue;
    }
    if (name.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

bool VirtualNodeRule::SelectsVirtual(const kube::StringMap& node_selector) const {
  for (const auto& [key, value] : labels_) {
    if (node_selector.Has(key, value)) return true;
  }
  return false;
}

bool VirtualNodeRule::TermSelectsVirtual(const kube::NodeSelectorTerm& term) const {
  for (const kube::NodeSelectorRequirement& req : term.match_expressions) {
    if (req.operator_ != "In" || req.values.empty()) continue;
    bool all_virtual = true;
    for (const std::string& value : req.values) {
      bool virtual_value = false;
      for (const auto& [key, label_value] : labels_) {
        if (req.key == key && value == label_value) virtual_value = true;
      }
      all_virtual = all_virtual && virtual_value;
    }
    if (all_virtual) return true;
  }
  for (const kube::NodeSelectorRequirement& req : term.match_fields) {
    if (req.key != "metadata.name" || req.operator_ != "In" || req.values.empty()) continue;
    bool all_virtual = true;
    for (const std::string& name : req.values) all_virtual = all_virtual && IsVirtualName(name);
    if (all_virtual) return true;
  }
  return false;
}

std::string VirtualNodeRule::Describe() const {
  std::vector<std::string> parts;
  for (const auto& [key, value] : labels_) parts.push_back(absl::StrCat("label ", key, "=", value));
  for (const std::string& key : taint_keys_) parts.push_back(absl::StrCat("taint ", key));
  return absl::StrCat(absl::StrJoin(parts, " or "), " (by name when only names are known: ",
                      absl::StrJoin(name_prefixes_, ", "), "[-<region>-<zone>])");
}

}  // namespace spillway::burst
