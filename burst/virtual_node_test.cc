#include "burst/virtual_node.h"

#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

kube::Node NodeWith(std::string name, kube::StringMap labels, std::vector<kube::Taint> taints) {
  kube::Node node;
  node.metadata.name = std::move(name);
  node.metadata.labels = std::move(labels);
  node.taints = std::move(taints);
  return node;
}

kube::StringMap Labels(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  kube::StringMap map;
  for (const auto& [k, v] : pairs) map.Set(k, v);
  return map;
}

TEST(VirtualNodeRuleTest, DefaultRecognisesTheLabelOrTheTaintKey) {
  VirtualNodeRule rule;
  EXPECT_TRUE(rule.IsVirtual(NodeWith("vk", Labels({{"type", "virtual-kubelet"}}), {})));
  EXPECT_TRUE(rule.IsVirtual(
      NodeWith("vk", {}, {{"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"}})));
  EXPECT_FALSE(rule.IsVirtual(NodeWith("virtual-kubelet", Labels({{"type", "ecs"}}), {})))
      << "with the object at hand, the name alone does not make a node virtual";
  EXPECT_FALSE(rule.IsVirtual(NodeWith("cn-hangzhou.192.168.0.1", {}, {})));
}

TEST(VirtualNodeRuleTest, NamesMatchExactlyOrWithAZoneSuffix) {
  VirtualNodeRule rule;
  EXPECT_TRUE(rule.IsVirtualName("virtual-kubelet"));
  EXPECT_TRUE(rule.IsVirtualName("virtual-kubelet-cn-hangzhou-j"));
  EXPECT_FALSE(rule.IsVirtualName("virtual-kubelet-"));
  EXPECT_FALSE(rule.IsVirtualName("virtual-kubeletx"));
  EXPECT_FALSE(rule.IsVirtualName("cn-hangzhou.192.168.0.1"));
}

TEST(VirtualNodeRuleTest, ConfiguredRuleReplacesTheDefault) {
  config::VirtualNodeRule config;
  (*config.mutable_labels())["node.kubernetes.io/capacity"] = "serverless";
  config.add_name_prefixes("eci-node");
  VirtualNodeRule rule(config);
  EXPECT_TRUE(rule.IsVirtual(NodeWith("n", Labels({{"node.kubernetes.io/capacity", "serverless"}}), {})));
  EXPECT_FALSE(rule.IsVirtual(NodeWith("n", Labels({{"type", "virtual-kubelet"}}), {})));
  EXPECT_FALSE(rule.IsVirtual(NodeWith("n", {}, {{"virtual-kubelet.io/provider", "x", "NoSchedule"}})));
  EXPECT_TRUE(rule.IsVirtualName("eci-node-zone-a"));
  EXPECT_FALSE(rule.IsVirtualName("virtual-kubelet"));
}

TEST(VirtualNodeRuleTest, AffinityTermSelectsVirtualOnlyWhenEveryValueIsVirtual) {
  VirtualNodeRule rule;
  kube::NodeSelectorTerm term;
  term.match_expressions.push_back({"type", "In", {"virtual-kubelet"}});
  EXPECT_TRUE(rule.TermSelectsVirtual(term));
  term.match_expressions[0].values.push_back("ecs");
  EXPECT_FALSE(rule.TermSelectsVirtual(term));
  kube::NodeSelectorTerm not_in;
  not_in.match_expressions.push_back({"type", "NotIn", {"virtual-kubelet"}});
  EXPECT_FALSE(rule.TermSelectsVirtual(not_in));
  kube::NodeSelectorTerm by_name;
  by_name.match_fields.push_back({"metadata.name", "In", {"virtual-kubelet-cn-hangzhou-j"}});
  EXPECT_TRUE(rule.TermSelectsVirtual(by_name));
}

}  // namespace
}  // namespace spillway::burst
