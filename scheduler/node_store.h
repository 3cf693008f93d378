// Where the extender looks up nodes it knows only by name (nodeCacheCapable:
// true). The API-client issue fills one from a node informer; until then the
// extender runs without a store and classifies nodes by name.
#ifndef SPILLWAY_SCHEDULER_NODE_STORE_H_
#define SPILLWAY_SCHEDULER_NODE_STORE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "kube/objects.h"

namespace spillway::scheduler {

// An immutable view of the cluster's nodes, keyed by name.
using NodeSnapshot = absl::flat_hash_map<std::string, kube::Node>;

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  // The latest snapshot. Request threads call this on every names-mode request;
  // implementations swap snapshots in from their watch thread and must never
  // make this call wait on it.
  virtual std::shared_ptr<const NodeSnapshot> Snapshot() const = 0;
  // Whether the store has seen the full node list at least once; the extender
  // reports not-ready until it has.
  virtual bool HasSynced() const = 0;
};

// A store holding a fixed snapshot (tests, and tools that load nodes once).
class StaticNodeStore : public NodeStore {
 public:
  explicit StaticNodeStore(NodeSnapshot nodes)
      : snapshot_(std::make_shared<const NodeSnapshot>(std::move(nodes))) {}
  std::shared_ptr<const NodeSnapshot> Snapshot() const override { return snapshot_; }
  bool HasSynced() const override { return true; }

 private:
  std::shared_ptr<const NodeSnapshot> snapshot_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_NODE_STORE_H_
