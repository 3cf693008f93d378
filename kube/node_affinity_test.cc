#include "kube/node_affinity.h"

#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

Node TestNode() {
  Node node;
  node.metadata.name = "cn-hangzhou.10.0.0.1";
  node.metadata.labels.Set("topology.kubernetes.io/zone", "cn-hangzhou-j");
  node.metadata.labels.Set("cpus", "8");
  node.metadata.labels.Set("disktype", "ssd");
  return node;
}

NodeSelectorTerm Expressions(std::vector<NodeSelectorRequirement> requirements) {
  return NodeSelectorTerm{std::move(requirements), {}};
}
NodeSelectorTerm Fields(std::vector<NodeSelectorRequirement> requirements) {
  return NodeSelectorTerm{{}, std::move(requirements)};
}

// Each row: the required terms and whether kube-scheduler's NodeAffinity
// filter admits the node (k8s.io/component-helpers nodeaffinity).
TEST(NodeAffinityTest, KubernetesSemantics) {
  struct Row {
    const char* name;
    std::vector<NodeSelectorTerm> terms;
    bool matches;
  };
  const Row rows[] = {
      {"an empty term matches nothing", {NodeSelectorTerm{}}, false},
      {"an empty term ORed with a matching one", {NodeSelectorTerm{}, Expressions({{"disktype", "In", {"ssd"}}})}, true},
      {"In", {Expressions({{"disktype", "In", {"hdd", "ssd"}}})}, true},
      {"In, value not listed", {Expressions({{"disktype", "In", {"hdd"}}})}, false},
      {"In, label absent", {Expressions({{"gpu", "In", {"a10"}}})}, false},
      {"NotIn, value listed", {Expressions({{"disktype", "NotIn", {"ssd"}}})}, false},
      {"NotIn, label absent", {Expressions({{"gpu", "NotIn", {"a10"}}})}, true},
      {"Exists", {Expressions({{"cpus", "Exists", {}}})}, true},
      {"DoesNotExist", {Expressions({{"cpus", "DoesNotExist", {}}})}, false},
      {"Gt", {Expressions({{"cpus", "Gt", {"4"}}})}, true},
      {"Gt, equal", {Expressions({{"cpus", "Gt", {"8"}}})}, false},
      {"Lt", {Expressions({{"cpus", "Lt", {"16"}}})}, true},
      {"Gt, label absent", {Expressions({{"gpus", "Gt", {"0"}}})}, false},
      {"Gt, not an integer", {Expressions({{"disktype", "Gt", {"1"}}})}, false},
      {"Gt, two values", {Expressions({{"cpus", "Gt", {"1", "2"}}})}, false},
      {"an unknown operator", {Expressions({{"cpus", "Near", {"8"}}})}, false},
      {"expressions ANDed", {Expressions({{"cpus", "Exists", {}}, {"disktype", "In", {"hdd"}}})}, false},
      {"terms ORed", {Expressions({{"disktype", "In", {"hdd"}}}), Expressions({{"cpus", "Exists", {}}})}, true},
      {"matchFields metadata.name In", {Fields({{"metadata.name", "In", {"cn-hangzhou.10.0.0.1"}}})}, true},
      {"matchFields metadata.name NotIn", {Fields({{"metadata.name", "NotIn", {"cn-hangzhou.10.0.0.1"}}})}, false},
      {"matchFields on another field", {Fields({{"metadata.uid", "In", {"cn-hangzhou.10.0.0.1"}}})}, false},
      {"matchFields with Exists", {Fields({{"metadata.name", "Exists", {}}})}, false},
      {"fields and expressions ANDed",
       {NodeSelectorTerm{{{"cpus", "Exists", {}}}, {{"metadata.name", "In", {"other"}}}}},
       false},
  };
  const Node node = TestNode();
  for (const Row& row : rows) {
    EXPECT_EQ(NodeSelectorTermsMatch(row.terms, node), row.matches) << row.name;
    Pod pod;
    pod.required_node_affinity = row.terms;
    EXPECT_EQ(PodMatchesNodeSelectorAndAffinity(pod, node), row.matches) << row.name;
  }
}

TEST(NodeAffinityTest, NodeSelectorAndAffinityBothHold) {
  const Node node = TestNode();
  Pod pod;
  EXPECT_TRUE(PodMatchesNodeSelectorAndAffinity(pod, node)) << "nothing asked";
  EXPECT_FALSE(NodeSelectorTermsMatch({}, node));
  pod.node_selector.Set("disktype", "ssd");
  EXPECT_TRUE(PodMatchesNodeSelectorAndAffinity(pod, node));
  pod.required_node_affinity = {Expressions({{"cpus", "Lt", {"4"}}})};
  EXPECT_FALSE(PodMatchesNodeSelectorAndAffinity(pod, node));
  pod.required_node_affinity = {};
  pod.node_selector.Set("zone", "k");
  EXPECT_FALSE(PodMatchesNodeSelectorAndAffinity(pod, node));
}

}  // namespace
}  // namespace spillway::kube
