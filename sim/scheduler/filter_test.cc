#include "sim/scheduler/filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

kube::Node EcsNode(const std::string& name) {
  kube::Node node;
  node.metadata.name = name;
  node.metadata.labels.Set("topology.kubernetes.io/zone", "cn-hangzhou-j");
  node.allocatable = {4000, 8LL << 30};
  node.allocatable_pods = 110;
  node.ready = true;
  return node;
}

kube::Node VirtualNode() {
  kube::Node node = EcsNode("virtual-kubelet-cn-hangzhou-j");
  node.metadata.labels.Set("type", "virtual-kubelet");
  node.taints.push_back({"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"});
  node.allocatable = {1'000'000'000, 6400LL << 40};
  node.allocatable_pods = 10000;
  return node;
}

kube::Pod WebPod(int64_t cpu_milli = 500) {
  kube::Pod pod;
  pod.metadata.name = "web-1";
  pod.metadata.namespace_ = "default";
  pod.container_requests = {cpu_milli, 512LL << 20};
  return pod;
}

TEST(FilterTest, NodesAreFilteredAsKubeSchedulersDefaultPlugins) {
  kube::Pod tolerating = WebPod();
  tolerating.tolerations.push_back({"virtual-kubelet.io/provider", "Exists", "", ""});
  kube::Pod selecting = tolerating;
  selecting.node_selector.Set("type", "virtual-kubelet");
  kube::Pod named = WebPod();
  named.node_name = "other";
  kube::Pod affinity = WebPod();
  affinity.required_node_affinity.push_back({{{"topology.kubernetes.io/zone", "In", {"cn-hangzhou-k"}}}, {}});
  kube::Node cordoned = EcsNode("n1");
  cordoned.unschedulable = true;
  kube::Node preferred = EcsNode("n1");
  preferred.taints.push_back({"spot", "true", "PreferNoSchedule"});
  struct Case {
    const char* name;
    kube::Pod pod;
    kube::Node node;
    NodeUsage usage;
    std::vector<std::string> reasons;
    bool resolvable;
  };
  const Case cases[] = {
      {"fits", WebPod(), EcsNode("n1"), {}, {}, false},
      {"cpu and memory short", WebPod(), EcsNode("n1"), {{3800, 8LL << 30}, 10},
       {"Insufficient cpu", "Insufficient memory"}, true},
      {"pod count", WebPod(), EcsNode("n1"), {{0, 0}, 110}, {"Too many pods"}, true},
      {"a pod requesting nothing fits a full node", WebPod(0), EcsNode("n1"), {{4000, 0}, 3}, {}, false},
      {"untolerated taint", WebPod(), VirtualNode(), {}, {"node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}"},
       false},
      {"tolerated taint", tolerating, VirtualNode(), {}, {}, false},
      {"PreferNoSchedule does not filter", WebPod(), preferred, {}, {}, false},
      {"nodeSelector", selecting, EcsNode("n1"), {}, {"node(s) didn't match Pod's node affinity/selector"}, false},
      {"nodeSelector matches", selecting, VirtualNode(), {}, {}, false},
      {"required affinity", affinity, EcsNode("n1"), {}, {"node(s) didn't match Pod's node affinity/selector"}, false},
      {"nodeName", named, EcsNode("n1"), {}, {"node(s) didn't match the requested node name"}, false},
      {"cordoned, checked first", WebPod(), cordoned, {{4000, 0}, 0}, {"node(s) were unschedulable"}, false},
  };
  for (const Case& c : cases) {
    FilterVerdict verdict = FilterNode(c.pod, c.node, c.usage);
    EXPECT_EQ(verdict.reasons, c.reasons) << c.name;
    EXPECT_EQ(verdict.resolvable, c.resolvable) << c.name;
  }
}

TEST(FilterTest, FitErrorIsWordedAsKubeScheduler) {
  EXPECT_EQ(FitErrorMessage(12,
                            {{"Insufficient cpu", 3},
                             {"node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}", 9}},
                            ""),
            "0/12 nodes are available: 3 Insufficient cpu, 9 node(s) had untolerated taint "
            "{virtual-kubelet.io/provider: alibabacloud}.");
  // Sorted as strings, as kube-scheduler sorts them: "10 ..." before "2 ...".
  std::vector<FilterVerdict> verdicts(12, FilterVerdict{{"Insufficient cpu"}, true});
  verdicts[0] = FilterVerdict{{"node(s) were unschedulable"}, false};
  verdicts[1] = verdicts[0];
  EXPECT_EQ(FitErrorMessage(12, {{"Insufficient cpu", 10}, {"node(s) were unschedulable", 2}},
                            NoPreemptionMessage(12, verdicts)),
            "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) were unschedulable. preemption: 0/12 "
            "nodes are available: 10 No preemption victims found for incoming pod, 2 Preemption is not helpful "
            "for scheduling.");
}

TEST(FilterTest, FeasibleNodesSampledAsKubeScheduler) {
  struct Case {
    int nodes;
    int percentage;
    int want;
  };
  const Case cases[] = {{12, 0, 12},     {99, 0, 99},      {100, 0, 100},    {1000, 0, 420},
                        {5000, 0, 500},  {10000, 0, 500},  {20000, 0, 1000}, {1000, 30, 300},
                        {1000, 100, 1000}, {150, 10, 100}};
  for (const Case& c : cases) {
    EXPECT_EQ(NumFeasibleNodesToFind(c.nodes, c.percentage), c.want) << c.nodes << " " << c.percentage;
  }
}

}  // namespace
}  // namespace spillway::sim
