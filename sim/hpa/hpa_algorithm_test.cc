#include "sim/hpa/hpa_algorithm.h"

#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'790'000'000);

TEST(HpaAlgorithmTest, ReplicasForUtilizationAsTheReplicaCalculator) {
  struct Case {
    const char* name;
    int current;
    std::vector<double> ready;
    int unready;
    int target;
    int want;
  };
  const Case cases[] = {
      {"ceil(ratio x ready)", 4, {90, 90, 90, 90}, 0, 50, 8},       // 1.8 x 4 = 7.2 -> 8
      {"within tolerance", 4, {54, 54, 54, 54}, 0, 50, 4},          // 1.08
      {"just past tolerance", 4, {56, 56, 56, 56}, 0, 50, 5},       // 1.12 x 4 = 4.48 -> 5
      {"scale down", 10, {10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, 0, 50, 2},
      {"unready count as 0% going up", 4, {100, 100}, 2, 50, 4},    // 200/4/50 = 1.0 -> keep
      {"unready still up", 4, {200, 200}, 2, 50, 8},                // 400/4/50 = 2.0 -> 8
      {"unready left out going down", 6, {20, 20}, 4, 50, 1},       // 0.4 x 2 = 0.8 -> 1
      {"no metrics", 3, {}, 3, 50, 3},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReplicasForUtilization(c.current, c.ready, c.unready, c.target), c.want) << c.name;
  }
}

TEST(HpaAlgorithmTest, ScaleUpIsRateLimitedByTheDefaultPolicies) {
  HpaHistory history;
  // Max(100%, 4 pods) per 15 s: from 2, the 4-pod policy allows 6.
  EXPECT_EQ(NormalizeReplicas(2, 20, 1, 50, DefaultScaleUp(), DefaultScaleDown(), kStart, history), 6);
  // Within the same 15 s period the start was still 2: no further.
  EXPECT_EQ(NormalizeReplicas(6, 20, 1, 50, DefaultScaleUp(), DefaultScaleDown(), kStart + absl::Seconds(5),
                              history),
            6);
  // A new period: 6 -> 12 (100% beats 4 pods).
  EXPECT_EQ(NormalizeReplicas(6, 20, 1, 50, DefaultScaleUp(), DefaultScaleDown(), kStart + absl::Seconds(16),
                              history),
            12);
  // Clamped to max.
  HpaHistory other;
  EXPECT_EQ(NormalizeReplicas(8, 20, 1, 10, DefaultScaleUp(), DefaultScaleDown(), kStart, other), 10);
}

TEST(HpaAlgorithmTest, ScaleDownWaitsOutTheStabilizationWindow) {
  HpaScalingRules down = DefaultScaleDown();
  down.stabilization_window_seconds = 60;  // A scenario shortens the 300 s default.
  HpaHistory history;
  EXPECT_EQ(NormalizeReplicas(8, 8, 1, 10, DefaultScaleUp(), down, kStart, history), 8);
  // Load drops: the 8 recommended 30 s ago still holds.
  EXPECT_EQ(NormalizeReplicas(8, 3, 1, 10, DefaultScaleUp(), down, kStart + absl::Seconds(30), history), 8);
  // Past the window the highest recommendation left is 3.
  EXPECT_EQ(NormalizeReplicas(8, 3, 1, 10, DefaultScaleUp(), down, kStart + absl::Seconds(61), history), 3);
  // Never below min.
  EXPECT_EQ(NormalizeReplicas(3, 0, 2, 10, DefaultScaleUp(), down, kStart + absl::Seconds(200), history), 2);
}

TEST(HpaAlgorithmTest, PodsPolicyAndDisabledDirection) {
  HpaScalingRules down{0, {{HpaRule::Type::kPods, 1, 60}}, "Max"};
  HpaHistory history;
  EXPECT_EQ(NormalizeReplicas(6, 2, 1, 10, DefaultScaleUp(), down, kStart, history), 5);
  EXPECT_EQ(NormalizeReplicas(5, 2, 1, 10, DefaultScaleUp(), down, kStart + absl::Seconds(30), history), 5);
  EXPECT_EQ(NormalizeReplicas(5, 2, 1, 10, DefaultScaleUp(), down, kStart + absl::Seconds(61), history), 4);
  HpaScalingRules disabled = DefaultScaleUp();
  disabled.select_policy = "Disabled";
  HpaHistory none;
  EXPECT_EQ(NormalizeReplicas(3, 9, 1, 10, disabled, DefaultScaleDown(), kStart, none), 3);
}

}  // namespace
}  // namespace spillway::sim
