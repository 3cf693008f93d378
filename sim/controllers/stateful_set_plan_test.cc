#include "sim/controllers/stateful_set_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr OrdinalPod kReady{true, false};
constexpr OrdinalPod kStarting{false, false};
constexpr OrdinalPod kGoing{true, true};

TEST(StatefulSetPlanTest, OrdinalsFromNames) {
  EXPECT_EQ(OrdinalOf("web", "web-0"), 0);
  EXPECT_EQ(OrdinalOf("web", "web-12"), 12);
  EXPECT_EQ(OrdinalOf("web", "web-01"), std::nullopt);
  EXPECT_EQ(OrdinalOf("web", "web--1"), std::nullopt);
  EXPECT_EQ(OrdinalOf("web", "webx-1"), std::nullopt);
  EXPECT_EQ(OrdinalOf("web", "web-"), std::nullopt);
  EXPECT_EQ(OrdinalOf("web", "web-1-a"), std::nullopt);
}

TEST(StatefulSetPlanTest, OrderedReadyMovesOneOrdinalAtATime) {
  struct Case {
    const char* name;
    int replicas;
    std::map<int, OrdinalPod> pods;
    std::vector<int> create;
    std::vector<int> remove;
  };
  const Case cases[] = {
      {"first pod", 3, {}, {0}, {}},
      {"waits for 0 to be ready", 3, {{0, kStarting}}, {}, {}},
      {"then 1", 3, {{0, kReady}}, {1}, {}},
      {"fills a hole at the lowest ordinal", 3, {{0, kReady}, {2, kReady}}, {1}, {}},
      {"scale down from the top", 1, {{0, kReady}, {1, kReady}, {2, kReady}}, {}, {2}},
      {"not while another is unready", 1, {{0, kStarting}, {1, kReady}, {2, kReady}}, {}, {}},
      {"not while one is terminating", 1, {{0, kReady}, {1, kReady}, {2, kGoing}}, {}, {}},
      {"steady", 2, {{0, kReady}, {1, kReady}}, {}, {}},
  };
  for (const Case& c : cases) {
    StatefulSetDiff diff = PlanStatefulSet(c.replicas, /*parallel=*/false, c.pods);
    EXPECT_EQ(diff.create, c.create) << c.name;
    EXPECT_EQ(diff.remove, c.remove) << c.name;
  }
}

TEST(StatefulSetPlanTest, ParallelMovesAllAtOnce) {
  StatefulSetDiff up = PlanStatefulSet(3, /*parallel=*/true, {{1, kStarting}});
  EXPECT_THAT(up.create, ElementsAre(0, 2));
  EXPECT_THAT(up.remove, IsEmpty());
  StatefulSetDiff down = PlanStatefulSet(1, /*parallel=*/true, {{0, kReady}, {1, kStarting}, {2, kReady}, {3, kGoing}});
  EXPECT_THAT(down.create, IsEmpty());
  EXPECT_THAT(down.remove, ElementsAre(2, 1));
}

}  // namespace
}  // namespace spillway::sim
