// What every scenario run must hold, evaluated by the simulator from the
// recorder's ledger (every pod watch event) and samples — so `spillway sim`
// never reports "good" when it is not:
//   controllers converge  no workload short of, or above, what its controllers
//                         ask for longer than checks.convergeWithin after the
//                         last change;
//   placement             no pod that asked for nothing (or for ECS) bound to a
//                         virtual node; no ECI-only pod bound to a regular node;
//   burst gives back      no burst pod running on ECI while an ECS node had
//                         room for it longer than checks.eciWhileEcsRoomWithin;
//   moves home stick      no replacement of a pod Spillway moved home
//                         (RepatriatedToECS) bound to a virtual node again;
//   ECI quota             pods bound to virtual nodes never above
//                         checks.eciPodsAtMost, at any instant (when set);
//   ECI victims first     no running ECS pod removed while its workload kept
//                         ECI pods running;
//   every pod runs        none still waiting at the end after checks.runWithin;
//   churn                 pods created per workload within
//                         checks.maxPodsCreated (when set);
//   reach                 each checks.reach: the workload runs that many pods
//                         by then.
// Pure functions; thread-safe.
#ifndef SPILLWAY_SIM_CLUSTER_INVARIANTS_H_
#define SPILLWAY_SIM_CLUSTER_INVARIANTS_H_

#include <string>
#include <vector>

#include "sim/cluster/recorder.h"
#include "sim/cluster/scenario.h"

namespace spillway::sim {

struct InvariantCheck {
  std::string name;
  bool held = true;
  std::string detail;  // What was checked, or what broke it and when.
};

std::vector<InvariantCheck> CheckInvariants(const Scenario& scenario, const std::vector<Sample>& samples,
                                            const Summary& summary);

// "checks: 8 held, 0 violated" and a line per check, for the terminal.
std::string InvariantTable(const std::vector<InvariantCheck>& checks);

bool AllHeld(const std::vector<InvariantCheck>& checks);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_INVARIANTS_H_
