// What the Deployment controller decides, as a pure function: the replicas
// of the current ReplicaSet (the one whose pod template matches the
// Deployment's) and of the older ones, for a RollingUpdate bounded by
// maxSurge / maxUnavailable or a Recreate, as kube-controller-manager does
// (pkg/controller/deployment: rolling.go, recreate.go; docs/simulated-cluster.md).
// No I/O; thread-compatible.
#ifndef SPILLWAY_SIM_CONTROLLERS_DEPLOYMENT_PLAN_H_
#define SPILLWAY_SIM_CONTROLLERS_DEPLOYMENT_PLAN_H_

#include <string>
#include <vector>

namespace spillway::sim {

struct ReplicaSetState {
  std::string name;
  int replicas = 0;   // spec.replicas
  int available = 0;  // status.availableReplicas
  int pods = 0;       // status.replicas: pods that still exist
};

struct DeploymentPlan {
  int current = 0;               // The new ReplicaSet's replicas.
  std::vector<int> old_replicas;  // Per old ReplicaSet, in the order given.
};

// A percentage ("25%") or count ("1") of `desired`: surge rounds up,
// unavailable rounds down, as intstr.GetScaledValueFromIntOrPercent.
int ScaledValue(const std::string& value, int desired, bool round_up);

// One step of a rolling update: the new set grows while the total stays
// within desired + maxSurge; old sets shrink while at least desired -
// maxUnavailable pods stay available (unavailable old pods go first). With
// no old pods left, or none ever, the new set simply gets `desired`.
// Both maxSurge and maxUnavailable 0 is invalid and treated as maxUnavailable 1.
DeploymentPlan PlanRollingUpdate(int desired, int max_surge, int max_unavailable, const ReplicaSetState& current,
                                 const std::vector<ReplicaSetState>& olds);

// Recreate: old sets to 0; the new set gets `desired` once no old pod is left.
DeploymentPlan PlanRecreate(int desired, const ReplicaSetState& current, const std::vector<ReplicaSetState>& olds);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CONTROLLERS_DEPLOYMENT_PLAN_H_
