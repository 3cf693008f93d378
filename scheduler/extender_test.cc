// The burst policy as a table over a static cluster view: no HTTP, no JSON,
// every row one pod against the same candidates (extender_e2e_test keeps the
// wire protocol honest).
#include "scheduler/extender.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/cluster_view.h"

namespace spillway::scheduler {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

kube::Node RegularNode(const std::string& name) {
  kube::Node node;
  node.metadata.name = name;
  return node;
}

kube::Node VirtualNode(const std::string& name) {
  kube::Node node;
  node.metadata.name = name;
  node.metadata.labels.Set("type", "virtual-kubelet");
  node.taints.push_back({"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"});
  return node;
}

// An Arm virtual node (eci-profile enableLinuxArm64Node), labelled but
// without the kubernetes.io/arch=arm64 taint ACK adds: the label alone must keep pods off it.
kube::Node ArmVirtualNode(const std::string& name) {
  kube::Node node = VirtualNode(name);
  node.metadata.labels.Set("kubernetes.io/arch", "arm64");
  return node;
}

kube::Namespace Namespace(const std::string& name, const std::string& label = "") {
  kube::Namespace ns;
  ns.metadata.name = name;
  if (!label.empty()) ns.metadata.labels.Set(label.substr(0, label.find('=')), label.substr(label.find('=') + 1));
  return ns;
}

class ExtenderTest : public ::testing::Test {
 protected:
  ExtenderTest()
      : view_({RegularNode("ecs-1"), RegularNode("ecs-2"), VirtualNode("virtual-kubelet-cn-hangzhou-j"),
               ArmVirtualNode("virtual-kubelet-cn-hangzhou-arm")},
              {Namespace("plain"), Namespace("burst-ns", "alibabacloud.com/eci=true"),
               Namespace("legacy", "virtual-node-affinity-injection=enabled")}),
        resolver_(rule_),
        extender_(resolver_, rule_, &view_, ScoreValues()) {}

  // The names-mode request for `pod` over `candidates`.
  ExtenderArgs Args(const kube::Pod& pod, const std::vector<absl::string_view>& candidates) {
    ExtenderArgs args;
    args.pod = pod;
    args.node_names = NodeNameList::FromViews(candidates, candidates);
    return args;
  }

  struct Verdict {
    std::vector<std::string> passed;
    std::vector<std::string> failed;
    std::vector<std::string> unresolvable;
    std::vector<std::string> reasons;
  };
  Verdict Filter(const kube::Pod& pod, const std::vector<absl::string_view>& candidates) {
    ExtenderArgs args = Args(pod, candidates);
    FilterResult result = extender_.Filter(args, extender_.Resolve(args.pod), extender_.ClassifyNodes(args));
    Verdict verdict;
    for (size_t i : result.passed) verdict.passed.emplace_back(args.NodeName(i));
    for (const auto& f : result.failed) verdict.failed.emplace_back(args.NodeName(f.node));
    for (const auto& f : result.unresolvable) verdict.unresolvable.emplace_back(args.NodeName(f.node));
    verdict.reasons = result.reasons;
    return verdict;
  }

  burst::VirtualNodeRule rule_;
  StaticClusterView view_;
  burst::IntentResolver resolver_;
  Extender extender_;
};

kube::Pod MakePod(const std::string& ns, const std::vector<std::pair<std::string, std::string>>& labels = {},
                  const std::string& burst = "") {
  kube::Pod pod;
  pod.metadata.name = "web-1";
  pod.metadata.namespace_ = ns;
  for (const auto& [k, v] : labels) pod.metadata.labels.Set(k, v);
  if (!burst.empty()) pod.metadata.annotations.Set("alibabacloud.com/burst-resource", burst);
  return pod;
}

TEST_F(ExtenderTest, FilterTable) {
  const std::vector<absl::string_view> all = {"ecs-1", "ecs-2", "virtual-kubelet-cn-hangzhou-j"};
  const std::vector<absl::string_view> only_virtual = {"virtual-kubelet-cn-hangzhou-j"};
  struct Row {
    const char* name;
    kube::Pod pod;
    std::vector<absl::string_view> candidates;
    std::vector<std::string> passed;
    std::vector<std::string> failed;
    std::vector<std::string> unresolvable;
    const char* reason;  // A substring of some reason, or "".
  };
  const Row rows[] = {
      {"nothing asked", MakePod("plain"), all, {"ecs-1", "ecs-2"}, {}, {"virtual-kubelet-cn-hangzhou-j"}, "no ECI request"},
      {"ecs", MakePod("plain", {}, "ecs"), all, {"ecs-1", "ecs-2"}, {}, {"virtual-kubelet-cn-hangzhou-j"}, ""},
      {"burst, regular first", MakePod("plain", {}, "eci"), all, {"ecs-1", "ecs-2"}, {"virtual-kubelet-cn-hangzhou-j"}, {}, ""},
      {"burst, regular full", MakePod("plain", {}, "eci"), only_virtual, {"virtual-kubelet-cn-hangzhou-j"}, {}, {}, ""},
      {"eci label", MakePod("plain", {{"alibabacloud.com/eci", "true"}}), all, {"virtual-kubelet-cn-hangzhou-j"}, {}, {"ecs-1", "ecs-2"}, "alibabacloud.com/eci=true"},
      {"legacy eci label", MakePod("plain", {{"eci", "true"}}), all, {"virtual-kubelet-cn-hangzhou-j"}, {}, {"ecs-1", "ecs-2"}, ""},
      {"eci_only", MakePod("plain", {}, "eci_only"), all, {"virtual-kubelet-cn-hangzhou-j"}, {}, {"ecs-1", "ecs-2"}, ""},
      {"namespace label", MakePod("burst-ns"), all, {"virtual-kubelet-cn-hangzhou-j"}, {}, {"ecs-1", "ecs-2"}, "namespace burst-ns"},
      {"legacy namespace label", MakePod("legacy"), all, {"virtual-kubelet-cn-hangzhou-j"}, {}, {"ecs-1", "ecs-2"}, ""},
      {"invalid", MakePod("plain", {}, "eci_first"), all, {}, {}, {"ecs-1", "ecs-2", "virtual-kubelet-cn-hangzhou-j"}, "eci, eci_only or ecs"},
      {"ecs with eci label", MakePod("plain", {{"alibabacloud.com/eci", "true"}}, "ecs"), all, {}, {}, {"ecs-1", "ecs-2", "virtual-kubelet-cn-hangzhou-j"}, ""},
  };
  for (const Row& row : rows) {
    Verdict verdict = Filter(row.pod, row.candidates);
    EXPECT_EQ(verdict.passed, row.passed) << row.name;
    EXPECT_EQ(verdict.failed, row.failed) << row.name;
    EXPECT_EQ(verdict.unresolvable, row.unresolvable) << row.name;
    if (row.reason[0] != '\0') {
      std::string all_reasons;
      for (const std::string& r : verdict.reasons) all_reasons += r + "\n";
      EXPECT_THAT(all_reasons, HasSubstr(row.reason)) << row.name;
    }
  }
}

TEST_F(ExtenderTest, APodEciCannotRunFailsVirtualNodesNamingTheOffender) {
  kube::Pod pod = MakePod("plain", {{"alibabacloud.com/eci", "true"}});
  pod.volumes.push_back({"logs", true, "/var/log"});
  Verdict verdict = Filter(pod, {"ecs-1", "virtual-kubelet-cn-hangzhou-j"});
  EXPECT_THAT(verdict.passed, ElementsAre());
  EXPECT_THAT(verdict.unresolvable, ElementsAre("ecs-1", "virtual-kubelet-cn-hangzhou-j"));
  std::string reasons;
  for (const std::string& r : verdict.reasons) reasons += r;
  EXPECT_THAT(reasons, HasSubstr("'logs'"));
}

// Issue 22.2: pods sent to ECI by any method run on x86 virtual nodes; an Arm
// virtual node used to pass the filter for an alibabacloud.com/eci=true pod
// with score 10. A pod that names an architecture itself keeps its choice.
TEST_F(ExtenderTest, ArmVirtualNodesAreForPodsThatChooseThem) {
  const std::vector<absl::string_view> virtual_only = {"virtual-kubelet-cn-hangzhou-j",
                                                       "virtual-kubelet-cn-hangzhou-arm"};
  kube::Pod arm_pod = MakePod("plain", {{"alibabacloud.com/eci", "true"}});
  arm_pod.node_selector.Set("kubernetes.io/arch", "arm64");
  kube::Pod multi_arch = MakePod("plain", {}, "eci");
  kube::NodeSelectorTerm prefers_arm;
  prefers_arm.match_expressions.push_back({"kubernetes.io/arch", "In", {"arm64"}});
  multi_arch.preferred_node_affinity.push_back(prefers_arm);
  struct Row {
    const char* name;
    kube::Pod pod;
    std::vector<std::string> passed;
    std::vector<std::string> unresolvable;
    std::vector<int64_t> scores;
  };
  const Row rows[] = {
      {"pod label", MakePod("plain", {{"alibabacloud.com/eci", "true"}}), {"virtual-kubelet-cn-hangzhou-j"},
       {"virtual-kubelet-cn-hangzhou-arm"}, {10, 0}},
      {"namespace label", MakePod("burst-ns"), {"virtual-kubelet-cn-hangzhou-j"},
       {"virtual-kubelet-cn-hangzhou-arm"}, {10, 0}},
      {"burst-resource eci, regular nodes full", MakePod("plain", {}, "eci"), {"virtual-kubelet-cn-hangzhou-j"},
       {"virtual-kubelet-cn-hangzhou-arm"}, {1, 0}},
      {"burst-resource eci_only", MakePod("plain", {}, "eci_only"), {"virtual-kubelet-cn-hangzhou-j"},
       {"virtual-kubelet-cn-hangzhou-arm"}, {10, 0}},
      // kube-scheduler's own NodeAffinity filter drops the x86 node before asking.
      {"asks for arm64 itself", arm_pod, {"virtual-kubelet-cn-hangzhou-j", "virtual-kubelet-cn-hangzhou-arm"}, {},
       {10, 10}},
      {"multi-arch image preferring Arm", multi_arch,
       {"virtual-kubelet-cn-hangzhou-j", "virtual-kubelet-cn-hangzhou-arm"}, {}, {1, 1}},
  };
  for (const Row& row : rows) {
    Verdict verdict = Filter(row.pod, virtual_only);
    EXPECT_EQ(verdict.passed, row.passed) << row.name;
    EXPECT_THAT(verdict.failed, ElementsAre()) << row.name;
    EXPECT_EQ(verdict.unresolvable, row.unresolvable) << row.name;
    if (!row.unresolvable.empty()) {
      EXPECT_THAT(verdict.reasons,
                  Contains("virtual node: its architecture is arm64; pods sent to ECI run on x86 (amd64) virtual "
                              "nodes unless they choose an architecture (e.g. nodeSelector kubernetes.io/arch: arm64)"))
          << row.name;
    }
    ExtenderArgs args = Args(row.pod, virtual_only);
    EXPECT_EQ(extender_.Prioritize(args, extender_.Resolve(args.pod), extender_.ClassifyNodes(args)), row.scores)
        << row.name;
  }

  PreemptionArgs preempt;
  preempt.node_victims = {{"virtual-kubelet-cn-hangzhou-j", Victims{{"u-1"}, 0}},
                          {"virtual-kubelet-cn-hangzhou-arm", Victims{{"u-2"}, 0}}};
  for (const auto& [pod, want] : std::vector<std::pair<kube::Pod, size_t>>{
           {MakePod("plain", {{"alibabacloud.com/eci", "true"}}), 1}, {arm_pod, 2}}) {
    preempt.pod = pod;
    EXPECT_EQ(extender_.Preempt(preempt, extender_.Resolve(pod)).kept.size(), want);
  }
}

TEST_F(ExtenderTest, PrioritizeTable) {
  const std::vector<absl::string_view> all = {"ecs-1", "virtual-kubelet-cn-hangzhou-j"};
  struct Row {
    const char* name;
    kube::Pod pod;
    std::vector<int64_t> scores;
  };
  const Row rows[] = {
      {"burst", MakePod("plain", {}, "eci"), {10, 1}},
      {"eci only", MakePod("plain", {{"alibabacloud.com/eci", "true"}}), {0, 10}},
  };
  for (const Row& row : rows) {
    ExtenderArgs args = Args(row.pod, all);
    EXPECT_EQ(extender_.Prioritize(args, extender_.Resolve(args.pod), extender_.ClassifyNodes(args)), row.scores)
        << row.name;
  }
}

TEST_F(ExtenderTest, PreemptKeepsOnlyNodesThePodMayUse) {
  PreemptionArgs args;
  args.node_victims = {{"ecs-1", Victims{{"u-1"}, 0}}, {"virtual-kubelet-cn-hangzhou-j", Victims{{"u-2"}, 0}}};
  struct Row {
    const char* name;
    kube::Pod pod;
    std::vector<std::string> kept;
  };
  const Row rows[] = {
      {"nothing asked", MakePod("plain"), {"ecs-1"}},
      {"eci only", MakePod("plain", {{"alibabacloud.com/eci", "true"}}), {"virtual-kubelet-cn-hangzhou-j"}},
      {"invalid", MakePod("plain", {}, "eci_first"), {}},
  };
  for (const Row& row : rows) {
    args.pod = row.pod;
    PreemptionResult result = extender_.Preempt(args, extender_.Resolve(args.pod));
    std::vector<std::string> kept;
    for (const auto* entry : result.kept) kept.push_back(entry->first);
    EXPECT_EQ(kept, row.kept) << row.name;
  }
}

}  // namespace
}  // namespace spillway::scheduler
