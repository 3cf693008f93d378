// kube-scheduler's own decisions before it calls extenders, as pure
// functions: the default filter plugins a burst cluster exercises
// (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
// NodeResourcesFit, in kube-scheduler's order, the first failing plugin
// giving a node's reasons), the FitError message users read in `kubectl
// describe pod`, and how many feasible nodes it looks for before scoring
// (percentageOfNodesToScore). docs/simulated-cluster.md says what is left
// out. No I/O; thread-compatible.
#ifndef SPILLWAY_SIM_SCHEDULER_FILTER_H_
#define SPILLWAY_SIM_SCHEDULER_FILTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kube/objects.h"

namespace spillway::sim {

// What the pods already bound to a node request.
struct NodeUsage {
  kube::Resources requested;
  int64_t pods = 0;
};

struct FilterVerdict {
  // Empty: the node fits. Otherwise the failing plugin's reasons, worded as
  // kube-scheduler words them ("Insufficient cpu", "node(s) had untolerated
  // taint {virtual-kubelet.io/provider: alibabacloud}").
  std::vector<std::string> reasons;
  // Whether preempting pods could make room (only resource shortfalls);
  // kube-scheduler's Unschedulable as against UnschedulableAndUnresolvable.
  bool resolvable = false;

  bool fits() const { return reasons.empty(); }
};

FilterVerdict FilterNode(const kube::Pod& pod, const kube::Node& node, const NodeUsage& usage);

// kube-scheduler's FitError text: "0/12 nodes are available: 3 Insufficient
// cpu, 9 node(s) had untolerated taint {...}." — each reason with the number
// of nodes that gave it, sorted as strings, then `post_filter` (the
// preemption summary) as its own sentence when not empty.
std::string FitErrorMessage(int all_nodes, const std::map<std::string, int>& reason_counts,
                            const std::string& post_filter);

// The preemption summary when no victims help, from the filter verdicts:
// "preemption: 0/12 nodes are available: 3 No preemption victims found for
// incoming pod, 9 Preemption is not helpful for scheduling."
std::string NoPreemptionMessage(int all_nodes, const std::vector<FilterVerdict>& verdicts);

// How many feasible nodes kube-scheduler finds before it stops filtering:
// all of them below 100 nodes, else `percentage` of them (0: the adaptive
// default, 50% minus 1% per 125 nodes, at least 5%), never fewer than 100.
int NumFeasibleNodesToFind(int all_nodes, int percentage);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_SCHEDULER_FILTER_H_
