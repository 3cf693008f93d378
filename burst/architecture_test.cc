#include "burst/architecture.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

kube::Node NodeLabelled(std::vector<std::pair<std::string, std::string>> labels, std::vector<kube::Taint> taints = {}) {
  kube::Node node;
  node.metadata.name = "virtual-kubelet-cn-hangzhou-j";
  node.metadata.labels.Set("type", "virtual-kubelet");
  for (const auto& [key, value] : labels) node.metadata.labels.Set(key, value);
  node.taints = std::move(taints);
  return node;
}

kube::NodeSelectorTerm ArchTerm(std::string op, std::vector<std::string> values) {
  kube::NodeSelectorTerm term;
  term.match_expressions.push_back({"type", "In", {"virtual-kubelet"}});
  term.match_expressions.push_back({"kubernetes.io/arch", std::move(op), std::move(values)});
  return term;
}

TEST(ArchitectureTest, NodeArchitectureReadsTheLabelTheBetaLabelThenTheTaint) {
  struct Row {
    std::string name;
    kube::Node node;
    std::string want;
  };
  const kube::Taint arm_taint{"kubernetes.io/arch", "arm64", "NoSchedule"};
  for (const Row& row : std::vector<Row>{
           {"nothing says: x86", NodeLabelled({}), "amd64"},
           {"label", NodeLabelled({{"kubernetes.io/arch", "arm64"}}), "arm64"},
           {"beta label", NodeLabelled({{"beta.kubernetes.io/arch", "arm64"}}), "arm64"},
           {"label before beta", NodeLabelled({{"kubernetes.io/arch", "amd64"}, {"beta.kubernetes.io/arch", "arm64"}}),
            "amd64"},
           {"taint only", NodeLabelled({}, {arm_taint}), "arm64"},
       }) {
    EXPECT_EQ(NodeArchitecture(row.node), row.want) << row.name;
  }
}

TEST(ArchitectureTest, OnlyAPodThatNamesAnArchitectureChoosesOne) {
  struct Row {
    std::string name;
    kube::Pod pod;
    bool chooses;
  };
  std::vector<Row> rows(7);
  rows[0] = {"nothing", {}, false};
  rows[1].name = "nodeSelector";
  rows[1].pod.node_selector.Set("kubernetes.io/arch", "arm64");
  rows[1].chooses = true;
  rows[2].name = "beta nodeSelector";
  rows[2].pod.node_selector.Set("beta.kubernetes.io/arch", "arm64");
  rows[2].chooses = true;
  rows[3] = {"required affinity", {}, true};
  rows[3].pod.required_node_affinity.push_back(ArchTerm("In", {"arm64", "amd64"}));
  rows[4] = {"preferred affinity (a multi-arch image preferring Arm)", {}, true};
  rows[4].pod.preferred_node_affinity.push_back(ArchTerm("In", {"arm64"}));
  rows[5] = {"toleration of the Arm taint", {}, true};
  rows[5].pod.tolerations.push_back({"kubernetes.io/arch", "Equal", "arm64", "NoSchedule"});
  rows[6] = {"only the virtual-node selector and toleration", {}, false};
  rows[6].pod.node_selector.Set("type", "virtual-kubelet");
  rows[6].pod.tolerations.push_back({"virtual-kubelet.io/provider", "Exists", "", "NoSchedule"});
  for (const Row& row : rows) EXPECT_EQ(ChoosesArchitecture(row.pod), row.chooses) << row.name;
}

TEST(ArchitectureTest, AnArmVirtualNodeIsForPodsThatChooseIt) {
  const kube::Node arm = NodeLabelled({{"kubernetes.io/arch", "arm64"}});
  const kube::Node x86 = NodeLabelled({{"kubernetes.io/arch", "amd64"}});
  kube::Pod pod;
  pod.metadata.labels.Set("alibabacloud.com/eci", "true");
  EXPECT_EQ(ArchitectureMismatch(pod, x86), std::nullopt);
  EXPECT_EQ(ArchitectureMismatch(pod, arm),
            "virtual node: its architecture is arm64; pods sent to ECI run on x86 (amd64) virtual nodes unless "
            "they choose an architecture (e.g. nodeSelector kubernetes.io/arch: arm64)");
  pod.node_selector.Set("kubernetes.io/arch", "arm64");
  EXPECT_EQ(ArchitectureMismatch(pod, arm), std::nullopt);
}

TEST(ArchitectureTest, RequiredArchitectureAndItsToleration) {
  kube::Pod pod;
  EXPECT_EQ(RequiredArchitecture(pod), std::nullopt);
  EXPECT_EQ(MissingArchitectureToleration(pod), std::nullopt);

  pod.required_node_affinity = {ArchTerm("In", {"arm64"}), ArchTerm("In", {"arm64"})};
  EXPECT_EQ(RequiredArchitecture(pod), "arm64");
  pod.required_node_affinity.push_back(ArchTerm("In", {"amd64"}));  // Terms are ORed: either.
  EXPECT_EQ(RequiredArchitecture(pod), std::nullopt);
  pod.required_node_affinity = {ArchTerm("In", {"arm64", "amd64"})};
  EXPECT_EQ(RequiredArchitecture(pod), std::nullopt);

  pod.required_node_affinity.clear();
  pod.node_selector.Set("kubernetes.io/arch", "amd64");
  EXPECT_EQ(RequiredArchitecture(pod), "amd64");
  EXPECT_EQ(MissingArchitectureToleration(pod), std::nullopt);  // x86 virtual nodes have no such taint.

  pod.node_selector = kube::StringMap();
  pod.node_selector.Set("kubernetes.io/arch", "arm64");
  std::optional<kube::Toleration> toleration = MissingArchitectureToleration(pod);
  ASSERT_TRUE(toleration.has_value());
  EXPECT_EQ(toleration->key, "kubernetes.io/arch");
  EXPECT_EQ(toleration->operator_, "Equal");
  EXPECT_EQ(toleration->value, "arm64");
  EXPECT_EQ(toleration->effect, "NoSchedule");
  pod.tolerations.push_back({"kubernetes.io/arch", "Exists", "", ""});
  EXPECT_EQ(MissingArchitectureToleration(pod), std::nullopt);
}

}  // namespace
}  // namespace spillway::burst
