// What the simulation asks of each stand-in for a Kubernetes component
// (controllers, scheduler, kubelets, HPA; the list is stand_ins.h): one pass
// a tick, reading the watch caches and writing what the component would.
//
// Called from the simulation's tick loop only.
#ifndef SPILLWAY_SIM_CLUSTER_STAND_IN_H_
#define SPILLWAY_SIM_CLUSTER_STAND_IN_H_

#include "absl/status/status.h"

namespace spillway::sim {

class StandIn {
 public:
  virtual ~StandIn() = default;
  // One pass. An error is counted and logged; the next tick tries again.
  virtual absl::Status Sync() = 0;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_STAND_IN_H_
