#include "sim/cluster/invariants.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace spillway::sim {
namespace {

std::string Seconds(double s) { return absl::StrFormat("%.0fs", s); }

// The longest run of samples where `bad` holds for a workload, starting no
// earlier than the last change of what it asks for; "" when none is longer
// than `bound`.
std::string LongestBreach(const std::vector<Sample>& samples, const std::string& workload, absl::Duration bound,
                          const std::function<bool(const WorkloadCounts&)>& bad,
                          const std::function<std::string(const WorkloadCounts&)>& describe) {
  const double limit = absl::ToDoubleSeconds(bound);
  double since = -1;  // When the current breach (or the last change during it) began.
  int last_desired = -2;
  for (const Sample& sample : samples) {
    auto it = sample.workloads.find(workload);
    if (it == sample.workloads.end()) continue;
    const WorkloadCounts& counts = it->second;
    if (counts.desired != last_desired) {
      last_desired = counts.desired;
      if (since >= 0) since = sample.seconds;  // A new goal: the bound starts again.
    }
    if (!bad(counts)) {
      since = -1;
      continue;
    }
    if (since < 0) since = sample.seconds;
    if (sample.seconds - since > limit) {
      return absl::StrCat(workload, ": ", describe(counts), " from ", Seconds(since), " to ", Seconds(sample.seconds),
                          " (bound ", absl::FormatDuration(bound), ")");
    }
  }
  return "";
}

InvariantCheck Converge(const Scenario& scenario, const std::vector<Sample>& samples) {
  InvariantCheck check{"controllers converge", true, ""};
  std::vector<std::string> broken, checked;
  for (const ReportedWorkload& workload : scenario.workloads) {
    std::string breach = LongestBreach(
        samples, workload.name, scenario.checks.converge_within,
        [](const WorkloadCounts& c) { return c.desired >= 0 && c.pods() != c.desired; },
        [](const WorkloadCounts& c) { return absl::StrCat(c.pods(), " pods of ", c.desired); });
    if (!breach.empty()) broken.push_back(breach);
    checked.push_back(workload.name);
  }
  check.held = broken.empty();
  check.detail = check.held ? absl::StrCat("pods matched what the controllers ask for within ",
                                           absl::FormatDuration(scenario.checks.converge_within), " (",
                                           absl::StrJoin(checked, ", "), ")")
                            : absl::StrJoin(broken, "; ");
  return check;
}

InvariantCheck BurstGivesBack(const Scenario& scenario, const std::vector<Sample>& samples) {
  InvariantCheck check{"burst pods leave ECI when ECS has room", true, ""};
  std::vector<std::string> broken;
  int burst = 0;
  for (const ReportedWorkload& workload : scenario.workloads) {
    if (workload.asked != "burst") continue;
    ++burst;
    std::string breach = LongestBreach(
        samples, workload.name, scenario.checks.eci_while_ecs_room_within,
        [](const WorkloadCounts& c) { return c.eci_while_ecs_room; },
        [](const WorkloadCounts& c) { return absl::StrCat(c.eci, " on ECI while an ECS node had room"); });
    if (!breach.empty()) broken.push_back(breach);
  }
  check.held = broken.empty();
  check.detail = check.held ? absl::StrCat(burst, " burst workload(s); none on ECI with ECS room for longer than ",
                                           absl::FormatDuration(scenario.checks.eci_while_ecs_room_within))
                            : absl::StrJoin(broken, "; ");
  return check;
}

InvariantCheck EveryPodRuns(const Scenario& scenario, const Summary& summary) {
  InvariantCheck check{"every pod runs", true, ""};
  const double limit = absl::ToDoubleSeconds(scenario.checks.run_within);
  std::vector<std::string> late;
  for (const auto& [pod, age] : summary.not_running_at_end) {
    if (age > limit && late.size() < 5) late.push_back(absl::StrCat(pod, " (", Seconds(age), ")"));
  }
  check.held = late.empty();
  check.detail = check.held ? absl::StrCat(summary.pods, " pods seen; none waiting longer than ",
                                           absl::FormatDuration(scenario.checks.run_within), " at the end")
                            : absl::StrCat("never ran: ", absl::StrJoin(late, ", "));
  return check;
}

InvariantCheck Churn(const Scenario& scenario, const Summary& summary) {
  InvariantCheck check{"pods created per workload", true, ""};
  std::vector<std::string> parts, broken;
  for (const ReportedWorkload& workload : scenario.workloads) {
    auto made = summary.pods_created.find(workload.name);
    const int created = made == summary.pods_created.end() ? 0 : made->second;
    auto limit = scenario.checks.max_pods_created.find(workload.name);
    if (limit != scenario.checks.max_pods_created.end() && created > limit->second) {
      broken.push_back(absl::StrCat(workload.name, " ", created, " > ", limit->second));
    }
    parts.push_back(absl::StrCat(workload.name, " ", created,
                                 limit == scenario.checks.max_pods_created.end()
                                     ? ""
                                     : absl::StrCat(" (at most ", limit->second, ")")));
  }
  check.held = broken.empty();
  check.detail = check.held ? absl::StrJoin(parts, ", ") : absl::StrCat("too many: ", absl::StrJoin(broken, ", "));
  return check;
}

InvariantCheck Reach(const ScenarioChecks::Reach& reach, const std::vector<Sample>& samples) {
  InvariantCheck check{absl::StrCat(reach.workload, " runs ", reach.pods, " pods by ", absl::FormatDuration(reach.by)),
                       false, ""};
  int most = 0;
  for (const Sample& sample : samples) {
    if (sample.seconds > absl::ToDoubleSeconds(reach.by)) break;
    auto it = sample.workloads.find(reach.workload);
    if (it == sample.workloads.end()) continue;
    const int running = it->second.ecs + it->second.eci;
    most = std::max(most, running);
    if (running >= reach.pods) {
      check.held = true;
      check.detail = absl::StrCat("at ", Seconds(sample.seconds));
      return check;
    }
  }
  check.detail = absl::StrCat("at most ", most, " running by then");
  return check;
}

InvariantCheck Count(const char* name, int count, const std::string& held, const std::string& broken,
                     const std::vector<std::string>& examples = {}) {
  return InvariantCheck{name, count == 0,
                        count == 0 ? held
                                   : absl::StrCat(count, " ", broken,
                                                  examples.empty() ? "" : absl::StrCat(": ", absl::StrJoin(examples, ", ")))};
}

}  // namespace

std::vector<InvariantCheck> CheckInvariants(const Scenario& scenario, const std::vector<Sample>& samples,
                                            const Summary& summary) {
  std::vector<InvariantCheck> checks;
  checks.push_back(Converge(scenario, samples));
  checks.push_back(Count("pods that asked for nothing stay off ECI", summary.unasked_on_eci,
                         "none bound to a virtual node", "bound to a virtual node", summary.examples));
  checks.push_back(Count("ECI-only pods stay off ECS", summary.eci_only_on_ecs, "none bound to a regular node",
                         "bound to a regular node", summary.examples));
  checks.push_back(BurstGivesBack(scenario, samples));
  checks.push_back(Count("moves home stick", summary.flaps,
                         absl::StrCat(summary.moves_home, " pod(s) moved home to ECS, ", summary.moves_home_landed,
                                      " replacement(s) bound to ECS, none sent back to ECI"),
                         "replacement(s) of pods moved home bound to a virtual node again (flaps)",
                         summary.flap_examples));
  if (scenario.checks.eci_pods_at_most >= 0) {
    const int over = std::max(0, summary.peak_eci_bound - scenario.checks.eci_pods_at_most);
    checks.push_back(InvariantCheck{
        "ECI quota never exceeded", over == 0,
        absl::StrCat("at most ", summary.peak_eci_bound, " pods on virtual nodes at once (quota ",
                     scenario.checks.eci_pods_at_most, ")")});
  }
  checks.push_back(Count("ECI victims before ECS victims", summary.scale_in_ecs_victims_while_eci,
                         absl::StrCat(summary.scale_in_eci_victims, " ECI and ", summary.scale_in_ecs_victims,
                                      " ECS pods removed, none while ECI pods of the workload kept running"),
                         "ECS pods removed while ECI pods of their workload kept running"));
  checks.push_back(EveryPodRuns(scenario, summary));
  checks.push_back(Churn(scenario, summary));
  for (const ScenarioChecks::Reach& reach : scenario.checks.reach) checks.push_back(Reach(reach, samples));
  return checks;
}

std::string InvariantTable(const std::vector<InvariantCheck>& checks) {
  int held = 0;
  for (const InvariantCheck& check : checks) held += check.held ? 1 : 0;
  std::string out = absl::StrCat("Checks: ", held, " held, ", checks.size() - held, " violated\n");
  for (const InvariantCheck& check : checks) {
    absl::StrAppendFormat(&out, "  %-9s %s: %s\n", check.held ? "held" : "VIOLATED", check.name, check.detail);
  }
  return out;
}

bool AllHeld(const std::vector<InvariantCheck>& checks) {
  return std::all_of(checks.begin(), checks.end(), [](const InvariantCheck& c) { return c.held; });
}

}  // namespace spillway::sim
