// The virtual nodes of one node snapshot, found once.
//
// In names mode every candidate is known only by name. Looking each of 5,000
// names up in the node snapshot and reading its labels and taints
// (VirtualNodeRule::IsVirtual) cost ~140 ns a name, most of it cache misses
// on Node objects spread over the heap: 0.7 ms a request, seven times the
// same request without a node cache (bench/README.md, "Names read with a
// vector scan, and with the node cache"). A cluster
// has a few virtual nodes (one per zone is common) and thousands of regular
// ones, so the index keeps only the virtual ones; a name not among them is a
// regular node, or one the snapshot does not have, which is classified by
// name (VirtualNodeRule::IsVirtualName) as before.
//
// Thread-compatible: immutable once built; build one per snapshot.
#ifndef SPILLWAY_SCHEDULER_VIRTUAL_NODE_INDEX_H_
#define SPILLWAY_SCHEDULER_VIRTUAL_NODE_INDEX_H_

#include <bitset>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "burst/virtual_node.h"
#include "kube/objects.h"
#include "scheduler/cluster_view.h"

namespace spillway::scheduler {

class VirtualNodeIndex {
 public:
  struct VirtualNode {
    // burst::NodeArchitecture of the Node, read once per snapshot rather
    // than once per request for each virtual candidate.
    std::string architecture;
  };

  // Classifies every node of `snapshot`, which the index keeps alive.
  VirtualNodeIndex(std::shared_ptr<const NodeSnapshot> snapshot, const burst::VirtualNodeRule& rule);

  // The virtual node named `name`, or null: a regular node, or a name the
  // snapshot lacks. Most names are rejected by their length alone.
  const VirtualNode* FindVirtual(absl::string_view name) const {
    if (name.size() < lengths_.size() ? !lengths_[name.size()] : !long_names_) return nullptr;
    auto it = virtual_nodes_.find(name);
    return it != virtual_nodes_.end() ? &it->second : nullptr;
  }

  // The first bytes of the virtual nodes' names: a name that begins
  // otherwise is not one of them.
  const std::bitset<256>& first_bytes() const { return first_bytes_; }

  // Whether the snapshot has a node named `name`.
  bool Contains(absl::string_view name) const { return snapshot_->contains(name); }

  const NodeSnapshot* snapshot() const { return snapshot_.get(); }

 private:
  std::shared_ptr<const NodeSnapshot> snapshot_;
  // Keys view the snapshot's names.
  absl::flat_hash_map<absl::string_view, VirtualNode> virtual_nodes_;
  std::bitset<256> lengths_;  // The lengths of the virtual nodes' names.
  bool long_names_ = false;   // A virtual node's name is 256 bytes or longer.
  std::bitset<256> first_bytes_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_VIRTUAL_NODE_INDEX_H_
