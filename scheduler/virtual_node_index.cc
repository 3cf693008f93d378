#include "scheduler/virtual_node_index.h"

#include <utility>

#include "burst/architecture.h"

namespace spillway::scheduler {

VirtualNodeIndex::VirtualNodeIndex(std::shared_ptr<const NodeSnapshot> snapshot,
                                   const burst::VirtualNodeRule& rule)
    : snapshot_(std::move(snapshot)) {
  for (const auto& [name, node] : *snapshot_) {
    if (!rule.IsVirtual(*node)) continue;
    virtual_nodes_.emplace(name, VirtualNode{burst::NodeArchitecture(*node)});
    // CompactNames::FindStartingWith takes an empty name to begin with
    // its closing quote.
    first_bytes_.set(name.empty() ? '"' : static_cast<unsigned char>(name.front()));
    if (name.size() < lengths_.size()) {
      lengths_.set(name.size());
    } else {
      long_names_ = true;
    }
  }
}

}  // namespace spillway::scheduler
