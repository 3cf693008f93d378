#include "sim/cluster/scenario.h"

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/cluster/recorder.h"
#include "sim/cluster/report.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Write(const std::string& name, const std::string& text) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(root == nullptr ? "/tmp" : root) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The scale scenario (run by hand: bench/README.md) reads as its header says.
TEST(ScenarioTest, TheScaleScenarioReads) {
  absl::StatusOr<Scenario> scenario = LoadScenario(testing::RunfilePath("testdata/scenarios/scale-50k.yaml"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  int ecs = 0, virtual_nodes = 0;
  for (const SimNode& node : scenario->nodes) (node.is_virtual ? virtual_nodes : ecs) += 1;
  EXPECT_EQ(ecs, 5000);
  EXPECT_EQ(virtual_nodes, 2);
  EXPECT_EQ(scenario->tick, absl::Milliseconds(200));
  EXPECT_EQ(scenario->workloads.size(), 5u);
}

TEST(ScenarioTest, TheDefaultScenarioReads) {
  absl::StatusOr<Scenario> scenario = LoadScenario(testing::RunfilePath("testdata/scenarios/burst-peak.yaml"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  EXPECT_EQ(scenario->name, "burst-peak");
  EXPECT_EQ(scenario->nodes.size(), 6u);
  EXPECT_EQ(scenario->nodes[0].name, "cn-hangzhou-j.192.168.0.1");
  EXPECT_EQ(scenario->nodes[0].cpu_milli, 4000);
  EXPECT_TRUE(scenario->nodes[4].is_virtual);
  EXPECT_EQ(scenario->stock_outs.size(), 1u);
  EXPECT_EQ(scenario->stock_outs[0].from, absl::Seconds(20));
  EXPECT_EQ(scenario->hpa_sync_period, absl::Seconds(5));
  EXPECT_EQ(scenario->workloads.size(), 3u);
  EXPECT_EQ(ScenarioPath(*scenario, scenario->scheduler_config),
            scenario->directory + "/../../deploy/kube-scheduler-config.yaml");
  // --nodes: that many ECS nodes over the groups' zones; virtual nodes kept.
  absl::StatusOr<Scenario> bigger = LoadScenario(testing::RunfilePath("testdata/scenarios/burst-peak.yaml"), 50);
  ASSERT_TRUE(bigger.ok());
  int ecs = 0, zone_k = 0;
  for (const SimNode& node : bigger->nodes) {
    ecs += node.is_virtual ? 0 : 1;
    zone_k += !node.is_virtual && node.zone == "cn-hangzhou-k" ? 1 : 0;
  }
  EXPECT_EQ(ecs, 50);
  EXPECT_EQ(zone_k, 25);
}

TEST(ScenarioTest, ErrorsNameTheField) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"duration: soon\nschedulerConfig: x\nnodes: [{name: a}]", "duration: \"soon\" is not a duration"},
      {"schedulerConfig: x\nnodes: [{name: a, cpu: lots}]", "nodes[0].cpu"},
      {"schedulerConfig: x\nnodes: [{zone: a}]", "nodes[0].name: required"},
      {"schedulerConfig: x\nnodes: []", "nodes: at least one node is required"},
      {"nodes: [{name: a}]", "schedulerConfig: required"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nload: {d/w: [{at: 10s, cores: 1}, {at: 5s, cores: 2}]}",
       "load.d/w[1].at: points must be in time order"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nactions: [{at: 1s, scale: {kind: Deployment}}]",
       "actions[0].scale: apiVersion, kind and name are required"},
      {"nodes: [", "end of sequence flow not found"},
      // A strict format: a typo is refused by name instead of running
      // without what it meant.
      {"schedulerConfig: x\nnodes: [{name: a}]\nstockOut: [{zone: j}]", "stockOut: unknown key (known: name, seed"},
      {"schedulerConfig: x\nnodes: [{name: a, cpus: 4}]", "nodes[0].cpus: unknown key"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nstockOuts: [{zone: j, form: 1s}]", "stockOuts[0].form: unknown key"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nworkloads: [{name: w, selector: app=w, asked: maybe}]",
       "workloads[0].asked: \"maybe\" is not nothing, ecs, burst, eci or elastic"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nworkloads: [{name: w, selector: app}]",
       "workloads[0].selector: must be k=v[,k=v]"},
      {"schedulerConfig: x\nnodes: [{name: a}]\ntick: 1ns", "tick: must be 10ms..1m"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nduration: 48h", "duration: must be more than 0 and at most 24h"},
      {"schedulerConfig: x\nnodes: [{name: a, cpu: \"-4\"}]", "nodes[0]: cpu, memory and pods must not be negative"},
      {"schedulerConfig: x\nnodes: [{name: a, pods: -1}]", "nodes[0]: cpu, memory and pods must not be negative"},
      {"schedulerConfig: x\nnodes: [{name: a, count: 60000}, {name: b, count: 60000}]",
       "nodes[1].count: the scenario's nodes would pass 100000"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nchecks: {convergWithin: 10s}", "checks.convergWithin: unknown key"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nchecks: {reach: [{workload: nope, pods: 3, by: 10s}]}",
       "checks.reach[0].workload: must name one of workloads"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nclusterAutoscaler: {nodeGroup: []}",
       "clusterAutoscaler.nodeGroup: unknown key (known: nodeGroups"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nclusterAutoscaler: {expander: random, nodeGroups: [{name: g, max: 1}]}",
       "clusterAutoscaler.expander: \"random\" is not least-waste or priority"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nclusterAutoscaler: {nodeGroups: [{name: g, min: 3, max: 2}]}",
       "clusterAutoscaler.nodeGroups[0]: needs 0 <= min <= max <= 1000"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nclusterAutoscaler: {nodeGroups: [{name: g, max: 2, cpus: 4}]}",
       "clusterAutoscaler.nodeGroups[0].cpus: unknown key"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nclusterAutoscaler: {nodeGroups: []}",
       "clusterAutoscaler.nodeGroups: at least one node group is required"},
      {"schedulerConfig: x\nnodes: [{name: a}]\nclusterAutoscaler: {scanInterval: 1ms, nodeGroups: [{name: g, max: 1}]}",
       "clusterAutoscaler.scanInterval: must be at least 1s"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Scenario> scenario = LoadScenario(Write("bad.yaml", c.text));
    ASSERT_FALSE(scenario.ok()) << c.text;
    EXPECT_THAT(scenario.status().message(), HasSubstr(c.error)) << c.text;
  }
}

// A YAML alias bomb (each level repeats the one before three times) must
// not take the machine: unknown keys are refused first, and the node total
// is bounded before anything is built.
TEST(ScenarioTest, AnAliasBombIsRefused) {
  std::string yaml = "schedulerConfig: x\n";
  yaml += "x0: &x0 [{name: n, count: 100000}, {name: n, count: 100000}]\n";
  for (int i = 1; i < 8; ++i) {
    absl::StrAppend(&yaml, "x", i, ": &x", i, " [*x", i - 1, ", *x", i - 1, ", *x", i - 1, "]\n");
  }
  yaml += "nodes: *x0\n";
  absl::StatusOr<Scenario> scenario = LoadScenario(Write("bomb.yaml", yaml));
  ASSERT_FALSE(scenario.ok());
  EXPECT_THAT(scenario.status().message(), HasSubstr("x0: unknown key"));
  // Within the known keys: the node total is bounded before anything is built.
  scenario = LoadScenario(Write("bomb2.yaml", "schedulerConfig: x\nnodes: &n [{name: a, count: 100000}, "
                                              "{name: b, count: 100000}]\n"));
  ASSERT_FALSE(scenario.ok());
  EXPECT_THAT(scenario.status().message(), HasSubstr("nodes[1].count: the scenario's nodes would pass 100000"));
}

TEST(ScenarioTest, ClusterAutoscalerReads) {
  absl::StatusOr<Scenario> scenario = LoadScenario(Write("ca.yaml", R"(schedulerConfig: x
nodes: [{name: a}]
clusterAutoscaler:
  expander: priority
  provisioningDelay: 2m
  scaleDownUnneededTime: 5m
  nodeGroups:
    - {name: np-a, zone: cn-hangzhou-j, cpu: "8", memory: 32Gi, min: 1, max: 4, priority: 10, pricePerHour: 0.9}
)"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  const NodeAutoscaling& ca = scenario->node_autoscaling;
  EXPECT_EQ(ca.expander, Expander::kPriority);
  EXPECT_EQ(ca.provisioning_delay, absl::Minutes(2));
  EXPECT_EQ(ca.scan_interval, absl::Seconds(10));
  EXPECT_EQ(ca.scale_down.unneeded_time, absl::Minutes(5));
  EXPECT_DOUBLE_EQ(ca.scale_down.utilization_threshold, 0.5);
  ASSERT_EQ(ca.groups.size(), 1u);
  EXPECT_EQ(ca.groups[0].name, "np-a");
  EXPECT_EQ(ca.groups[0].cpu_milli, 8000);
  EXPECT_EQ(ca.groups[0].memory_bytes, int64_t{32} << 30);
  EXPECT_EQ(ca.groups[0].min, 1);
  EXPECT_EQ(ca.groups[0].max, 4);
  EXPECT_EQ(ca.groups[0].priority, 10);
  EXPECT_DOUBLE_EQ(ca.groups[0].price_per_hour, 0.9);
}

TEST(ScenarioTest, ActionsRead) {
  absl::StatusOr<Scenario> scenario = LoadScenario(Write(
      "actions.yaml",
      "schedulerConfig: x\nnodes: [{name: a}]\nactions:\n"
      "- {at: 1s, scale: {apiVersion: apps/v1, kind: Deployment, name: web, replicas: 4}}\n"
      "- {at: 2s, apply: more.yaml}\n"
      "- {at: 3s, patch: {apiVersion: apps/v1, kind: Deployment, name: web, merge: {spec: {paused: true}}}}\n"
      "- {at: 4s, delete: more.yaml}\n"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  ASSERT_EQ(scenario->actions.size(), 4u);
  EXPECT_EQ(scenario->actions[0].kind, ScenarioAction::Kind::kScale);
  EXPECT_EQ(scenario->actions[0].replicas, 4);
  EXPECT_EQ(scenario->actions[1].kind, ScenarioAction::Kind::kApply);
  EXPECT_EQ(scenario->actions[1].manifest, "more.yaml");
  EXPECT_EQ(scenario->actions[2].kind, ScenarioAction::Kind::kPatch);
  EXPECT_EQ(scenario->actions[2].patch_json, "{\"spec\":{\"paused\":true}}");
  EXPECT_EQ(scenario->actions[3].kind, ScenarioAction::Kind::kDelete);
  const std::pair<const char*, const char*> bad[] = {
      {"- {at: 1s, apply: a.yaml, delete: a.yaml}", "actions[0]: exactly one of scale, apply, delete or patch"},
      {"- {at: 1s}", "actions[0]: exactly one of scale, apply, delete or patch"},
      {"- {at: 1s, patch: {apiVersion: v1, kind: Pod, name: p, merge: 3}}", "actions[0].patch.merge: a merge patch"},
      {"- {at: 2s, apply: a.yaml}\n- {at: 1s, apply: b.yaml}", "actions[1].at: actions must be in time order"},
      {"- {at: 1s, scale: {kind: Deployment, name: web, replicas: 1}}",
       "actions[0].scale: apiVersion, kind and name are required"},
  };
  for (const auto& [actions, error] : bad) {
    absl::StatusOr<Scenario> refused =
        LoadScenario(Write("bad-actions.yaml", std::string("schedulerConfig: x\nnodes: [{name: a}]\nactions:\n") + actions));
    ASSERT_FALSE(refused.ok()) << actions;
    EXPECT_THAT(refused.status().message(), HasSubstr(error)) << actions;
  }
}

TEST(ScenarioTest, ChecksRead) {
  absl::StatusOr<Scenario> scenario = LoadScenario(Write(
      "checks.yaml",
      "schedulerConfig: x\nnodes: [{name: a}]\nworkloads: [{name: web, selector: app=web, asked: burst}]\n"
      "checks: {convergeWithin: 20s, eciPodsAtMost: 10, reach: [{workload: web, pods: 20, by: 40s}], "
      "maxPodsCreated: {web: 60}}\n"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  EXPECT_EQ(scenario->checks.converge_within, absl::Seconds(20));
  EXPECT_EQ(scenario->checks.eci_while_ecs_room_within, absl::Seconds(60));
  EXPECT_EQ(scenario->checks.eci_pods_at_most, 10);
  ASSERT_EQ(scenario->checks.reach.size(), 1u);
  EXPECT_EQ(scenario->checks.reach[0].by, absl::Seconds(40));
  EXPECT_EQ(scenario->checks.max_pods_created.at("web"), 60);
}

// Was: "invalid node; first invalid key: \"reach\"" for any checks section
// without a reach list.
TEST(ScenarioTest, ChecksWithoutReachRead) {
  absl::StatusOr<Scenario> scenario = LoadScenario(
      Write("checks-no-reach.yaml",
            "schedulerConfig: x\nnodes: [{name: a}]\nworkloads: [{name: web, selector: app=web, asked: burst}]\n"
            "checks: {eciWhileEcsRoomWithin: 45s}\n"));
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  EXPECT_EQ(scenario->checks.eci_while_ecs_room_within, absl::Seconds(45));
  EXPECT_TRUE(scenario->checks.reach.empty());
}

TEST(ScenarioTest, LoadCurvesInterpolate) {
  const std::vector<LoadPoint> curve = {{absl::Seconds(10), 1}, {absl::Seconds(20), 5}, {absl::Seconds(30), 5}};
  EXPECT_EQ(LoadAt(curve, absl::Seconds(0)), 1);
  EXPECT_EQ(LoadAt(curve, absl::Seconds(15)), 3);
  EXPECT_EQ(LoadAt(curve, absl::Seconds(25)), 5);
  EXPECT_EQ(LoadAt(curve, absl::Seconds(99)), 5);
  EXPECT_EQ(LoadAt({}, absl::Seconds(1)), 0);
}

TEST(RecorderTest, PercentilesByNearestRank) {
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({3, 1, 2}, 50), 2);
  EXPECT_EQ(Percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99), 10);
  EXPECT_EQ(Percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10), 1);
}

TEST(ReportTest, SummaryAndChartsSayWhatHappened) {
  Scenario scenario;
  scenario.name = "tiny";
  scenario.workloads = {{"web", "default", "app=web", "burst"}};
  std::vector<Sample> samples(3);
  for (int i = 0; i < 3; ++i) {
    samples[i].seconds = i;
    samples[i].workloads["web"] = {2, i, 0};
    samples[i].eci_cost = 0.001 * i;
  }
  Summary summary;
  summary.unasked_on_eci = 1;
  summary.peak_eci_pods = 2;
  const std::string table = SummaryTable(scenario, summary);
  EXPECT_THAT(table, HasSubstr("pods that asked for nothing and ran on ECI       1 (WRONG)"));
  EXPECT_THAT(table, HasSubstr("peak pods on ECI                                 2 (0.0 vCPU)"));
  const std::string html =
      HtmlReport(scenario, samples, {{1, "NoStock pod/web-1: <out of stock>", "web", true}}, summary, {});
  EXPECT_THAT(html, HasSubstr("data-series=\"web on ECI\""));
  EXPECT_THAT(html, HasSubstr("<tr class=\"warning\"><td>1s</td><td>NoStock pod/web-1: &lt;out of stock&gt;"));
  EXPECT_THAT(html, HasSubstr("<h3>web (1, of which 1 warnings)</h3>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("http")));  // Nothing fetched from anywhere.
}

// With a node autoscaler the regular nodes are drawn over time; an ECI chart
// with no ECI pod and no quota is not drawn at all.
TEST(ReportTest, NodesAreDrawnWhereANodeAutoscalerRuns) {
  Scenario scenario;
  scenario.name = "nodes";
  scenario.nodes = {{"virtual-kubelet-cn-hangzhou-j", "cn-hangzhou-j", true, 1000, 1000, 100}};
  NodeGroup group;
  group.name = "np-burst";
  scenario.node_autoscaling.groups = {group};
  std::vector<Sample> samples(3);
  for (int t = 0; t < 3; ++t) {
    samples[t].seconds = t;
    samples[t].regular_nodes = 1 + t;
  }
  const std::string html = HtmlReport(scenario, samples, {}, Summary(), {});
  EXPECT_THAT(html, HasSubstr("Regular (ECS) nodes"));
  EXPECT_THAT(html, HasSubstr("data-series=\"registered ECS nodes\""));
  EXPECT_THAT(html, Not(HasSubstr("by zone")));
  Summary summary;
  summary.ecs_node_hours = 2.5;
  summary.node_pool_cost = 0.21;
  const std::string table = SummaryTable(scenario, summary);
  EXPECT_THAT(table, ::testing::ContainsRegex("ECS node-hours \\(every regular node\\) +2\\.50\n"));
  EXPECT_THAT(table, HasSubstr("node-pool nodes' cost (pricePerHour)"));
  scenario.node_autoscaling.groups.clear();
  EXPECT_THAT(HtmlReport(scenario, samples, {}, Summary(), {}), Not(HasSubstr("Regular (ECS) nodes")));
  EXPECT_THAT(SummaryTable(scenario, summary), Not(HasSubstr("node-hours")));
}

// A run stopped early says how far it got, and a run without decisions says
// so under its heading rather than leaving it empty.
TEST(ReportTest, SaysWhereAnEarlyStopLeftOffAndWhenNothingWasDecided) {
  Scenario scenario;
  scenario.name = "short";
  scenario.duration = absl::Seconds(150);
  std::vector<Sample> samples(2);
  samples[1].seconds = 1;
  ReportContext stopped;
  stopped.simulated = absl::Milliseconds(60400);
  const std::string early = HtmlReport(scenario, samples, {}, Summary(), {}, stopped);
  EXPECT_THAT(early, HasSubstr("stopped at 1m of 2m30s"));
  EXPECT_THAT(early, HasSubstr("<h2>Decisions</h2><p>None: no pod went to a virtual node"));
  ReportContext whole;
  whole.simulated = absl::Seconds(150);
  const std::string full = HtmlReport(scenario, samples, {{1, "NoStock pod/web-1: out of stock", "", true}},
                                      Summary(), {}, whole);
  EXPECT_THAT(full, Not(HasSubstr("stopped at")));
  EXPECT_THAT(full, HasSubstr(" · 2m30s, tick "));
  EXPECT_THAT(full, Not(HasSubstr("<p>None:")));
  EXPECT_THAT(full, HasSubstr("NoStock pod/web-1"));
}

// Twenty-four series: one colour per workload (its ECS, ECI and pending
// lines), a legend entry for every series, round ticks, bands for
// stock-outs and outages, markers for actions, the quota as a line, and no
// chart with nothing to draw (no HPA, no prices, no virtual node here).
TEST(ReportTest, ManyWorkloadsStayApartAndEveryPartIsDrawn) {
  Scenario scenario;
  scenario.name = "many";
  scenario.seed = 42;
  for (int i = 0; i < 12; ++i) scenario.workloads.push_back({absl::StrCat("w", i), "default", "app=w", "burst"});
  scenario.stock_outs = {{"cn-hangzhou-j", absl::Seconds(10), absl::Seconds(20)}};
  scenario.spillway_outages = {{absl::Seconds(30), absl::Seconds(35)}};
  ScenarioAction scale;
  scale.at = absl::Seconds(15);
  scale.object_kind = "Deployment";
  scale.name = "w0";
  scale.replicas = 4;
  scenario.actions = {scale};
  scenario.checks.eci_pods_at_most = 7;
  std::vector<Sample> samples(41);
  for (int t = 0; t <= 40; ++t) {
    samples[t].seconds = t;
    for (int i = 0; i < 12; ++i) samples[t].workloads[absl::StrCat("w", i)] = {i, t % 3, 0};
  }
  const std::string html = HtmlReport(scenario, samples, {}, Summary(), {{"controllers converge", true, "fine"}},
                                      {"9.9.9", absl::FromUnixSeconds(1'796'300'000), 2, 1.25});
  std::set<std::string> colors;
  for (int i = 0; i < 12; ++i) {
    EXPECT_THAT(html, HasSubstr(absl::StrCat("data-key=\"w", i, " on ECS\"")));
    EXPECT_THAT(html, HasSubstr(absl::StrCat("data-key=\"w", i, " on ECI\"")));
    // The legend key's swatch: stroke="#rrggbb".
    const size_t at = html.find("stroke=\"#", html.find(absl::StrCat("data-key=\"w", i, " on ECS\"")));
    colors.insert(html.substr(at + 8, 7));
  }
  EXPECT_EQ(colors.size(), 12u) << "a colour per workload";
  EXPECT_THAT(html, HasSubstr("out of stock: cn-hangzhou-j"));
  EXPECT_THAT(html, HasSubstr("Spillway down"));
  EXPECT_THAT(html, HasSubstr("| 15s scale Deployment default/w0 to 4"));
  EXPECT_THAT(html, HasSubstr(">0s<"));
  EXPECT_THAT(html, HasSubstr(">40s<")) << "round time ticks";
  EXPECT_THAT(html, HasSubstr(">10<")) << "round pod ticks";
  EXPECT_THAT(html, Not(HasSubstr("HPA desired")));
  EXPECT_THAT(html, Not(HasSubstr("Cost over time")));
  EXPECT_THAT(html, Not(HasSubstr("by zone"))) << "no virtual node";
  EXPECT_THAT(html, HasSubstr("Spillway 9.9.9 · 2026-12-03"));
  EXPECT_THAT(html, HasSubstr("seed 42"));
  EXPECT_THAT(html, HasSubstr("speed 2, dilation 1.25×"));
  EXPECT_LT(html.find("Checks: 1 held, 0 violated"), html.find("<h2>Summary"));
  scenario.nodes = {SimNode{"virtual-kubelet-cn-hangzhou-j", "cn-hangzhou-j", true}};
  EXPECT_THAT(HtmlReport(scenario, samples, {}, Summary(), {}), HasSubstr("ECI quota: 7 pods"));
}

}  // namespace
}  // namespace spillway::sim
