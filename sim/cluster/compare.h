// One scenario, three ways (issue 24.4): the bridge as configured, ECI alone
// (burst without hand-back or repatriation), and the node autoscaler alone
// (no bursting: pods that asked to burst wait for nodes like any other), and
// a table that sets them side by side.
//
// The variants are made from the scenario's own files, written anew into the
// run's work directory; the scenario's files are never changed. Pure but for
// those files; thread-compatible.
#ifndef SPILLWAY_SIM_CLUSTER_COMPARE_H_
#define SPILLWAY_SIM_CLUSTER_COMPARE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sim/cluster/scenario.h"
#include "sim/cluster/simulation.h"

namespace spillway::sim {

enum class Variant {
  kBridge,             // As configured.
  kEciAlone,           // autoscaler.repatriation off (with its capacity requests).
  kNodeAutoscalerAlone,  // That, and no burst request on any pod template.
};

absl::string_view VariantName(Variant variant);  // "bridge", "eci-alone", "node-autoscaler-alone"

// The scenario as `variant` plays it. kEciAlone writes the scenario's
// spillwayConfig with `autoscaler.repatriation.enabled: false` into
// `work_dir`; kNodeAutoscalerAlone also writes each manifest without the
// `alibabacloud.com/burst-resource` annotation (on pods and pod templates),
// and reports the workloads that asked to burst as having asked for nothing,
// so the placement checks hold them off ECI. Errors: unreadable or invalid
// files, naming them.
absl::StatusOr<Scenario> ScenarioFor(const Scenario& scenario, Variant variant, const std::string& work_dir);

struct VariantResult {
  Variant variant;
  SimulationResult result;
};

// Side by side, one column per variant: pending p50/p99, ECI vCPU-seconds
// and cost, ECS node-hours and node-pool cost, their total, pods moved home,
// flaps, checks held.
std::string CompareTable(const std::vector<VariantResult>& results);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_COMPARE_H_
