#include "sim/controllers/replica_set_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

OwnedPod Running(std::string name, std::string node, absl::Duration ready_for = absl::Hours(1)) {
  OwnedPod pod;
  pod.name = std::move(name);
  pod.node = std::move(node);
  pod.phase = "Running";
  pod.ready = true;
  pod.ready_since = kNow - ready_for;
  pod.created = kNow - ready_for - absl::Seconds(5);
  return pod;
}

TEST(ReplicaSetPlanTest, CreatesTheShortfallUpToTheBurst) {
  EXPECT_EQ(PlanReplicaSet(3, {Running("a", "n1")}, kNow).create, 2);
  EXPECT_EQ(PlanReplicaSet(2000, {}, kNow).create, kBurstReplicas);
  ReplicaSetDiff same = PlanReplicaSet(1, {Running("a", "n1")}, kNow);
  EXPECT_EQ(same.create, 0);
  EXPECT_THAT(same.remove, IsEmpty());
}

TEST(ReplicaSetPlanTest, TerminatingAndFinishedPodsDoNotCount) {
  OwnedPod going = Running("going", "n1");
  going.terminating = true;
  OwnedPod done = Running("done", "n1");
  done.phase = "Succeeded";
  EXPECT_EQ(PlanReplicaSet(2, {going, done, Running("a", "n1")}, kNow).create, 1);
}

// Each row: two pods that differ in one rank; the first is the victim.
TEST(ReplicaSetPlanTest, VictimsAreRankedAsTheReplicaSetControllerRanksThem) {
  struct Case {
    const char* rule;
    OwnedPod victim;
    OwnedPod kept;
  };
  OwnedPod unscheduled = Running("victim", "");
  unscheduled.phase = "Pending";
  unscheduled.ready = false;
  OwnedPod pending = Running("victim", "n1");
  pending.phase = "Pending";
  pending.ready = false;
  OwnedPod unknown = Running("kept", "n2");
  unknown.phase = "Unknown";
  OwnedPod unready = Running("victim", "n1");
  unready.ready = false;
  OwnedPod cheap = Running("victim", "n1");
  cheap.deletion_cost = -100;
  OwnedPod dear = Running("kept", "n2");
  dear.deletion_cost = 100;
  OwnedPod restarted = Running("victim", "n1");
  restarted.restarts = 3;
  OwnedPod same_bucket_newer = Running("victim", "n1", absl::Minutes(60));
  OwnedPod same_bucket_older = Running("kept", "n2", absl::Minutes(61));
  const Case cases[] = {
      {"unassigned before assigned", unscheduled, Running("kept", "n2")},
      {"pending before unknown", pending, unknown},
      {"unknown before running", [&] { OwnedPod p = unknown; p.name = "victim"; return p; }(),
       Running("kept", "n2")},
      {"not ready before ready", unready, Running("kept", "n2")},
      {"lower deletion cost first", cheap, dear},
      {"ready for less time first", Running("victim", "n1", absl::Minutes(1)),
       Running("kept", "n2", absl::Hours(5))},
      {"more restarts first", restarted, Running("kept", "n2")},
      // 60 and 61 minutes share a log2 bucket: then the newer pod goes
      // (ties broken by creation time here, see the .cc).
      {"same log2 bucket: newer first", same_bucket_newer, same_bucket_older},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(PlanReplicaSet(1, {c.kept, c.victim}, kNow).remove, ElementsAre("victim")) << c.rule;
    EXPECT_THAT(PlanReplicaSet(1, {c.victim, c.kept}, kNow).remove, ElementsAre("victim")) << c.rule;
  }
}

TEST(ReplicaSetPlanTest, DoubledUpPodsGoFirst) {
  // Equal in every other rank: the pods sharing n1 go before the one alone on n2.
  EXPECT_THAT(PlanReplicaSet(1, {Running("alone", "n2"), Running("x", "n1"), Running("y", "n1")}, kNow).remove,
              ElementsAre("x", "y"));
}

// The rule users set to make ECI replicas go first: a negative
// pod-deletion-cost outranks doubling up and age.
TEST(ReplicaSetPlanTest, DeletionCostPicksTheEciPods) {
  OwnedPod eci1 = Running("eci-1", "virtual-kubelet-cn-hangzhou-j", absl::Hours(3));
  eci1.deletion_cost = -1;
  OwnedPod eci2 = Running("eci-2", "virtual-kubelet-cn-hangzhou-k", absl::Hours(3));
  eci2.deletion_cost = -1;
  EXPECT_THAT(PlanReplicaSet(2, {Running("ecs-1", "n1", absl::Minutes(1)), eci1, Running("ecs-2", "n1"), eci2},
                             kNow)
                  .remove,
              ElementsAre("eci-1", "eci-2"));
}

}  // namespace
}  // namespace spillway::sim
