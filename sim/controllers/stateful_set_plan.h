// What the StatefulSet controller decides, as a pure function: which
// ordinals to create and which to delete to reach `spec.replicas`, as
// kube-controller-manager does (pkg/controller/statefulset,
// stateful_set_control.go; docs/simulated-cluster.md). Pods are named
// <set>-<ordinal>. With podManagementPolicy OrderedReady, one step at a time:
// the lowest missing ordinal is created only once every lower one is
// Running and Ready; the highest ordinal beyond replicas is deleted only
// once every other is Running and Ready; nothing moves while a pod is
// terminating. Parallel creates and deletes them all at once. No I/O;
// thread-compatible.
#ifndef SPILLWAY_SIM_CONTROLLERS_STATEFUL_SET_PLAN_H_
#define SPILLWAY_SIM_CONTROLLERS_STATEFUL_SET_PLAN_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace spillway::sim {

struct OrdinalPod {
  bool running_and_ready = false;
  bool terminating = false;
};

struct StatefulSetDiff {
  std::vector<int> create;  // Ordinals, in order.
  std::vector<int> remove;  // Ordinals, highest first.
};

// The ordinal of `pod_name` in the set `set_name`, or nullopt when the name
// is not <set_name>-<non-negative integer>.
std::optional<int> OrdinalOf(const std::string& set_name, const std::string& pod_name);

StatefulSetDiff PlanStatefulSet(int replicas, bool parallel, const std::map<int, OrdinalPod>& pods);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CONTROLLERS_STATEFUL_SET_PLAN_H_
