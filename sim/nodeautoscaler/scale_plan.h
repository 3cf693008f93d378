// The decisions of the simulated cluster-autoscaler, as pure functions over
// what it reads (docs/simulated-cluster.md, "cluster-autoscaler"):
//
//  - scale-up: Pending pods the scheduler could not place (and whose priority
//    is at least the expendable cutoff, -10) that fit an empty node of a node
//    group's template; pods that fit the room left on registered nodes or on
//    nodes still being provisioned trigger nothing more; each candidate group is packed first-fit, within its max;
//    the expander picks one group (least-waste, or priority then least-waste);
//  - scale-down: a node of a group whose requests are under the utilisation
//    threshold (0.5) of its allocatable, for scale-down-unneeded-time, while
//    the group is above its min, and whose pods can all move (none with
//    cluster-autoscaler.kubernetes.io/safe-to-evict: "false", none without a
//    controller) to the room left on the other regular nodes. Empty nodes go
//    together; at most one node with pods per scan, as cluster-autoscaler does.
//    PodDisruptionBudgets are enforced by the eviction API when it evicts.
//
// Virtual nodes are never capacity here and never scaled. Thread-compatible.
#ifndef SPILLWAY_SIM_NODEAUTOSCALER_SCALE_PLAN_H_
#define SPILLWAY_SIM_NODEAUTOSCALER_SCALE_PLAN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace spillway::sim {

// A node pool: every node of it has the template's shape and labels.
struct NodeGroup {
  std::string name;  // Also its nodes' alibabacloud.com/nodepool-id label.
  std::string zone;
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 110;
  int min = 0;
  int max = 0;
  int priority = 0;             // For the priority expander: higher first.
  double price_per_hour = 0;    // Per node, for the report's cost.
};

enum class Expander { kLeastWaste, kPriority };

// A Pending pod's demand and what it asks of a node.
struct PendingPod {
  std::string key;  // namespace/name
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int32_t priority = 0;
  // nodeSelector and required node affinity flattened to label equalities;
  // a template must carry each.
  std::map<std::string, std::string> node_selector;
};

// A group as the autoscaler counts it.
struct GroupState {
  NodeGroup group;
  int ready = 0;         // Registered nodes.
  int provisioning = 0;  // Asked for, not registered yet (upcoming).
};

struct ScaleUp {
  std::string group;
  int from = 0;  // ready + provisioning before
  int to = 0;
  std::vector<std::string> pods;  // The pods it is for.
};

// The labels a group's nodes carry (what node selectors are matched against).
std::map<std::string, std::string> TemplateLabels(const NodeGroup& group);

// Pods below this priority never trigger a scale-up (cluster-autoscaler's
// --expendable-pods-priority-cutoff default).
inline constexpr int32_t kExpendablePodsPriorityCutoff = -10;

// The room left on a registered regular node, and its labels.
struct NodeRoom {
  std::map<std::string, std::string> labels;
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 0;
};

// The scale-up for `pending`, or nullopt when no group can help any pod.
// Pods that fit the room left on registered nodes (`room`: the scheduler
// will place them) or on nodes being provisioned trigger nothing, as
// cluster-autoscaler filters out pods its scheduling simulation places.
std::optional<ScaleUp> PlanScaleUp(const std::vector<PendingPod>& pending, const std::vector<GroupState>& groups,
                                   Expander expander, const std::vector<NodeRoom>& room = {});

// A pod on a node a scale-down would empty.
struct PodOnNode {
  std::string key;
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  // Why it cannot be moved ("" when it can): safe-to-evict "false", no controller.
  std::string blocked;
  bool daemon = false;  // A DaemonSet's pod: ignored, it goes with the node.
};

// A regular node as the autoscaler sees it.
struct NodeUse {
  std::string name;
  std::string group;  // "" for a node no group owns (never removed).
  int64_t cpu_milli = 0;  // Allocatable.
  int64_t memory_bytes = 0;
  int64_t pods = 110;
  std::vector<PodOnNode> on_it;
  bool deleting = false;  // Already marked ToBeDeletedByClusterAutoscaler.
};

// Requests over allocatable, the larger of CPU and memory (DaemonSet pods
// not counted, as cluster-autoscaler's default).
double Utilization(const NodeUse& node);

struct ScaleDownOptions {
  double utilization_threshold = 0.5;
  absl::Duration unneeded_time = absl::Minutes(10);
};

struct ScaleDown {
  std::vector<std::string> nodes;  // Empty ones together, or one with pods.
  // Why each unneeded node (past its time) stays: "node: reason".
  std::vector<std::string> kept;
};

// The cluster-autoscaler stand-in's settings, as a scenario gives them (no
// node groups: none runs).
struct NodeAutoscaling {
  std::vector<NodeGroup> groups;
  Expander expander = Expander::kLeastWaste;
  absl::Duration scan_interval = absl::Seconds(10);
  absl::Duration provisioning_delay = absl::Seconds(90);
  ScaleDownOptions scale_down;
};

// Which nodes to remove now. `unneeded_since` holds, for each node under the
// threshold, when it went under (the caller keeps it with
// UpdateUnneeded); `group_sizes` each group's registered nodes.
ScaleDown PlanScaleDown(const std::vector<NodeUse>& nodes, const std::map<std::string, absl::Time>& unneeded_since,
                        const std::map<std::string, int>& group_sizes, const std::map<std::string, int>& group_mins,
                        absl::Time now, const ScaleDownOptions& options);

// `unneeded_since` after a scan at `now`: nodes under the threshold keep
// their time (or start at `now`), the others are forgotten.
std::map<std::string, absl::Time> UpdateUnneeded(const std::vector<NodeUse>& nodes,
                                                 const std::map<std::string, absl::Time>& unneeded_since,
                                                 absl::Time now, double threshold);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_NODEAUTOSCALER_SCALE_PLAN_H_
