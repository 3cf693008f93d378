#include "autoscaler/repatriation_plan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kGi = int64_t{1} << 30;
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

EciCandidate Pod(const std::string& key, const std::string& workload, absl::Duration age,
                 std::vector<std::string> fits_on = {"ecs-1"}) {
  EciCandidate pod;
  pod.key = key;
  pod.workload = workload;
  pod.cpu_milli = 1000;
  pod.memory_bytes = kGi;
  pod.running_since = kNow - age;
  pod.asked_burst = true;
  pod.fits_on = std::move(fits_on);
  return pod;
}

EcsRoom Room(const std::string& node, int64_t cpu_milli, absl::Duration free_for = absl::Minutes(5)) {
  return EcsRoom{node, cpu_milli, 16 * kGi, 50, kNow - free_for};
}

TEST(RepatriationPlanTest, Table) {
  struct Case {
    const char* name;
    std::vector<EciCandidate> pods;
    std::vector<EcsRoom> room;
    std::map<std::string, WorkloadHistory> history;
    int moved_last_minute;
    std::vector<std::string> moved;     // Pods, in order.
    std::string first_waiting_reason;   // "" when none waits.
  };
  EciCandidate eci_only = Pod("d/only", "d/Deployment/a", absl::Minutes(10));
  eci_only.asked_burst = false;
  EciCandidate opted_out = Pod("d/stay", "d/Deployment/a", absl::Minutes(10));
  opted_out.opted_out = "spillway.alibabacloud.com/repatriate: \"false\"";
  WorkloadHistory flapped;
  flapped.last_home = kNow - absl::Minutes(6);
  flapped.last_out = kNow - absl::Minutes(5);
  WorkloadHistory settled = flapped;
  settled.last_out = kNow - absl::Minutes(11);
  WorkloadHistory busy;
  busy.in_flight = true;
  const std::vector<Case> cases = {
      {"a burst pod with stable room moves", {Pod("d/a", "d/Deployment/a", absl::Minutes(10))}, {Room("ecs-1", 2000)},
       {}, 0, {"d/a"}, ""},
      {"ECI-only and forced pods never move", {eci_only}, {Room("ecs-1", 2000)}, {}, 0, {}, "did not ask to burst"},
      {"the opt-out annotation keeps it", {opted_out}, {Room("ecs-1", 2000)}, {}, 0, {}, "opted out"},
      {"too young", {Pod("d/a", "d/Deployment/a", absl::Seconds(30))}, {Room("ecs-1", 2000)}, {}, 0, {},
       "has run on ECI for 30s of the 2m"},
      {"room not stable long enough", {Pod("d/a", "d/Deployment/a", absl::Minutes(10))},
       {Room("ecs-1", 2000, absl::Seconds(20))}, {}, 0, {}, "has not been stable for 1m"},
      {"no room on the nodes that accept it", {Pod("d/a", "d/Deployment/a", absl::Minutes(10), {"ecs-2"})},
       {Room("ecs-1", 8000)}, {}, 0, {}, "no ECS node that accepts it has room"},
      {"one pod per workload per pass; other workloads go too",
       {Pod("d/a1", "d/Deployment/a", absl::Minutes(10)), Pod("d/a2", "d/Deployment/a", absl::Minutes(9)),
        Pod("d/b1", "d/Deployment/b", absl::Minutes(8))},
       {Room("ecs-1", 8000)}, {}, 0, {"d/a1", "d/b1"}, "another pod of d/Deployment/a is moving"},
      {"a move in flight holds its workload", {Pod("d/a", "d/Deployment/a", absl::Minutes(10))}, {Room("ecs-1", 2000)},
       {{"d/Deployment/a", busy}}, 0, {}, "is moving"},
      {"room is counted across the pass: the replacement must fit",
       {Pod("d/a", "d/Deployment/a", absl::Minutes(10)), Pod("d/b", "d/Deployment/b", absl::Minutes(9))},
       {Room("ecs-1", 1500)}, {}, 0, {"d/a"}, "no ECS node that accepts it has room"},
      {"the cluster-wide rate", {Pod("d/a", "d/Deployment/a", absl::Minutes(10))}, {Room("ecs-1", 2000)}, {}, 10, {},
       "budget of 10 moves per minute is spent"},
      {"a workload that flapped waits out the hysteresis", {Pod("d/a", "d/Deployment/a", absl::Minutes(10))},
       {Room("ecs-1", 2000)}, {{"d/Deployment/a", flapped}}, 0, {}, "(no flapping)"},
      {"after the hysteresis it may move again", {Pod("d/a", "d/Deployment/a", absl::Minutes(10))},
       {Room("ecs-1", 2000)}, {{"d/Deployment/a", settled}}, 0, {"d/a"}, ""},
      {"oldest first", {Pod("d/young", "d/Deployment/y", absl::Minutes(3)), Pod("d/old", "d/Deployment/o", absl::Minutes(30))},
       {Room("ecs-1", 1000)}, {}, 0, {"d/old"}, "no ECS node that accepts it has room"},
  };
  for (const Case& c : cases) {
    const RepatriationPlan plan =
        PlanRepatriation(c.pods, c.room, c.history, c.moved_last_minute, RepatriationOptions(), kNow);
    std::vector<std::string> moved;
    for (const Move& move : plan.moves) moved.push_back(move.pod);
    EXPECT_EQ(moved, c.moved) << c.name;
    if (c.first_waiting_reason.empty()) {
      EXPECT_TRUE(plan.waiting.empty()) << c.name << ": " << (plan.waiting.empty() ? "" : plan.waiting[0].why);
    } else {
      ASSERT_FALSE(plan.waiting.empty()) << c.name;
      EXPECT_THAT(plan.waiting[0].why, HasSubstr(c.first_waiting_reason)) << c.name;
    }
  }
}

TEST(RepatriationPlanTest, EachWaitCarriesAStableCode) {
  EciCandidate eci_only = Pod("d/only", "d/Deployment/a", absl::Minutes(10));
  eci_only.asked_burst = false;
  const RepatriationPlan plan = PlanRepatriation(
      {eci_only, Pod("d/young", "d/Deployment/y", absl::Seconds(5)), Pod("d/a", "d/Deployment/a", absl::Minutes(9)),
       Pod("d/b", "d/Deployment/b", absl::Minutes(8))},
      {Room("ecs-1", 1000)}, {}, 0, RepatriationOptions(), kNow);
  std::map<std::string, std::string> codes;
  for (const Waiting& waiting : plan.waiting) codes[waiting.pod] = std::string(WaitReasonName(waiting.reason));
  EXPECT_EQ(codes, (std::map<std::string, std::string>{
                       {"d/only", "not_burst"}, {"d/young", "too_young"}, {"d/b", "no_room"}}));
}

TEST(RepatriationPlanTest, AMoveNamesTheNodeItsReplacementFits) {
  const RepatriationPlan plan =
      PlanRepatriation({Pod("d/a", "d/Deployment/a", absl::Minutes(10), {"ecs-full", "ecs-2"})},
                       {Room("ecs-full", 500), Room("ecs-2", 4000)}, {}, 0, RepatriationOptions(), kNow);
  ASSERT_EQ(plan.moves.size(), 1u);
  EXPECT_EQ(plan.moves[0].node, "ecs-2");
}

}  // namespace
}  // namespace spillway::autoscaler
