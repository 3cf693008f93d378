#include "burst/placement.h"

#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

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

}  // namespace
}  // namespace spillway::burst
