// Runs a scenario: the embedded API server, the stand-ins (Deployment and
// ReplicaSet controllers, kube-scheduler calling extenders over HTTP,
// kubelets, virtual kubelets with stock-outs, the HPA) and the real
// `spillway serve` (extender, autoscaler, webhook) as a child process that
// talks to the cluster only over HTTP, exactly as in production. Simulated
// time advances a tick at a time once every stand-in finished its pass and
// the watch caches caught up, at most `speed` times real time; Spillway keeps
// real time (docs/simulated-cluster.md). Blocking; one run at a time.
#ifndef SPILLWAY_SIM_CLUSTER_SIMULATION_H_
#define SPILLWAY_SIM_CLUSTER_SIMULATION_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/cluster/invariants.h"
#include "sim/cluster/recorder.h"
#include "sim/cluster/scenario.h"
#include "sim/cluster/spillway_barrier.h"
#include "sim/scheduler/scheduler.h"

namespace spillway::sim {

struct SimulationOptions {
  std::string spillway_binary;  // Run as `<binary> serve ...`.
  std::string work_dir;         // Kubeconfig, certificates, spillway-serve.log; created.
  double speed = 1.0;           // Simulated seconds per real second.
  // Called about once a simulated second with the progress view; `live`
  // asks for a terminal view redrawn in place rather than plain lines.
  std::function<void(const std::string& text)> on_progress;
  bool live = false;
  // Polled every tick; true ends the run early (the summary still comes).
  std::function<bool()> stop_requested = [] { return false; };
};

struct SimulationResult {
  Summary summary;
  std::vector<InvariantCheck> checks;  // Evaluated at the end (invariants.h).
  std::vector<Sample> samples;
  std::vector<Decision> decisions;
  SchedulerStats scheduler;
  int stand_in_errors = 0;  // Failed passes (retried on the next tick).
  // How long the stand-ins' passes took, against the scenario's tick: the
  // cluster keeps up in real time while a pass fits in a tick.
  int passes = 0;
  absl::Duration mean_pass;
  absl::Duration slowest_pass;
  // Where the passes' time went: each stand-in's passes in all (by name, in
  // the order they run), and the waits after each pass for Spillway and the
  // watch caches to take in its writes.
  std::vector<std::pair<std::string, absl::Duration>> stand_in_time;
  absl::Duration settle_time;
  std::string last_error;
  int spillway_outages = 0;  // Times `spillway serve` was stopped (scenario spillwayOutages).
  // The waits after each pass for Spillway to settle (spillway_barrier.h).
  BarrierStats spillway_waits;
  // Simulated time run, and the real time it took: real × speed / simulated
  // above 1 is time dilation (the machine could not keep up; the story
  // slowed rather than changed).
  absl::Duration simulated;
  absl::Duration real;
  double Dilation(double speed) const {
    return simulated > absl::ZeroDuration() ? absl::FDivDuration(real * speed, simulated) : 1.0;
  }
};

absl::StatusOr<SimulationResult> RunSimulation(const Scenario& scenario, const SimulationOptions& options);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_SIMULATION_H_
