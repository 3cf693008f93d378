// The simulated cluster's stand-ins as a list, as the scheduler framework's
// plugin registry: each has a name, the collections it reads through the
// watch cache, and a constructor. A new stand-in is its own files, deriving
// from StandIn, plus one entry in StandInList().
//
// Not thread-safe: built and ticked from the simulation's loop.
#ifndef SPILLWAY_SIM_CLUSTER_STAND_INS_H_
#define SPILLWAY_SIM_CLUSTER_STAND_INS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/scenario.h"
#include "sim/cluster/stand_in.h"
#include "sim/hpa/hpa_controller.h"
#include "sim/nodeautoscaler/cluster_autoscaler.h"
#include "sim/scheduler/scheduler.h"

namespace spillway::sim {

// What the run reads back from particular stand-ins (owned by StandIns).
struct StandInOutputs {
  const Scheduler* scheduler = nullptr;  // Its stats, for the result.
  const HpaController* hpa = nullptr;    // Its samples, for the recorder.
  const ClusterAutoscaler* cluster_autoscaler = nullptr;  // Its nodes' lifetimes.
};

// What a stand-in may use; everything outlives the stand-ins.
struct StandInContext {
  const Scenario& scenario;
  kube::RestClient& client;
  ClusterReader& reader;
  Clock& clock;
  // The run's start: the scenario's stock-out windows and load curves count from it.
  absl::Time start;
  // Where Spillway's extender listens (the scheduler calls it).
  uint16_t extender_port;
  StandInOutputs& outputs;
};

struct StandInDescriptor {
  absl::string_view name;
  // The collections it reads through the watch cache: the cache watches them
  // all before any stand-in is built.
  std::vector<kube::ResourcePath> reads;
  std::function<absl::StatusOr<std::unique_ptr<StandIn>>(const StandInContext& context)> construct;
};

// In tick order, kube's: controllers create pods, the scheduler binds them
// (or marks them Unschedulable), cluster-autoscaler adds or drains nodes for
// that, kubelets run the pods, the HPA resizes.
const std::vector<StandInDescriptor>& StandInList();

// Every collection some stand-in reads, once each, in first-read order.
std::vector<kube::ResourcePath> CollectionsStandInsRead();

// The stand-ins of one run, built from the list.
class StandIns {
 public:
  // Builds every stand-in of StandInList() in order; the first error stops it.
  static absl::StatusOr<std::unique_ptr<StandIns>> Create(const Scenario& scenario, kube::RestClient& client,
                                                          ClusterReader& reader, Clock& clock, absl::Time start,
                                                          uint16_t extender_port);

  // One pass of each, in order. Returns each failure, "<name>: <message>".
  std::vector<std::string> Tick();

  const StandInOutputs& outputs() const { return outputs_; }

  // Each stand-in's name and the real time its passes took, in order.
  std::vector<std::pair<std::string, absl::Duration>> PassTimes() const;

 private:
  StandIns() = default;

  StandInOutputs outputs_;
  std::vector<std::pair<absl::string_view, std::unique_ptr<StandIn>>> stand_ins_;
  std::vector<absl::Duration> pass_times_;  // Parallel to stand_ins_.
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_STAND_INS_H_
