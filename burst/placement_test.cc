#include "burst/placement.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

kube::Node VirtualNode() {
  kube::Node node;
  node.metadata.name = "virtual-kubelet-cn-hangzhou-j";
  node.metadata.labels.Set("type", "virtual-kubelet");
  node.taints.push_back({"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"});
  return node;
}

class PlacementTest : public ::testing::Test {
 protected:
  PlacementTest() {
    virtual_node_.metadata.name = "virtual-kubelet-cn-hangzhou-j";
    virtual_node_.metadata.labels.Set("type", "virtual-kubelet");
    virtual_node_.metadata.labels.Set("topology.kubernetes.io/zone", "cn-hangzhou-j");
  }
  kube::Pod pod_;
  kube::Node virtual_node_;
};

TEST_F(PlacementTest, AnUnconstrainedPodAdmitsAnyNode) { EXPECT_TRUE(PodAdmitsNode(pod_, virtual_node_)); }

TEST_F(PlacementTest, NodeSelectorMustMatchEveryEntry) {
  pod_.node_selector.Set("topology.kubernetes.io/zone", "cn-hangzhou-j");
  EXPECT_TRUE(PodAdmitsNode(pod_, virtual_node_));
  pod_.node_selector.Set("disktype", "ssd");
  EXPECT_FALSE(PodAdmitsNode(pod_, virtual_node_));
}

TEST_F(PlacementTest, RequiredAffinityTermsAreOredAndExpressionsAnded) {
  kube::NodeSelectorTerm not_virtual;
  not_virtual.match_expressions.push_back({"type", "NotIn", {"virtual-kubelet"}});
  pod_.required_node_affinity.push_back(not_virtual);
  EXPECT_FALSE(PodAdmitsNode(pod_, virtual_node_));  // Pinned away from virtual nodes.
  kube::NodeSelectorTerm by_name;
  by_name.match_fields.push_back({"metadata.name", "In", {"virtual-kubelet-cn-hangzhou-j"}});
  pod_.required_node_affinity.push_back(by_name);
  EXPECT_TRUE(PodAdmitsNode(pod_, virtual_node_));
  kube::NodeSelectorTerm both;
  both.match_expressions.push_back({"topology.kubernetes.io/zone", "Exists", {}});
  both.match_expressions.push_back({"gpu", "DoesNotExist", {}});
  pod_.required_node_affinity = {both};
  EXPECT_TRUE(PodAdmitsNode(pod_, virtual_node_));
  pod_.required_node_affinity[0].match_expressions.push_back({"cpus", "Gt", {"4"}});
  EXPECT_FALSE(PodAdmitsNode(pod_, virtual_node_));  // No such label: Gt fails.
  virtual_node_.metadata.labels.Set("cpus", "8");
  EXPECT_TRUE(PodAdmitsNode(pod_, virtual_node_));
}

// Issue 26.1: Kubernetes matches nothing with an empty nodeSelectorTerm; the
// rescuer and `spillway explain` used to take it as admitting every node
// while the scheduler (and the simulated one) refused them all.
TEST_F(PlacementTest, AnEmptyTermAdmitsNoNode) {
  pod_.required_node_affinity.push_back(kube::NodeSelectorTerm{});
  EXPECT_FALSE(PodAdmitsNode(pod_, virtual_node_));
}

// The one builder of the virtual-node toleration (webhook, rescuer,
// ElasticWorkload units).
TEST(MissingVirtualNodeTolerationsTest, Table) {
  const std::vector<std::string> keys = {"virtual-kubelet.io/provider", "eci"};
  struct Row {
    const char* name;
    std::vector<kube::Toleration> has;
    std::vector<std::string> missing;
  };
  const Row rows[] = {
      {"none yet", {}, {"virtual-kubelet.io/provider", "eci"}},
      {"one key tolerated", {{"virtual-kubelet.io/provider", "Exists", "", ""}}, {"eci"}},
      {"an Equal toleration of the key counts", {{"eci", "Equal", "true", "NoSchedule"}}, {"virtual-kubelet.io/provider"}},
      {"a toleration of every taint", {{"", "Exists", "", ""}}, {}},
      {"a NoExecute-only toleration does not count", {{"eci", "Exists", "", "NoExecute"}},
       {"virtual-kubelet.io/provider", "eci"}},
  };
  for (const Row& row : rows) {
    kube::Pod pod;
    pod.tolerations = row.has;
    std::vector<std::string> missing;
    for (const kube::Toleration& t : MissingVirtualNodeTolerations(pod, keys)) {
      EXPECT_EQ(t.operator_, "Exists") << row.name;
      EXPECT_EQ(t.effect, "NoSchedule") << row.name;
      EXPECT_EQ(t.value, "") << row.name;
      missing.push_back(t.key);
    }
    EXPECT_EQ(missing, row.missing) << row.name;
  }
}

TEST(SchedulerHintsTest, EachFilterSaysItsOwnReason) {
  struct Case {
    std::string name;
    std::function<void(kube::Pod&, kube::Node&)> setup;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"untolerated taint", [](kube::Pod&, kube::Node&) {},
       {"node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}"}},
      {"toleration by key, Exists",
       [](kube::Pod& p, kube::Node&) { p.tolerations.push_back({"virtual-kubelet.io/provider", "Exists", "", ""}); },
       {}},
      {"toleration with another value",
       [](kube::Pod& p, kube::Node&) { p.tolerations.push_back({"virtual-kubelet.io/provider", "Equal", "x", ""}); },
       {"node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}"}},
      {"toleration for another effect",
       [](kube::Pod& p, kube::Node&) {
         p.tolerations.push_back({"virtual-kubelet.io/provider", "Exists", "", "NoExecute"});
       },
       {"node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}"}},
      {"tolerate everything", [](kube::Pod& p, kube::Node&) { p.tolerations.push_back({"", "Exists", "", ""}); }, {}},
      {"PreferNoSchedule never blocks",
       [](kube::Pod&, kube::Node& n) { n.taints[0].effect = "PreferNoSchedule"; }, {}},
      {"cordoned, selector mismatch",
       [](kube::Pod& p, kube::Node& n) {
         p.tolerations.push_back({"", "Exists", "", ""});
         n.unschedulable = true;
         p.node_selector.Set("disk", "ssd");
       },
       {"node(s) were unschedulable", "node(s) didn't match Pod's node affinity/selector"}},
  };
  for (const Case& c : cases) {
    kube::Pod pod;
    kube::Node node = VirtualNode();
    c.setup(pod, node);
    EXPECT_EQ(SchedulerHints(pod, node), c.want) << c.name;
  }
}

TEST(ResourceHintsTest, SaysWhatNodeResourcesFitWouldSay) {
  kube::Node node;
  node.allocatable = {4000, int64_t{8} << 30};
  node.allocatable_pods = 10;
  struct Case {
    std::string name;
    kube::Resources wants;
    kube::Resources used;
    int64_t pods;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"fits exactly", {1000, int64_t{1} << 30}, {3000, int64_t{7} << 30}, 9, {}},
      {"cpu", {1001, 0}, {3000, 0}, 0, {"Insufficient cpu"}},
      {"memory", {0, int64_t{2} << 30}, {0, int64_t{7} << 30}, 0, {"Insufficient memory"}},
      {"pods", {0, 0}, {0, 0}, 10, {"Too many pods"}},
      {"everything", {5000, int64_t{9} << 30}, {0, 0}, 10, {"Too many pods", "Insufficient cpu", "Insufficient memory"}},
      // A pod requesting nothing fits a full node as kube-scheduler judges it.
      {"requests nothing", {0, 0}, {4000, int64_t{8} << 30}, 3, {}},
  };
  for (const Case& c : cases) {
    kube::Pod pod;
    pod.container_requests = c.wants;
    EXPECT_EQ(ResourceHints(pod, node, c.used, c.pods), c.want) << c.name;
  }
}

TEST(NodeLoadsTest, CountsBoundPodsThatHoldResourcesExceptTheOneJudged) {
  auto pod = [](const std::string& name, const std::string& node, const std::string& phase, int64_t cpu) {
    kube::Pod p;
    p.metadata.namespace_ = "shop";
    p.metadata.name = name;
    p.node_name = node;
    p.phase = phase;
    p.container_requests = {cpu, cpu << 20};
    return std::make_shared<const kube::PodRecord>(kube::PodRecord::From(p));
  };
  const auto load = NodeLoads({pod("a", "ecs-1", "Running", 500), pod("b", "ecs-1", "Pending", 250),
                               pod("done", "ecs-1", "Succeeded", 4000), pod("failed", "ecs-1", "Failed", 4000),
                               pod("unbound", "", "Pending", 4000), pod("self", "ecs-1", "Pending", 1000),
                               pod("c", "ecs-2", "Running", 100)},
                              "shop/self");
  ASSERT_EQ(load.size(), 2u);
  EXPECT_EQ(load.at("ecs-1").used.cpu_milli, 750);
  EXPECT_EQ(load.at("ecs-1").used.memory_bytes, int64_t{750} << 20);
  EXPECT_EQ(load.at("ecs-1").pods, 2);
  EXPECT_EQ(load.at("ecs-2").pods, 1);
}

}  // namespace
}  // namespace spillway::burst
