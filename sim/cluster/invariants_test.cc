#include "sim/cluster/invariants.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;

Scenario TwoWorkloads() {
  Scenario scenario;
  scenario.workloads = {{"web", "default", "app=web", "burst"}, {"steady", "default", "app=steady", "nothing"}};
  return scenario;
}

// One sample a second; `web` given as (pods, desired, eci_while_ecs_room).
std::vector<Sample> Timeline(const std::vector<std::tuple<int, int, bool>>& web) {
  std::vector<Sample> samples;
  for (size_t i = 0; i < web.size(); ++i) {
    Sample sample;
    sample.seconds = static_cast<double>(i);
    WorkloadCounts counts;
    counts.ecs = std::get<0>(web[i]);
    counts.desired = std::get<1>(web[i]);
    counts.eci_while_ecs_room = std::get<2>(web[i]);
    sample.workloads["web"] = counts;
    sample.workloads["steady"] = WorkloadCounts{2, 0, 0, 2, false};
    samples.push_back(sample);
  }
  return samples;
}

InvariantCheck Named(const std::vector<InvariantCheck>& checks, const std::string& name) {
  for (const InvariantCheck& check : checks) {
    if (check.name == name) return check;
  }
  return InvariantCheck{"missing", false, "no such check"};
}

TEST(InvariantsTest, Converge) {
  struct Row {
    const char* name;
    std::vector<std::tuple<int, int, bool>> web;
    bool held;
  };
  auto repeat = [](std::tuple<int, int, bool> value, int n) { return std::vector<std::tuple<int, int, bool>>(n, value); };
  auto join = [](std::vector<std::tuple<int, int, bool>> a, const std::vector<std::tuple<int, int, bool>>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const Row rows[] = {
      {"at spec throughout", repeat({3, 3, false}, 60), true},
      {"short for 20 s after a scale-up", join(repeat({3, 20, false}, 20), repeat({20, 20, false}, 40)), true},
      // The freeze: 11 of 20 for the rest of the run.
      {"stuck short", join(repeat({3, 3, false}, 5), repeat({11, 20, false}, 55)), false},
      {"stuck above (15 pods, HPA asked for 2)", join(repeat({15, 15, false}, 5), repeat({15, 2, false}, 40)), false},
      // Each change of the goal starts the bound again.
      {"a moving goal", join(join(repeat({3, 10, false}, 25), repeat({8, 12, false}, 25)), repeat({12, 12, false}, 5)),
       true},
      {"no controller: nothing to converge to", repeat({3, -1, false}, 60), true},
  };
  for (const Row& row : rows) {
    const InvariantCheck check = Named(CheckInvariants(TwoWorkloads(), Timeline(row.web), Summary()),
                                        "controllers converge");
    EXPECT_EQ(check.held, row.held) << row.name << ": " << check.detail;
  }
  const InvariantCheck stuck =
      Named(CheckInvariants(TwoWorkloads(), Timeline(repeat({11, 20, false}, 40)), Summary()), "controllers converge");
  EXPECT_THAT(stuck.detail, HasSubstr("web: 11 pods of 20 from 0s to 31s"));
}

TEST(InvariantsTest, BurstGivesBackAfterItsBound) {
  std::vector<std::tuple<int, int, bool>> brief(30, {3, 3, true});
  EXPECT_TRUE(Named(CheckInvariants(TwoWorkloads(), Timeline(brief), Summary()),
                    "burst pods leave ECI when ECS has room").held);
  std::vector<std::tuple<int, int, bool>> stays(70, {3, 3, true});
  const InvariantCheck check =
      Named(CheckInvariants(TwoWorkloads(), Timeline(stays), Summary()), "burst pods leave ECI when ECS has room");
  EXPECT_FALSE(check.held);
  EXPECT_THAT(check.detail, HasSubstr("while an ECS node had room"));
}

TEST(InvariantsTest, LedgerCounts) {
  struct Row {
    const char* check;
    Summary summary;
    bool held;
  };
  Summary unasked;
  unasked.unasked_on_eci = 1;
  unasked.examples = {"default/steady-x (asked: nothing) on virtual-kubelet"};
  Summary eci_on_ecs;
  eci_on_ecs.eci_only_on_ecs = 2;
  Summary wrong_victim;
  wrong_victim.scale_in_ecs_victims_while_eci = 1;
  Summary waited;
  waited.not_running_at_end = {{"default/web-1", 61}};
  Summary recent;
  recent.not_running_at_end = {{"default/web-1", 59}};
  const Row rows[] = {
      {"pods that asked for nothing stay off ECI", Summary(), true},
      {"pods that asked for nothing stay off ECI", unasked, false},
      {"ECI-only pods stay off ECS", eci_on_ecs, false},
      {"ECI victims before ECS victims", wrong_victim, false},
      {"every pod runs", waited, false},
      {"every pod runs", recent, true},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(Named(CheckInvariants(TwoWorkloads(), {}, row.summary), row.check).held, row.held) << row.check;
  }
  EXPECT_THAT(Named(CheckInvariants(TwoWorkloads(), {}, unasked), "pods that asked for nothing stay off ECI").detail,
              HasSubstr("default/steady-x (asked: nothing) on virtual-kubelet"));
}

TEST(InvariantsTest, ScenarioExpectations) {
  Scenario scenario = TwoWorkloads();
  scenario.checks.eci_pods_at_most = 5;
  scenario.checks.max_pods_created = {{"web", 10}};
  scenario.checks.reach = {{"web", 20, absl::Seconds(40)}};
  Summary summary;
  summary.peak_eci_bound = 6;
  summary.pods_created = {{"web", 11}};
  std::vector<Sample> samples = Timeline(std::vector<std::tuple<int, int, bool>>(60, {19, 19, false}));
  std::vector<InvariantCheck> checks = CheckInvariants(scenario, samples, summary);
  EXPECT_FALSE(Named(checks, "ECI quota never exceeded").held);
  EXPECT_FALSE(Named(checks, "pods created per workload").held);
  EXPECT_EQ(Named(checks, "web runs 20 pods by 40s").detail, "at most 19 running by then");
  EXPECT_FALSE(AllHeld(checks));
  samples[30].workloads["web"].ecs = 20;
  summary.peak_eci_bound = 5;
  summary.pods_created = {{"web", 10}};
  checks = CheckInvariants(scenario, samples, summary);
  EXPECT_TRUE(Named(checks, "ECI quota never exceeded").held);
  EXPECT_TRUE(Named(checks, "web runs 20 pods by 40s").held);
  EXPECT_THAT(InvariantTable(checks), HasSubstr("Checks: 10 held, 0 violated\n  held      controllers converge"));
}

}  // namespace
}  // namespace spillway::sim
