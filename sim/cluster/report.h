// What a scenario run leaves behind: the summary table printed at the end,
// and a self-contained HTML report (inline SVG charts, no script, no
// network) of replicas by capacity type, pending pods, HPA desired against
// current, and cost over time. Pure functions; thread-safe.
#ifndef SPILLWAY_SIM_CLUSTER_REPORT_H_
#define SPILLWAY_SIM_CLUSTER_REPORT_H_

#include <string>
#include <vector>

#include "sim/cluster/invariants.h"
#include "sim/cluster/recorder.h"
#include "sim/cluster/scenario.h"

namespace spillway::sim {

std::string SummaryTable(const Scenario& scenario, const Summary& summary);

// The invariants come first, green or red.
std::string HtmlReport(const Scenario& scenario, const std::vector<Sample>& samples,
                       const std::vector<Decision>& decisions, const Summary& summary,
                       const std::vector<InvariantCheck>& checks);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_REPORT_H_
