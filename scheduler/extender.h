// The burst policy applied to kube-scheduler's candidate nodes: filter,
// prioritize and preempt (docs/eci-rules.md §1–3, §9).
//
//  * eci (burst-resource: eci): regular nodes first. While any regular node is a
//    candidate, virtual nodes fail (resolvable: preemption may free a regular
//    node); once none is, virtual nodes pass.
//  * eci_only: regular nodes fail as unresolvable.
//  * none / ecs: virtual nodes fail as unresolvable; a pod never reaches ECI
//    without asking.
//  * A pod ECI cannot run (hostPath, hostNetwork, privileged, DaemonSet) fails
//    every virtual node as unresolvable, with the reason naming the offender.
//  * Pods run on x86 (amd64) virtual nodes: a virtual node of another
//    architecture fails as unresolvable unless the pod chooses an
//    architecture itself (burst/architecture.h).
//  * A pod whose request is invalid (unknown burst-resource value, conflicting
//    requests) fails every node as unresolvable with that error, so
//    `kubectl describe pod` shows it.
//
// Thread-safe: const methods only, over immutable configuration; the cluster
// view is read through snapshots.
#ifndef SPILLWAY_SCHEDULER_EXTENDER_H_
#define SPILLWAY_SCHEDULER_EXTENDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "scheduler/extender_args.h"
#include "scheduler/cluster_view.h"
#include "scheduler/virtual_node_index.h"

namespace spillway::scheduler {

// What each candidate node is, in request order.
struct NodeClasses {
  // 1 for a virtual node (bytes, not vector<bool>: read once per node on
  // every request).
  std::vector<uint8_t> is_virtual;
  // How many candidates are regular nodes (false entries of is_virtual).
  size_t regular_count = 0;
  // The indices of the virtual candidates, ascending (the regular ones are
  // the rest: thousands, so never listed).
  std::vector<size_t> virtual_indices;
  // The virtual nodes whose architecture is not amd64: (request index,
  // architecture). Few or none in a cluster, so kept aside.
  std::vector<std::pair<size_t, std::string>> other_architecture;
};

// Prioritize scores, each within 0..10.
struct ScoreValues {
  int64_t regular_node = 10;
  int64_t virtual_node_burst = 1;
  int64_t virtual_node_eci_only = 10;
};

class Extender {
 public:
  // `resolver`, `rule` and `view` (nullable: standalone) must outlive the extender.
  Extender(const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
           const ClusterView* view, ScoreValues scores);

  // The pod's policy (its namespace's labels included when the view knows
  // the namespace), or the error that makes its request invalid.
  absl::StatusOr<burst::PodPolicy> Resolve(const kube::Pod& pod) const;

  // Whether each candidate node is virtual, and of which architecture: from
  // the Node objects in full mode, from the cluster view (or, without one,
  // the names: then every virtual node counts as amd64) in names mode.
  NodeClasses ClassifyNodes(const ExtenderArgs& args) const { return ClassifyNodes(args, NodeSnapshotNow().get()); }
  // The same against a given node snapshot (null: classify by name).
  NodeClasses ClassifyNodes(const ExtenderArgs& args, const NodeSnapshot* snapshot) const;
  // The same against the snapshot `index` was built from (with this
  // extender's rule): names mode then looks up only the virtual nodes.
  NodeClasses ClassifyNodes(const ExtenderArgs& args, const VirtualNodeIndex& index) const;

  const burst::VirtualNodeRule& rule() const { return rule_; }

  // The cluster view's node snapshot now; null without a view.
  std::shared_ptr<const NodeSnapshot> NodeSnapshotNow() const;

  FilterResult Filter(const ExtenderArgs& args, const absl::StatusOr<burst::PodPolicy>& policy,
                      const NodeClasses& classes) const;

  // One score per candidate, in request order.
  HostScores Prioritize(const ExtenderArgs& args, const absl::StatusOr<burst::PodPolicy>& policy,
                        const NodeClasses& classes) const;

  // Keeps the victims on nodes the pod may use under the policy: never evicts
  // pods from regular nodes for an eci_only pod, never targets virtual nodes
  // for a pod that may not (or cannot) run on ECI, nor a virtual node of an
  // architecture the pod did not choose. An invalid request keeps nothing.
  PreemptionResult Preempt(const PreemptionArgs& args,
                           const absl::StatusOr<burst::PodPolicy>& policy) const;

  bool has_view() const { return view_ != nullptr; }

 private:
  // ClassifyNodes' per-node part (`index`, when given, is `snapshot`'s).
  NodeClasses ClassifyEach(const ExtenderArgs& args, const NodeSnapshot* snapshot,
                           const VirtualNodeIndex* index) const;
  // ClassifyNodes for a compact names list (`index`: the snapshot's virtual
  // nodes; null: by name only), reading only the names that may be virtual.
  NodeClasses ClassifyCompact(const CompactNames& names, const VirtualNodeIndex* index) const;
  // Fills `classes` from its is_virtual.
  static void ListClasses(NodeClasses& classes);
  // The node's object from the snapshot, or nullptr.
  static const kube::Node* Find(absl::string_view name, const NodeSnapshot* snapshot);
  // Marks (in `node_reason`) each usable virtual node whose zone is cooling
  // down after a stock failure, while another usable virtual node is fresh.
  void ReasonsFromCooling(const ExtenderArgs& args, const std::vector<uint8_t>& usable_virtual, FilterResult& result,
                          std::vector<int>& node_reason) const;

  const burst::IntentResolver& resolver_;
  const burst::VirtualNodeRule& rule_;
  const ClusterView* view_;
  ScoreValues scores_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_EXTENDER_H_
