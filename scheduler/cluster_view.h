// What the extender reads from the cluster beyond kube-scheduler's request:
// the nodes it knows only by name (nodeCacheCapable: true) and the pod's
// namespace (namespace-level ECI opt-in). `spillway serve --kubeconfig` fills
// one from informers (InformerClusterView); without one the extender runs
// standalone: full mode works, names mode classifies nodes by name, and
// namespace labels are not consulted.
#ifndef SPILLWAY_SCHEDULER_CLUSTER_VIEW_H_
#define SPILLWAY_SCHEDULER_CLUSTER_VIEW_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kube/objects.h"

namespace spillway::scheduler {

// An immutable view of the cluster's nodes, keyed by name.
using NodeSnapshot = absl::flat_hash_map<std::string, std::shared_ptr<const kube::Node>>;

class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // The latest node snapshot. Request threads call this on every names-mode
  // request; implementations swap snapshots in from their watch thread and
  // must never make this call wait on it.
  virtual std::shared_ptr<const NodeSnapshot> Nodes() const = 0;
  // The namespace named `name`, or null when unknown. Must not block.
  virtual std::shared_ptr<const kube::Namespace> FindNamespace(absl::string_view name) const = 0;
  // OK when the ECI quota admits `pod` onto a virtual node, else
  // ResourceExhausted naming the cap. Called when virtual nodes are the
  // pod's only choice: the pod then counts against the quota until the watch
  // shows it bound or gone (burst::EciQuota::Assume), so pods filtered
  // concurrently never share the same room. Must not wait on a watch.
  virtual absl::Status AssumeEci(const kube::Pod& pod) const { return absl::OkStatus(); }
  // Why virtual node `name` should be avoided for now (a stock cool-down), or
  // nullopt. Must not block.
  virtual std::optional<std::string> VirtualNodeCooling(absl::string_view name) const {
    return std::nullopt;
  }
  // Whether the view has seen the full node and namespace lists at least
  // once; the extender reports not-ready until it has.
  virtual bool HasSynced() const = 0;
};

// A fixed view (tests, and tools that load the cluster once).
class StaticClusterView : public ClusterView {
 public:
  explicit StaticClusterView(const std::vector<kube::Node>& nodes,
                             const std::vector<kube::Namespace>& namespaces = {}) {
    auto snapshot = std::make_shared<NodeSnapshot>();
    for (const kube::Node& node : nodes) {
      (*snapshot)[node.metadata.name] = std::make_shared<const kube::Node>(node);
    }
    nodes_ = std::move(snapshot);
    for (const kube::Namespace& ns : namespaces) {
      namespaces_[ns.metadata.name] = std::make_shared<const kube::Namespace>(ns);
    }
  }
  std::shared_ptr<const NodeSnapshot> Nodes() const override { return nodes_; }
  std::shared_ptr<const kube::Namespace> FindNamespace(absl::string_view name) const override {
    auto it = namespaces_.find(name);
    return it == namespaces_.end() ? nullptr : it->second;
  }
  bool HasSynced() const override { return true; }

 private:
  std::shared_ptr<const NodeSnapshot> nodes_;
  absl::flat_hash_map<std::string, std::shared_ptr<const kube::Namespace>> namespaces_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_CLUSTER_VIEW_H_
