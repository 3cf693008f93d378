#include "sim/nodeautoscaler/scale_plan.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kGi = int64_t{1} << 30;

NodeGroup Group(const std::string& name, int64_t cpu_milli, int64_t gib, int max, int priority = 0,
                const std::string& zone = "cn-hangzhou-j") {
  NodeGroup group;
  group.name = name;
  group.zone = zone;
  group.cpu_milli = cpu_milli;
  group.memory_bytes = gib * kGi;
  group.max = max;
  group.priority = priority;
  return group;
}

PendingPod Pod(const std::string& key, int64_t cpu_milli, int64_t gib, int32_t priority = 0) {
  PendingPod pod;
  pod.key = key;
  pod.cpu_milli = cpu_milli;
  pod.memory_bytes = gib * kGi;
  pod.priority = priority;
  return pod;
}

TEST(PlanScaleUpTest, Table) {
  struct Case {
    const char* name;
    std::vector<PendingPod> pending;
    std::vector<GroupState> groups;
    Expander expander;
    std::string group;  // "" : no scale-up
    int from, to;
    size_t pods;
  };
  const std::vector<Case> cases = {
      {"nothing pending", {}, {{Group("a", 4000, 16, 5), 1, 0}}, Expander::kLeastWaste, "", 0, 0, 0},
      {"three 1.5-core pods need two 4-core nodes",
       {Pod("d/p1", 1500, 1), Pod("d/p2", 1500, 1), Pod("d/p3", 1500, 1)},
       {{Group("a", 4000, 16, 5), 1, 0}},
       Expander::kLeastWaste, "a", 1, 3, 3},
      {"capped by max", {Pod("d/p1", 3000, 1), Pod("d/p2", 3000, 1), Pod("d/p3", 3000, 1)},
       {{Group("a", 4000, 16, 3), 2, 0}}, Expander::kLeastWaste, "a", 2, 3, 1},
      {"a pod no template can hold", {Pod("d/big", 8000, 1)}, {{Group("a", 4000, 16, 5), 0, 0}},
       Expander::kLeastWaste, "", 0, 0, 0},
      {"expendable pods (priority < -10) never trigger", {Pod("d/placeholder", 1000, 1, -11)},
       {{Group("a", 4000, 16, 5), 0, 0}}, Expander::kLeastWaste, "", 0, 0, 0},
      {"priority -10 still counts (the overprovisioning pattern)", {Pod("d/placeholder", 1000, 1, -10)},
       {{Group("a", 4000, 16, 5), 0, 0}}, Expander::kLeastWaste, "a", 0, 1, 1},
      {"pods that fit upcoming nodes wait for them", {Pod("d/p1", 1000, 1), Pod("d/p2", 1000, 1)},
       {{Group("a", 4000, 16, 5), 1, 1}}, Expander::kLeastWaste, "", 0, 0, 0},
      {"least-waste: the smaller node wastes less", {Pod("d/p1", 1800, 7)},
       {{Group("large", 8000, 32, 5), 0, 0}, {Group("small", 2000, 8, 5), 0, 0}}, Expander::kLeastWaste, "small", 0,
       1, 1},
      {"priority: the higher priority group even if it wastes more", {Pod("d/p1", 1800, 7)},
       {{Group("large", 8000, 32, 5, 10), 0, 0}, {Group("small", 2000, 8, 5, 1), 0, 0}}, Expander::kPriority,
       "large", 0, 1, 1},
      {"a group at its max is skipped", {Pod("d/p1", 1000, 1)},
       {{Group("full", 4000, 16, 2), 2, 0}, {Group("other", 4000, 16, 2), 0, 0}}, Expander::kLeastWaste, "other", 0,
       1, 1},
  };
  for (const Case& c : cases) {
    std::optional<ScaleUp> up = PlanScaleUp(c.pending, c.groups, c.expander);
    if (c.group.empty()) {
      EXPECT_FALSE(up.has_value()) << c.name << ": " << (up ? up->group : "");
      continue;
    }
    ASSERT_TRUE(up.has_value()) << c.name;
    EXPECT_EQ(up->group, c.group) << c.name;
    EXPECT_EQ(up->from, c.from) << c.name;
    EXPECT_EQ(up->to, c.to) << c.name;
    EXPECT_EQ(up->pods.size(), c.pods) << c.name;
  }
}

TEST(PlanScaleUpTest, PodsThatFitRegisteredNodesWaitForTheScheduler) {
  const std::vector<GroupState> groups = {{Group("a", 4000, 16, 5), 1, 0}};
  NodeRoom room;
  room.labels = TemplateLabels(groups[0].group);
  room.cpu_milli = 2000;
  room.memory_bytes = 8 * kGi;
  room.pods = 10;
  std::optional<ScaleUp> up =
      PlanScaleUp({Pod("d/b", 1500, 1), Pod("d/a", 1500, 1)}, groups, Expander::kLeastWaste, {room});
  ASSERT_TRUE(up.has_value());
  EXPECT_THAT(up->pods, ElementsAre("d/b"));  // d/a (first by name among equals) takes the room.
  EXPECT_EQ(up->to, 2);
}

TEST(PlanScaleUpTest, NodeSelectorsMatchTheTemplatesLabels) {
  PendingPod pinned = Pod("d/p", 1000, 1);
  pinned.node_selector = {{"topology.kubernetes.io/zone", "cn-hangzhou-k"}};
  std::optional<ScaleUp> up =
      PlanScaleUp({pinned}, {{Group("j", 4000, 16, 5, 0, "cn-hangzhou-j"), 0, 0}, {Group("k", 4000, 16, 5, 0, "cn-hangzhou-k"), 0, 0}},
                  Expander::kLeastWaste);
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->group, "k");
  pinned.node_selector = {{"type", "virtual-kubelet"}};  // Asks for a virtual node: no group helps.
  EXPECT_FALSE(PlanScaleUp({pinned}, {{Group("j", 4000, 16, 5), 0, 0}}, Expander::kLeastWaste).has_value());
}

NodeUse Node(const std::string& name, const std::string& group, std::vector<PodOnNode> pods) {
  NodeUse node;
  node.name = name;
  node.group = group;
  node.cpu_milli = 4000;
  node.memory_bytes = 16 * kGi;
  node.on_it = std::move(pods);
  return node;
}

PodOnNode On(const std::string& key, int64_t cpu_milli, const std::string& blocked = "") {
  return PodOnNode{key, cpu_milli, kGi, blocked, false};
}

TEST(ScaleDownTest, UtilizationIsTheLargerOfCpuAndMemoryWithoutDaemonSets) {
  NodeUse node = Node("n", "a", {On("d/p", 1000), PodOnNode{"kube-system/ds", 3000, kGi, "", true}});
  EXPECT_DOUBLE_EQ(Utilization(node), 0.25);
  node.on_it.push_back(PodOnNode{"d/mem", 0, 10 * kGi, "", false});
  EXPECT_DOUBLE_EQ(Utilization(node), 11.0 / 16);
}

TEST(ScaleDownTest, Table) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  const absl::Time long_ago = now - absl::Minutes(11);
  const ScaleDownOptions options;  // 0.5, 10 minutes
  struct Case {
    const char* name;
    std::vector<NodeUse> nodes;
    std::map<std::string, absl::Time> since;
    int group_size, group_min;
    std::vector<std::string> removed;
    std::vector<std::string> kept;
  };
  const std::vector<Case> cases = {
      {"an empty node, unneeded for 11 minutes", {Node("a-1", "a", {}), Node("a-2", "a", {On("d/p", 3000)})},
       {{"a-1", long_ago}}, 2, 0, {"a-1"}, {}},
      {"not unneeded long enough", {Node("a-1", "a", {})}, {{"a-1", now - absl::Minutes(9)}}, 1, 0, {}, {}},
      {"at the group's min", {Node("a-1", "a", {})}, {{"a-1", long_ago}}, 1, 1, {}, {"a-1: node group a is at its minimum size"}},
      {"its pod moves to the room left elsewhere",
       {Node("a-1", "a", {On("d/p", 1000)}), Node("a-2", "a", {On("d/q", 2000)})}, {{"a-1", long_ago}}, 2, 0,
       {"a-1"}, {}},
      {"its pod would fit nowhere",
       {Node("a-1", "a", {On("d/p", 1900)}), Node("a-2", "a", {On("d/q", 3000)})}, {{"a-1", long_ago}}, 2, 0, {},
       {"a-1: pod d/p would fit no other node"}},
      {"safe-to-evict false keeps it",
       {Node("a-1", "a", {On("d/p", 500, "has cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\"")}),
        Node("a-2", "a", {})},
       {{"a-1", long_ago}}, 2, 0, {},
       {"a-1: pod d/p has cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\""}},
      {"one node with pods per scan, empty ones together",
       {Node("a-1", "a", {On("d/p", 500)}), Node("a-2", "a", {On("d/q", 500)}), Node("a-3", "a", {}),
        Node("b-1", "", {})},
       {{"a-1", long_ago}, {"a-2", long_ago}, {"a-3", long_ago}}, 3, 0, {"a-1", "a-3"}, {}},
  };
  for (const Case& c : cases) {
    ScaleDown down = PlanScaleDown(c.nodes, c.since, {{"a", c.group_size}}, {{"a", c.group_min}}, now, options);
    EXPECT_EQ(down.nodes, c.removed) << c.name;
    EXPECT_EQ(down.kept, c.kept) << c.name;
  }
}

TEST(ScaleDownTest, UnneededTimesStartWhenANodeGoesUnderAndAreForgottenAbove) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  std::vector<NodeUse> nodes = {Node("a-1", "a", {On("d/p", 1000)}), Node("a-2", "a", {On("d/q", 3000)}),
                                Node("static", "", {})};
  std::map<std::string, absl::Time> since = UpdateUnneeded(nodes, {}, t0, 0.5);
  EXPECT_THAT(since, ElementsAre(std::make_pair(std::string("a-1"), t0)));
  since = UpdateUnneeded(nodes, since, t0 + absl::Minutes(1), 0.5);
  EXPECT_EQ(since.at("a-1"), t0);
  nodes[0].on_it.push_back(On("d/r", 2000));
  EXPECT_TRUE(UpdateUnneeded(nodes, since, t0 + absl::Minutes(2), 0.5).empty());
}

}  // namespace
}  // namespace spillway::sim
