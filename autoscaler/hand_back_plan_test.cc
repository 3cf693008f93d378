#include "autoscaler/hand_back_plan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kGi = int64_t{1} << 30;
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
// Pay-as-you-go ECI as the scenarios price it, and a 4 vCPU / 16 GiB node.
const HandBackPrices kPrices{0.0000125, 0.0000014};
const NodeShape kNode{"np-burst", 4000, 16 * kGi, 110, 0.14};

std::vector<EciPod> Pods(int count, absl::Duration age, const std::string& prefix = "d/p") {
  std::vector<EciPod> pods;
  for (int i = 0; i < count; ++i) pods.push_back({prefix + std::to_string(i), 1000, 2 * kGi, kNow - age});
  return pods;
}

// Four 1 vCPU / 2 GiB pods fill the node: $6.1e-5/s on ECI against the node's
// $3.9e-5/s; the overhead (90 s booting + 10 min standing after the peak) is
// paid back after about 20 minutes on ECI.
TEST(HandBackPlanTest, BreakEvenAgeOfFourPodsIsAboutTwentyMinutes) {
  const std::vector<EciPod> pods = Pods(4, absl::ZeroDuration());
  std::vector<const EciPod*> set;
  for (const EciPod& pod : pods) set.push_back(&pod);
  const absl::Duration age = BreakEvenAge(EciRate(set, kPrices), kNode, HandBackOptions());
  EXPECT_GT(age, absl::Minutes(19));
  EXPECT_LT(age, absl::Minutes(21));
  NodeShape dear = kNode;
  dear.price_per_hour = 1.0;  // Dearer than the ECI it would replace.
  EXPECT_EQ(BreakEvenAge(EciRate(set, kPrices), dear, HandBackOptions()), absl::InfiniteDuration());
}

TEST(HandBackPlanTest, Table) {
  struct Case {
    const char* name;
    std::vector<EciPod> pods;
    std::vector<NodeShape> shapes;
    size_t requests;
    size_t pods_in_first;
    const char* first_waiting_reason;  // "" when none waits.
  };
  std::vector<EciPod> mixed = Pods(3, absl::Minutes(25), "d/old");
  mixed.push_back({"d/young", 1000, 2 * kGi, kNow - absl::Minutes(1)});
  NodeShape dear = kNode;
  dear.price_per_hour = 1.0;
  const std::vector<Case> cases = {
      {"a short peak stays on ECI", Pods(4, absl::Minutes(5)), {kNode}, 0, 0, "pays off once the pods that would fill it have run 20m"},
      {"a long peak asks for a node", Pods(4, absl::Minutes(25)), {kNode}, 1, 4, ""},
      {"eight pods, two nodes", Pods(8, absl::Minutes(25)), {kNode}, 2, 4, ""},
      {"a node dearer than ECI is never asked for", Pods(4, absl::Hours(5)), {dear}, 0, 0, "ECI is no dearer"},
      // Without the young pod the three old ones do not pay for a node
      // (the node would stand a quarter empty), and with it the set is too young.
      {"a young pod in the set waits, and holds the others back", mixed, {kNode}, 0, 0, "pays off"},
      {"too large for any node pool", {{"d/huge", 8000, kGi, kNow - absl::Hours(1)}}, {kNode}, 0, 0,
       "fits no node pool's nodes"},
      {"no node pool", Pods(4, absl::Hours(1)), {}, 0, 0, "fits no node pool's nodes"},
  };
  for (const Case& c : cases) {
    const HandBackPlan plan = PlanHandBack(c.pods, c.shapes, kPrices, HandBackOptions(), kNow);
    EXPECT_EQ(plan.requests.size(), c.requests) << c.name;
    if (c.requests > 0) {
      EXPECT_EQ(plan.requests[0].pods.size(), c.pods_in_first) << c.name;
      EXPECT_EQ(plan.requests[0].shape, "np-burst") << c.name;
    }
    if (std::string(c.first_waiting_reason).empty()) {
      EXPECT_TRUE(plan.waiting.empty()) << c.name;
    } else {
      ASSERT_FALSE(plan.waiting.empty()) << c.name;
      EXPECT_THAT(plan.waiting[0].second, HasSubstr(c.first_waiting_reason)) << c.name;
    }
  }
}

TEST(HandBackPlanTest, TheOldestPodsGoFirstAndTheCheaperSavingShapeLoses) {
  std::vector<EciPod> pods = Pods(4, absl::Minutes(30), "d/a");
  for (EciPod& pod : Pods(4, absl::Minutes(40), "d/b")) pods.push_back(pod);
  NodeShape large{"np-large", 8000, 32 * kGi, 110, 0.28};
  const HandBackPlan plan = PlanHandBack(pods, {kNode, large}, kPrices, HandBackOptions(), kNow);
  ASSERT_EQ(plan.requests.size(), 1u);
  // One large node saves more per second than one small one holding half the pods.
  EXPECT_EQ(plan.requests[0].shape, "np-large");
  EXPECT_THAT(plan.requests[0].pods, ElementsAre("d/b0", "d/b1", "d/b2", "d/b3", "d/a0", "d/a1", "d/a2", "d/a3"));
}

}  // namespace
}  // namespace spillway::autoscaler
