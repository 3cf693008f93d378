// What the ReplicaSet controller decides, as a pure function: how many pods
// to create and which to delete to reach `spec.replicas`, with victims ranked
// as kube-controller-manager ranks them (pkg/controller/controller_utils.go,
// ActivePodsWithRanks; docs/simulated-cluster.md). No I/O; thread-compatible.
#ifndef SPILLWAY_SIM_CONTROLLERS_REPLICA_SET_PLAN_H_
#define SPILLWAY_SIM_CONTROLLERS_REPLICA_SET_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace spillway::sim {

// What the ranking reads of one pod the ReplicaSet owns.
struct OwnedPod {
  std::string name;
  std::string node;              // spec.nodeName; empty: not scheduled yet.
  std::string phase = "Pending";  // status.phase
  bool ready = false;            // condition Ready=True
  std::optional<absl::Time> ready_since;  // lastTransitionTime of Ready=True
  int64_t deletion_cost = 0;     // controller.kubernetes.io/pod-deletion-cost
  int restarts = 0;              // the most restarts of any container
  absl::Time created;            // metadata.creationTimestamp
  bool terminating = false;      // metadata.deletionTimestamp is set
};

struct ReplicaSetDiff {
  int create = 0;
  std::vector<std::string> remove;  // Pod names, first victim first.
};

// At most this many creations or deletions per sync, as the controller's
// burstReplicas.
inline constexpr int kBurstReplicas = 500;

// Active pods are those neither Succeeded, Failed nor terminating. Too few:
// create the difference; too many: delete the lowest-ranked (see Less in
// the .cc), at most kBurstReplicas either way. `now` dates readiness for
// the logarithmic comparison of ready times.
ReplicaSetDiff PlanReplicaSet(int desired, const std::vector<OwnedPod>& pods, absl::Time now);

// The pods of `pods` that count toward replicas.
std::vector<OwnedPod> ActivePods(const std::vector<OwnedPod>& pods);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CONTROLLERS_REPLICA_SET_PLAN_H_
