// Recognition of virtual nodes (virtual-kubelet; every pod bound to one runs as
// its own elastic container instance).
//
// The rule is configurable (proto/config.proto VirtualNodeRule). By default a
// node is virtual when it carries the label type=virtual-kubelet OR a taint with
// key virtual-kubelet.io/provider; its name (virtual-kubelet or
// virtual-kubelet-<region>-<zone>) is used only when the node object is not at
// hand. Immutable after construction; safe to share across threads.
#ifndef SPILLWAY_BURST_VIRTUAL_NODE_H_
#define SPILLWAY_BURST_VIRTUAL_NODE_H_

#include <bitset>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/objects.h"
#include "proto/config.pb.h"

namespace spillway::burst {

class VirtualNodeRule {
 public:
  // The documented default rule (see file comment).
  VirtualNodeRule();
  // The rule a config file gives; an absent `virtualNode` section is the default.
  explicit VirtualNodeRule(const config::VirtualNodeRule& config);

  // Whether `node` is a virtual node, judged by its labels and taints.
  bool IsVirtual(const kube::Node& node) const;
  // Whether a node named `name` is virtual, judged by the name alone.
  bool IsVirtualName(absl::string_view name) const;
  // False when no prefix can match `name`, judged by its first byte: most
  // regular names are rejected here, inline, before IsVirtualName's loop
  // (names mode classifies every candidate of every request).
  bool MayBeVirtualName(absl::string_view name) const {
    return !name.empty() && prefix_first_bytes_[static_cast<unsigned char>(name.front())];
  }
  // The first bytes of the name prefixes: a name that begins otherwise is
  // not virtual by name.
  const std::bitset<256>& prefix_first_bytes() const { return prefix_first_bytes_; }

  // Whether a nodeSelector requires a virtual-node label (e.g. type=virtual-kubelet).
  bool SelectsVirtual(const kube::StringMap& node_selector) const;
  // Whether a required node-affinity term can only match virtual nodes: one of
  // its expressions is `<virtual label key> In [<virtual label value>, ...]`
  // with every listed value a virtual one, or `metadata.name In [...]` with
  // every name virtual.
  bool TermSelectsVirtual(const kube::NodeSelectorTerm& term) const;

  const std::vector<std::string>& taint_keys() const { return taint_keys_; }
  const std::vector<std::pair<std::string, std::string>>& labels() const { return labels_; }
  // A human-readable statement of the rule, for logs.
  std::string Describe() const;

 private:
  // Fills prefix_first_bytes_ from name_prefixes_.
  void IndexPrefixes();

  std::vector<std::pair<std::string, std::string>> labels_;
  std::vector<std::string> taint_keys_;
  std::vector<std::string> name_prefixes_;
  std::bitset<256> prefix_first_bytes_;  // Each prefix's first byte.
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_VIRTUAL_NODE_H_
