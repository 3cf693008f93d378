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

// The inline screen never rejects a name IsVirtualName accepts, and rejects
// names by their first byte only.
TEST(VirtualNodeRuleTest, FirstByteScreenKeepsEveryVirtualName) {
  config::VirtualNodeRule config;
  config.add_name_prefixes("eci-node");
  config.add_name_prefixes("");  // Matches no name; must not open the screen.
  config.add_name_prefixes("vk");
  const VirtualNodeRule configured(config);
  const VirtualNodeRule by_default;
  struct Case {
    const VirtualNodeRule* rule;
    const char* name;
    bool may_be;
    bool is;
  };
  const Case cases[] = {
      {&by_default, "virtual-kubelet-cn-hangzhou-j", true, true},
      {&by_default, "virtual-kubelet", true, true},
      {&by_default, "virtualx", true, false},  // Passes the screen; the loop says no.
      {&by_default, "cn-hangzhou.10.0.0.1", false, false},
      {&by_default, "", false, false},
      {&configured, "eci-node-zone-a", true, true},
      {&configured, "vk", true, true},
      {&configured, "vk-zone-b", true, true},
      {&configured, "virtual-kubelet", true, false},  // 'v' opens "vk".
      {&configured, "-zone-a", false, false},
      {&configured, "ecs-1", true, false},
      {&configured, "node-1", false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.rule->MayBeVirtualName(c.name), c.may_be) << c.name;
    EXPECT_EQ(c.rule->IsVirtualName(c.name), c.is) << c.name;
  }
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
