// The simulated cluster end to end: the real `spillway serve` in a cluster of
// stand-ins, the scenarios of testdata/scenarios, and the HTML report in
// headless Chromium.
#include "sim/cluster/simulation.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/cluster/report.h"
#include "sim/cluster/stand_ins.h"

namespace spillway::sim {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string TempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  return absl::StrCat(root == nullptr ? "/tmp" : root, "/", name);
}

// `speed` 0: the scenario's.
SimulationResult RunScenario(const std::string& scenario_file, double speed = 0) {
  absl::StatusOr<Scenario> scenario = LoadScenario(testing::RunfilePath("testdata/scenarios/" + scenario_file));
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  if (!scenario.ok()) return SimulationResult();
  SimulationOptions options;
  options.spillway_binary = testing::RunfilePath("spillway");
  options.work_dir = TempDir(scenario_file);
  options.speed = speed > 0 ? speed : scenario->speed;
  absl::StatusOr<SimulationResult> result = RunSimulation(*scenario, options);
  EXPECT_TRUE(result.ok()) << result.status();
  if (!result.ok()) return SimulationResult();
  EXPECT_EQ(result->stand_in_errors, 0) << result->last_error;
  // Every scenario holds every invariant (invariants.h), as `spillway sim
  // --check` demands.
  EXPECT_TRUE(AllHeld(result->checks)) << scenario_file << "\n" << InvariantTable(result->checks);
  return *std::move(result);
}

bool AnyDecision(const SimulationResult& result, const std::string& text) {
  for (const Decision& decision : result.decisions) {
    if (decision.text.find(text) != std::string::npos) return true;
  }
  return false;
}

// The README's main job: a burst Deployment and the ElasticWorkload sample
// ride a traffic peak under HPAs; overflow goes to ECI; zone j runs out of
// stock and pods go to zone k; the peak passes and ECI replicas go first.
TEST(SimulationTest, DefaultScenarioTellsTheWholeStory) {
  absl::StatusOr<Scenario> scenario = LoadScenario(testing::RunfilePath("testdata/scenarios/burst-peak.yaml"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  const SimulationResult result = RunScenario("burst-peak.yaml");
  ASSERT_FALSE(result.samples.empty());
  // The split: at the peak both workloads run on ECS and on ECI, the
  // ElasticWorkload's source at its max (4) and the rest on its unit.
  bool web_split = false, ew_split = false;
  int web_desired_peak = 0;
  for (const Sample& sample : result.samples) {
    const WorkloadCounts& web = sample.workloads.at("web");
    const WorkloadCounts& ew = sample.workloads.at("elasticworkload-sample");
    web_split = web_split || (web.ecs >= 8 && web.eci > 0);
    ew_split = ew_split || (ew.ecs == 4 && ew.eci > 0);
    EXPECT_LE(ew.ecs, 4) << "at " << sample.seconds << " s the source exceeded its max";
    if (sample.hpas.count("default/web")) web_desired_peak = std::max(web_desired_peak, sample.hpas.at("default/web").desired);
  }
  EXPECT_TRUE(web_split);
  EXPECT_TRUE(ew_split);
  EXPECT_EQ(web_desired_peak, 20);
  const Summary& summary = result.summary;
  EXPECT_EQ(summary.unasked_on_eci, 0);
  EXPECT_GT(summary.peak_eci_pods, 0);
  // ECI first on the way down.
  EXPECT_GT(summary.scale_in_eci_victims, 0);
  EXPECT_EQ(summary.scale_in_ecs_victims_while_eci, 0);
  // The stock-out in zone j: the virtual kubelet's NoStock, Spillway's
  // reaction, and the pods on zone k's virtual node instead.
  EXPECT_GE(summary.no_stock_events, 1);
  EXPECT_TRUE(AnyDecision(result, "NoStock pod/"));
  EXPECT_TRUE(AnyDecision(result, "is out of stock"));
  EXPECT_GT(summary.started_by_virtual_node.count("virtual-kubelet-cn-hangzhou-k")
                ? summary.started_by_virtual_node.at("virtual-kubelet-cn-hangzhou-k")
                : 0,
            summary.started_by_virtual_node.count("virtual-kubelet-cn-hangzhou-j")
                ? summary.started_by_virtual_node.at("virtual-kubelet-cn-hangzhou-j")
                : 0);
  // Everything ran, and the cluster is back to its quiet shape.
  EXPECT_EQ(summary.never_ran, 0);
  const Sample& last = result.samples.back();
  EXPECT_EQ(last.pending, 0);
  EXPECT_EQ(last.workloads.at("web").eci, 0);
  EXPECT_EQ(last.workloads.at("web").ecs, 2);
  EXPECT_EQ(last.workloads.at("elasticworkload-sample").eci, 0);
  EXPECT_EQ(last.workloads.at("elasticworkload-sample").ecs, 2);
  EXPECT_EQ(last.workloads.at("steady").ecs, 3);
  EXPECT_GT(result.scheduler.extender_calls, 0);

  // Where the passes' time went: every stand-in by name, in the order they
  // run, together no more than the run's real time.
  std::vector<std::string> names;
  absl::Duration passes;
  for (const auto& [name, time] : result.stand_in_time) {
    names.push_back(name);
    EXPECT_GE(time, absl::ZeroDuration()) << name;
    passes += time;
  }
  std::vector<std::string> want;
  for (const StandInDescriptor& descriptor : StandInList()) want.emplace_back(descriptor.name);
  EXPECT_EQ(names, want);
  EXPECT_GT(passes, absl::ZeroDuration());
  EXPECT_LE(passes + result.settle_time, result.real);
  EXPECT_GT(result.settle_time, absl::ZeroDuration());

  // The report opens in a browser with no network and draws its charts.
  const std::string report = TempDir("report.html");
  std::ofstream(report) << HtmlReport(*scenario, result.samples, result.decisions, summary, result.checks);
  const std::string chromium = "/usr/bin/chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr "
                               "--v=0 --window-size=1000,2000 ";
  testing::CommandResult dom = testing::RunCommand(chromium + "--dump-dom file://" + report + " 2>&1");
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  std::vector<std::string> charts = absl::StrSplit(dom.output, "<svg class=\"chart\"");
  EXPECT_EQ(charts.size(), 6u) << "five charts: replicas, pending, ECI by zone, HPAs, cost";
  EXPECT_THAT(dom.output, HasSubstr("data-series=\"web on ECI\""));
  // Every series has its legend entry, and the checks come first.
  for (const char* key : {"web on ECS", "web on ECI", "steady pending", "ECI in cn-hangzhou-k",
                          "default/web desired", "ECI, pay-as-you-go"}) {
    EXPECT_THAT(dom.output, HasSubstr(absl::StrCat("data-key=\"", key, "\""))) << key;
  }
  EXPECT_THAT(dom.output, HasSubstr("out of stock: cn-hangzhou-j"));
  EXPECT_LT(dom.output.find("Checks: "), dom.output.find("<h2>Summary"));
  EXPECT_THAT(dom.output, Not(HasSubstr("CONSOLE")));
  EXPECT_THAT(dom.output, Not(HasSubstr("Uncaught")));
  const std::string png = TempDir("report.png");
  testing::CommandResult shot = testing::RunCommand(chromium + "--screenshot=" + png + " file://" + report + " 2>&1");
  ASSERT_EQ(shot.exit_code, 0) << shot.output;
  std::ifstream image(png, std::ios::binary);
  std::stringstream bytes;
  bytes << image.rdbuf();
  EXPECT_GT(bytes.str().size(), 50'000u) << "a blank page is a few kilobytes";
  EXPECT_EQ(bytes.str().substr(1, 3), "PNG");
}

// The ACK documentation's example: `kubectl scale ew elasticworkload-sample
// --replicas=4` from 6 leaves 0 on the unit once the source's 4 are
// available (the scale subresource, as kubectl scale writes it).
TEST(SimulationTest, ElasticWorkloadScaledSixToFourEmptiesTheUnit) {
  const SimulationResult result = RunScenario("ew-scale.yaml");
  ASSERT_FALSE(result.samples.empty());
  bool six_split = false;
  for (const Sample& sample : result.samples) {
    const WorkloadCounts& ew = sample.workloads.at("elasticworkload-sample");
    if (sample.seconds < 15) six_split = six_split || (ew.ecs == 4 && ew.eci == 2);
  }
  EXPECT_TRUE(six_split) << "replicas 6: source 4 on ECS, unit 2 on ECI";
  const WorkloadCounts& last = result.samples.back().workloads.at("elasticworkload-sample");
  EXPECT_EQ(last.ecs, 4);
  EXPECT_EQ(last.eci, 0);
  EXPECT_EQ(result.summary.scale_in_eci_victims, 2);
  EXPECT_EQ(result.summary.scale_in_ecs_victims, 0);
  EXPECT_TRUE(AnyDecision(result, "UnitUpdate elasticworkload/elasticworkload-sample: ElasticWorkloadUnit "
                                  "virtual-kubelet has been updated"));
}

// Issue 24.1: the cluster-autoscaler stand-in in a whole run. Three of five
// ECS-only pods do not fit the one ECS node: it asks for node-pool nodes
// (they run after the provisioning delay, never on ECI), and once the
// Deployment is scaled in it drains a node it no longer needs.
TEST(SimulationTest, NodePoolGrowsForPendingPodsAndShrinksWhenUnderused) {
  const SimulationResult result = RunScenario("node-pool-growth.yaml", /*speed=*/2);
  ASSERT_FALSE(result.samples.empty());
  EXPECT_TRUE(AnyDecision(result, "TriggeredScaleUp pod/batch-")) << "pods that waited asked for nodes";
  EXPECT_TRUE(AnyDecision(result, "pod triggered scale-up: [{np-burst 0->2 (max: 3)}]"));
  EXPECT_TRUE(AnyDecision(result, "ScaleDown node/np-burst-")) << "an under-used node was drained";
  int most_running = 0;
  for (const Sample& sample : result.samples) {
    const WorkloadCounts& batch = sample.workloads.at("batch");
    EXPECT_EQ(batch.eci, 0) << "at " << sample.seconds << " s";
    most_running = std::max(most_running, batch.ecs);
  }
  EXPECT_EQ(most_running, 5) << "all five ran once the nodes came";
  EXPECT_EQ(result.samples.back().workloads.at("batch").ecs, 3);
  // One ECS node the whole run and the pool's nodes for part of it.
  EXPECT_GT(result.summary.ecs_node_hours, 110.0 / 3600);
  EXPECT_GT(result.summary.node_pool_cost, 0);
}

// Issue 24.3: a batch job leaves the one ECS node at 30 s; web's three burst
// pods on ECI move home one at a time through the eviction API, and each
// replacement runs on ECS. Without repatriation, "burst pods leave ECI when
// ECS has room" is violated (they stayed on ECI to the end); before the
// autoscaler stopped waiting for every earlier controller's caches, a
// cluster without the ElasticWorkload CRD never started repatriation at all.
TEST(SimulationTest, BurstPodsMoveHomeWhenEcsHasRoomAgain) {
  const SimulationResult result = RunScenario("bring-home.yaml");
  ASSERT_FALSE(result.samples.empty());
  EXPECT_EQ(result.summary.moves_home, 3);
  EXPECT_EQ(result.summary.moves_home_landed, 3);
  EXPECT_EQ(result.summary.flaps, 0);
  EXPECT_TRUE(AnyDecision(result, "RepatriatedToECS pod/web-"));
  const Sample& last = result.samples.back();
  EXPECT_EQ(last.workloads.at("web").ecs, 4);
  EXPECT_EQ(last.workloads.at("web").eci, 0);
  for (const Sample& sample : result.samples) {
    if (sample.seconds >= 10 && sample.seconds < 40) {
      EXPECT_EQ(sample.workloads.at("web").eci + sample.workloads.at("web").ecs, 4) << "no move before the room held";
    }
  }
}

// Issues 24.2 and 24.3 together, the bridge: a 34-minute peak bursts to ECI
// at once; past the break-even Spillway's placeholders make the
// cluster-autoscaler stand-in add a node, and the ECI pods move home onto it.
// 40 simulated minutes at the scenario's speed 15.
TEST(SimulationTest, TheBridgeAsksForANodeAndBringsThePodsHome) {
  const SimulationResult result = RunScenario("bridge-long-peak.yaml");
  ASSERT_FALSE(result.samples.empty());
  EXPECT_TRUE(AnyDecision(result, "TriggeredScaleUp pod/spillway-capacity-")) << "placeholders asked for a node";
  EXPECT_TRUE(AnyDecision(result, "RepatriatedToECS pod/web-"));
  EXPECT_GE(result.summary.moves_home, 4);
  EXPECT_EQ(result.summary.flaps, 0);
  EXPECT_GT(result.summary.node_pool_cost, 0);
  int most_nodes = 0, eci_at_start = 0;
  for (const Sample& sample : result.samples) {
    most_nodes = std::max(most_nodes, sample.regular_nodes);
    if (sample.seconds >= 120 && sample.seconds < 300) eci_at_start = std::max(eci_at_start, sample.workloads.at("web").eci);
    // Four of the six fill a node of np-burst; for the last two a node costs
    // more than ECI (their ECI rate is below the node's price): they stay.
    if (sample.seconds > 1800 && sample.seconds < 2100) {
      EXPECT_LE(sample.workloads.at("web").eci, 2) << "at " << sample.seconds << " s: still on ECI after the bridge";
    }
  }
  EXPECT_EQ(eci_at_start, 6) << "the peak bursts to ECI at once (no wait for a node)";
  EXPECT_GE(most_nodes, 2) << "a node-pool node joined the one ECS node";
}

int CountDecisions(const SimulationResult& result, const std::string& prefix) {
  int n = 0;
  for (const Decision& decision : result.decisions) n += absl::StartsWith(decision.text, prefix) ? 1 : 0;
  return n;
}

// Issue 19.2: with every zone out of stock, each replacement went back to an
// out-of-stock node and was deleted again (a 6-replica StatefulSet went
// through 226-273 pods in 25 s). Now a pod waits while nothing could run it:
// at most one deletion per pod, and every pod runs once stock returns.
TEST(SimulationTest, ARegionWideStockOutDeletesNothingInALoop) {
  const SimulationResult result = RunScenario("region-stock-out.yaml");
  ASSERT_FALSE(result.samples.empty());
  EXPECT_GE(result.summary.no_stock_events, 6);
  EXPECT_LE(CountDecisions(result, "DeletedForStock "), 6);
  EXPECT_GE(CountDecisions(result, "WaitingForStock "), 1);
  EXPECT_LE(CountDecisions(result, "WaitingForStock "), 6) << "one Event per waiting pod";
  EXPECT_LE(result.summary.pods, 12);
  const WorkloadCounts& last = result.samples.back().workloads.at("db");
  EXPECT_EQ(last.eci, 6) << "every pod runs after stock returns";
  EXPECT_EQ(last.pending, 0);
}

// Issue 19.8: with `ignorable: false` a Spillway that was down stopped every
// pod from scheduling, its own replacement included. deploy/ ships `true`:
// while Spillway is stopped for 30 s, pods that need no burst decision
// schedule, a new Spillway replica schedules, nothing that asked for nothing
// reaches ECI, and the failed-open placements are counted.
TEST(SimulationTest, ASpillwayOutageDoesNotStopScheduling) {
  const SimulationResult result = RunScenario("spillway-outage.yaml");
  ASSERT_FALSE(result.samples.empty());
  EXPECT_EQ(result.spillway_outages, 1);
  std::set<std::string> without;
  for (const auto& [pod, node] : result.scheduler.bound_without_extender) without.insert(pod);
  int spillway_pods = 0, steady_pods = 0;
  for (const std::string& pod : without) {
    spillway_pods += absl::StartsWith(pod, "kube-system/spillway-") ? 1 : 0;
    steady_pods += absl::StartsWith(pod, "default/steady-") ? 1 : 0;
  }
  EXPECT_EQ(spillway_pods, 1) << "the third replica scheduled while the extender was down";
  EXPECT_EQ(steady_pods, 4) << "the scaled-up plain workload scheduled while the extender was down";
  for (const auto& [pod, node] : result.scheduler.bound_without_extender) {
    EXPECT_FALSE(absl::StartsWith(node, "virtual-kubelet")) << pod << " asked for nothing";
  }
  EXPECT_EQ(result.summary.unasked_on_eci, 0);
  const WorkloadCounts& last = result.samples.back().workloads.at("steady");
  EXPECT_EQ(last.ecs, 6);
  EXPECT_EQ(last.pending, 0);
}

// Issue 20.4: what a user does while the cluster runs (apply, patch, delete)
// and what the API server refuses; a refusal is a decision in the report and
// the run goes on. The shop's pod template is named, as Alibaba's examples
// name it: its pods are still named from their ReplicaSet.
TEST(SimulationTest, UserActionsAndRefusedManifestsAreDecisions) {
  const SimulationResult result = RunScenario("user-actions.yaml");
  ASSERT_FALSE(result.samples.empty());
  EXPECT_EQ(CountDecisions(result, "Refused manifest: "), 1);
  EXPECT_TRUE(AnyDecision(result, "ConfigMap Not_A_Name: ConfigMap \"Not_A_Name\" is invalid"));
  EXPECT_EQ(CountDecisions(result, "Action apply user-actions-canary.yaml"), 1);
  EXPECT_EQ(CountDecisions(result, "Action patch Deployment default/shop"), 1);
  EXPECT_EQ(CountDecisions(result, "Action delete user-actions-canary.yaml"), 1);
  EXPECT_EQ(CountDecisions(result, "ActionFailed apply user-actions-refused.yaml"), 1);
  const Sample& last = result.samples.back();
  EXPECT_EQ(last.workloads.at("shop").ecs, 4);
  EXPECT_EQ(last.workloads.at("canary").pods(), 0) << "deleted with its Deployment";
  EXPECT_EQ(result.summary.pods_created.at("shop"), 4) << "one pod per replica, never \"already exists\"";
}

// A spillwayConfig Spillway refuses: the run stops with Spillway's own words.
TEST(SimulationTest, ABadSpillwayConfigShowsSpillwaysError) {
  absl::StatusOr<Scenario> scenario = LoadScenario(testing::RunfilePath("testdata/scenarios/user-actions.yaml"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  const std::string config = TempDir("bad-config.yaml");
  std::ofstream(config) << "autoscaler:\n  rescue:\n    enabeld: true\n";
  scenario->spillway_config = config;
  SimulationOptions options;
  options.spillway_binary = testing::RunfilePath("spillway");
  options.work_dir = TempDir("bad-config");
  absl::StatusOr<SimulationResult> result = RunSimulation(*scenario, options);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("spillway serve did not start: spillway serve: " + config +
                        ": (autoscaler.rescue) enabeld: Cannot find field."));
}

}  // namespace
}  // namespace spillway::sim
