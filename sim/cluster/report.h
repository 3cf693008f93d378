// What a scenario run leaves behind: the summary table printed at the end,
// and a self-contained HTML report (inline SVG charts, no script, no
// network) of replicas by capacity type, pending pods, ECI by zone, HPA
// desired against current, and cost over time. Pure functions; thread-safe.
#ifndef SPILLWAY_SIM_CLUSTER_REPORT_H_
#define SPILLWAY_SIM_CLUSTER_REPORT_H_

#include <string>

#include "absl/time/time.h"
#include <vector>

#include "sim/cluster/invariants.h"
#include "sim/cluster/recorder.h"
#include "sim/cluster/scenario.h"

namespace spillway::sim {

std::string SummaryTable(const Scenario& scenario, const Summary& summary);

// What the report says about its own run.
struct ReportContext {
  std::string version;  // Spillway's
  absl::Time generated = absl::UnixEpoch();
  double speed = 1;
  double dilation = 1;
  // Simulated time the run got through; shorter than the scenario's
  // duration when it was stopped early (Ctrl-C). Infinite: all of it.
  absl::Duration simulated = absl::InfiniteDuration();
};

// The run's parameters, then the checks (green or red), the summary, the
// charts (one colour per workload throughout; stock-outs and Spillway
// outages as bands, user actions as markers, the ECI quota as a line; a
// chart with nothing to draw is left out) and the decisions per workload
// with Warnings marked.
std::string HtmlReport(const Scenario& scenario, const std::vector<Sample>& samples,
                       const std::vector<Decision>& decisions, const Summary& summary,
                       const std::vector<InvariantCheck>& checks, const ReportContext& context = {});

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_REPORT_H_
