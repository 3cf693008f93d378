#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/commands.h"
#include "app/flags.h"
#include "app/serve_app.h"
#include "common/version.h"
#include "sim/cluster/compare.h"
#include "sim/cluster/report.h"
#include "sim/cluster/scenario.h"
#include "sim/cluster/simulation.h"

namespace spillway::app {
namespace {

volatile std::sig_atomic_t g_stop = 0;

void RequestStop(int) { g_stop = 1; }

// This binary, to run `spillway serve` as the cluster's Spillway.
std::string SelfPath() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "spillway";
}

}  // namespace

namespace {

// "scheduler 41.2s, kubelets 12.0s, ..., settling 3.1s": where the passes'
// real time went.
std::string PassTimes(const sim::SimulationResult& result) {
  std::string out;
  auto add = [&out](absl::string_view name, absl::Duration time) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", name, " ",
                    absl::FormatDuration(absl::Trunc(time, absl::Milliseconds(100))));
  };
  for (const auto& [name, time] : result.stand_in_time) add(name, time);
  add("settling", result.settle_time);
  return out;
}

}  // namespace

// The summary, the checks and how the run went, for the terminal.
void PrintRun(const sim::Scenario& scenario, const sim::SimulationResult& result, double speed) {
  std::cout << "\n" << sim::SummaryTable(scenario, result.summary) << sim::InvariantTable(result.checks);
  std::cout << "  scheduler: " << result.scheduler.bound << " pods bound, " << result.scheduler.extender_calls
            << " extender calls, " << result.stand_in_errors << " failed stand-in passes\n"
            << "  stand-ins: " << result.passes << " passes, mean " << absl::FormatDuration(result.mean_pass)
            << ", slowest " << absl::FormatDuration(result.slowest_pass) << " (tick "
            << absl::FormatDuration(scenario.tick) << ")\n"
            << "  passes' time: " << PassTimes(result) << "\n"
            << "  time: " << absl::FormatDuration(result.simulated) << " simulated in "
            << absl::FormatDuration(absl::Trunc(result.real, absl::Milliseconds(100))) << " at speed " << speed
            << absl::StrFormat(" (dilation %.2fx)\n", result.Dilation(speed));
  const sim::BarrierStats& waits = result.spillway_waits;
  std::cout << "  spillway settled in " << waits.waits - waits.timeouts << " of " << waits.waits
            << " waits (after the manifests, each user action and each pass), waiting " << absl::FormatDuration(absl::Trunc(waits.total, absl::Milliseconds(100)))
            << " in all, longest " << absl::FormatDuration(absl::Trunc(waits.longest, absl::Milliseconds(1)));
  if (waits.timeouts > 0) std::cout << "; last still unsettled: " << waits.last_timeout;
  std::cout << "\n";
  if (result.spillway_outages > 0) {
    // ignorable: true — what kube-scheduler placed without the burst policy.
    int on_virtual = 0;
    for (const auto& [pod, node] : result.scheduler.bound_without_extender) {
      for (const sim::SimNode& n : scenario.nodes) on_virtual += n.is_virtual && n.name == node ? 1 : 0;
    }
    std::cout << "  spillway down " << result.spillway_outages << " time(s): "
              << result.scheduler.bound_without_extender.size()
              << " pods scheduled without the extender (failed open), " << on_virtual
              << " of them on a virtual node\n";
  }
}

// `report` with `-<variant>` before its extension.
std::string VariantReport(const std::string& report, absl::string_view variant) {
  const size_t dot = report.rfind('.');
  if (dot == std::string::npos || report.find('/', dot) != std::string::npos) return absl::StrCat(report, "-", variant);
  return absl::StrCat(report.substr(0, dot), "-", variant, report.substr(dot));
}

// --compare: the scenario three ways (sim/cluster/compare.h), one after the
// other, each in its own work directory, then side by side.
int RunCompare(const sim::Scenario& scenario, sim::SimulationOptions options, const std::string& report, bool check) {
  std::vector<sim::VariantResult> results;
  const std::string work_dir = options.work_dir;
  for (sim::Variant variant : {sim::Variant::kNodeAutoscalerAlone, sim::Variant::kEciAlone, sim::Variant::kBridge}) {
    const std::string name(sim::VariantName(variant));
    options.work_dir = absl::StrCat(work_dir, "/", name);
    std::filesystem::create_directories(options.work_dir);
    absl::StatusOr<sim::Scenario> played = sim::ScenarioFor(scenario, variant, options.work_dir);
    if (!played.ok()) {
      std::cerr << "spillway sim: " << played.status().message() << "\n";
      return 2;
    }
    std::cout << "spillway sim --compare: " << name << " (work dir " << options.work_dir << ")" << std::endl;
    absl::StatusOr<sim::SimulationResult> result = sim::RunSimulation(*played, options);
    if (!result.ok()) {
      std::cerr << "spillway sim: " << name << ": " << result.status().message() << " (logs in " << options.work_dir
                << ")\n";
      return 1;
    }
    PrintRun(*played, *result, options.speed);
    if (!report.empty()) {
      const std::string path = VariantReport(report, name);
      std::ofstream(path) << sim::HtmlReport(*played, result->samples, result->decisions, result->summary,
                                             result->checks,
                                             {kVersion, absl::Now(), options.speed, result->Dilation(options.speed),
                                              result->simulated});
      std::cout << "report: " << path << "\n";
    }
    results.push_back({variant, *std::move(result)});
  }
  std::cout << "\nScenario \"" << scenario.name << "\" three ways\n" << sim::CompareTable(results);
  bool held = true;
  for (const sim::VariantResult& r : results) held = held && sim::AllHeld(r.result.checks);
  if (check && !held) {
    std::cerr << "spillway sim: invariants violated (see Checks above)\n";
    return 1;
  }
  return 0;
}

int RunSim(const std::vector<std::string>& args) {
  std::string scenario_path = "testdata/scenarios/burst-peak.yaml";
  std::string report = "spillway-sim-report.html";
  std::string work_dir;
  int nodes = 0;
  double speed = 0;
  std::string view = "auto";
  bool check = false;
  bool compare = false;
  FlagSet flags("spillway sim [flags]",
                "Runs a simulated cluster on this machine: the embedded API server with\n"
                "stand-ins for kube-scheduler (calling extenders over HTTP), the Deployment\n"
                "and ReplicaSet controllers, the HPA, kubelets and virtual kubelets (with\n"
                "stock-outs), and the real `spillway serve` against it. Prints progress, a\n"
                "summary, and writes an HTML report (docs/simulated-cluster.md).");
  flags.String("scenario", &scenario_path, "Scenario file (testdata/scenarios/*.yaml)");
  flags.Int("nodes", &nodes, 0, 100000, "ECS nodes, replacing the scenario's count (0: as the scenario says)");
  flags.Double("speed", &speed, 0, 20,
               "Simulated seconds per real second (0: the scenario's `speed`, 1 when it names none)");
  flags.String("report", &report, "Where to write the HTML report (empty: none)");
  flags.String("work-dir", &work_dir, "Kubeconfig, certificates, spillway-serve.log (default: a new temp dir)");
  flags.String("view", &view, "Progress view: auto (live on a terminal), live or lines");
  flags.Bool("check", &check, "Exit 1 when an invariant is violated (the checks printed at the end)");
  flags.Bool("compare", &compare,
             "Play the scenario three ways, one after the other: the node autoscaler alone (no bursting), ECI "
             "alone (no repatriation or capacity requests), and as configured (the bridge); print them side by "
             "side and write a report per way (--report with -<way> before its extension)");
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::cerr << "spillway sim: " << s.message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (view != "auto" && view != "live" && view != "lines") {
    std::cerr << "spillway sim: --view: '" << view << "' is not auto, live or lines\n";
    return 2;
  }
  absl::StatusOr<sim::Scenario> scenario = sim::LoadScenario(scenario_path, nodes);
  if (!scenario.ok()) {
    std::cerr << "spillway sim: " << scenario.status().message() << "\n";
    return 2;
  }
  if (speed < 0.1) speed = scenario->speed;
  if (work_dir.empty()) {
    char templ[] = "/tmp/spillway-sim-XXXXXX";
    work_dir = mkdtemp(templ) != nullptr ? templ : "/tmp/spillway-sim";
  }
  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  sim::SimulationOptions options;
  options.spillway_binary = SelfPath();
  options.work_dir = work_dir;
  options.speed = speed;
  options.live = view == "live" || (view == "auto" && isatty(STDOUT_FILENO));
  options.on_progress = [](const std::string& text) { std::cout << text << std::flush; };
  options.stop_requested = [] { return g_stop != 0; };
  if (compare) return RunCompare(*scenario, options, report, check);
  std::cout << "spillway sim: scenario \"" << scenario->name << "\", " << scenario->nodes.size() << " nodes, "
            << absl::ToDoubleSeconds(scenario->duration) << " s at speed " << speed << "; work dir " << work_dir
            << std::endl;
  absl::StatusOr<sim::SimulationResult> result = sim::RunSimulation(*scenario, options);
  if (!result.ok()) {
    std::cerr << "spillway sim: " << result.status().message() << " (logs in " << work_dir << ")\n";
    return 1;
  }
  PrintRun(*scenario, *result, speed);
  if (!report.empty()) {
    std::ofstream(report) << sim::HtmlReport(*scenario, result->samples, result->decisions, result->summary,
                                             result->checks,
                                             {kVersion, absl::Now(), speed, result->Dilation(speed), result->simulated});
    std::cout << "report: " << report << "\n";
  }
  if (check && !sim::AllHeld(result->checks)) {
    std::cerr << "spillway sim: invariants violated (see Checks above)\n";
    return 1;
  }
  return 0;
}

}  // namespace spillway::app
