#include "sim/controllers/deployment_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::ElementsAre;

TEST(DeploymentPlanTest, ScaledValuesRoundAsKubernetes) {
  EXPECT_EQ(ScaledValue("25%", 10, true), 3);   // maxSurge rounds up
  EXPECT_EQ(ScaledValue("25%", 10, false), 2);  // maxUnavailable rounds down
  EXPECT_EQ(ScaledValue("1", 10, false), 1);
  EXPECT_EQ(ScaledValue("bad", 10, false), 0);
}

TEST(DeploymentPlanTest, WithoutOldSetsTheNewSetTakesTheReplicas) {
  DeploymentPlan plan = PlanRollingUpdate(6, 2, 1, {"web-new", 2, 2, 2}, {});
  EXPECT_EQ(plan.current, 6);
  plan = PlanRollingUpdate(2, 1, 0, {"web-new", 6, 6, 6}, {{"web-old", 0, 0, 0}});
  EXPECT_EQ(plan.current, 2);
}

// A rollout of 4 replicas with maxSurge 1, maxUnavailable 1, step by step.
TEST(DeploymentPlanTest, RollingUpdateStaysWithinSurgeAndAvailability) {
  // Start: old 4 (all available), new 0. The new set may surge to 1; one old
  // pod may go (3 must stay available).
  DeploymentPlan plan = PlanRollingUpdate(4, 1, 1, {"new", 0, 0, 0}, {{"old", 4, 4, 4}});
  EXPECT_EQ(plan.current, 1);
  EXPECT_THAT(plan.old_replicas, ElementsAre(3));
  // New pods not ready yet: nothing more may go, the total stays at 5.
  plan = PlanRollingUpdate(4, 1, 1, {"new", 2, 0, 2}, {{"old", 3, 3, 3}});
  EXPECT_EQ(plan.current, 2);
  EXPECT_THAT(plan.old_replicas, ElementsAre(3));
  // Two new available: old can drop to 1.
  plan = PlanRollingUpdate(4, 1, 1, {"new", 2, 2, 2}, {{"old", 3, 3, 3}});
  EXPECT_EQ(plan.current, 2);
  EXPECT_THAT(plan.old_replicas, ElementsAre(1));
  // Unavailable old pods go first, before availability counts.
  plan = PlanRollingUpdate(4, 1, 1, {"new", 1, 1, 1}, {{"old", 4, 2, 4}});
  EXPECT_EQ(plan.current, 1);
  EXPECT_THAT(plan.old_replicas, ElementsAre(2));
}

TEST(DeploymentPlanTest, RecreateEmptiesOldSetsFirst) {
  DeploymentPlan plan = PlanRecreate(3, {"new", 0, 0, 0}, {{"old", 3, 3, 3}});
  EXPECT_EQ(plan.current, 0);
  EXPECT_THAT(plan.old_replicas, ElementsAre(0));
  plan = PlanRecreate(3, {"new", 0, 0, 0}, {{"old", 0, 0, 0}});
  EXPECT_EQ(plan.current, 3);
}

}  // namespace
}  // namespace spillway::sim
