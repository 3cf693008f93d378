// The cluster-autoscaler stand-in against the embedded API server, on a fake
// clock: a scale-up for Unschedulable pods after the provisioning delay, the
// NotTriggerScaleUp of a pod no group can hold, and the scale-down of an
// empty node after scale-down-unneeded-time.
#include "sim/nodeautoscaler/cluster_autoscaler.h"

#include <memory>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"
#include "sim/cluster/object_facts.h"
#include "sim/kubelet/kubelets.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ClusterAutoscalerTest : public EmbeddedClusterTest {
 protected:
  void SetUp() override {
    EmbeddedClusterTest::SetUp();
    reader_ = std::make_unique<LiveReader>(*client_);
    NodeGroup group;
    group.name = "np-burst";
    group.zone = "cn-hangzhou-j";
    group.cpu_milli = 4000;
    group.memory_bytes = int64_t{16} << 30;
    group.max = 3;
    NodeAutoscaling options;
    options.groups = {group};
    autoscaler_ = std::make_unique<ClusterAutoscaler>(*client_, *reader_, clock_, options);
  }

  // A pod the scheduler marked Unschedulable.
  void PendingPod(const std::string& name, const std::string& cpu, const json::object& node_selector = {}) {
    json::object spec{{"containers", json::array{json::object{
                                         {"name", "app"}, {"image", "nginx"},
                                         {"resources", json::object{{"requests", json::object{{"cpu", cpu}}}}}}}}};
    if (!node_selector.empty()) spec["nodeSelector"] = node_selector;
    json::object pod{{"apiVersion", "v1"}, {"kind", "Pod"},
                     {"metadata", json::object{{"name", name}, {"namespace", "default"}}}, {"spec", spec}};
    ASSERT_TRUE(client_->Create(PathOf("", "v1", "pods", "default"), pod).ok());
    json::object status{{"status", json::object{{"conditions", json::array{json::object{
                                                                  {"type", "PodScheduled"}, {"status", "False"},
                                                                  {"reason", "Unschedulable"}}}}}}};
    ASSERT_TRUE(client_->Patch(PathOf("", "v1", "pods", "default", name, "status"), kube::PatchType::kMerge, status).ok());
  }

  std::vector<std::string> NodePoolNodes() {
    std::vector<std::string> names;
    absl::StatusOr<std::vector<ObjectRef>> nodes = reader_->List(PathOf("", "v1", "nodes"));
    EXPECT_TRUE(nodes.ok()) << nodes.status();
    for (const ObjectRef& node : nodes.value_or(std::vector<ObjectRef>{})) {
      const json::object* labels = json_fields::ObjectAt(*node, {"metadata", "labels"});
      if (labels != nullptr && json_fields::String(*labels, kNodePoolLabel) == "np-burst") names.push_back(NameOf(*node));
    }
    return names;
  }

  // "reason object: message" of every Event.
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<ObjectRef>> events = reader_->List(PathOf("", "v1", "events"));
    EXPECT_TRUE(events.ok()) << events.status();
    for (const ObjectRef& event : events.value_or(std::vector<ObjectRef>{})) {
      out.push_back(absl::StrCat(json_fields::String(*event, "reason"), " ",
                                 json_fields::String(*json_fields::ObjectAt(*event, {"involvedObject"}), "name"), ": ",
                                 json_fields::String(*event, "message")));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void Scan(absl::Duration later) {
    clock_.Advance(later);
    absl::Status synced = autoscaler_->Sync();
    ASSERT_TRUE(synced.ok()) << synced;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<LiveReader> reader_;
  std::unique_ptr<ClusterAutoscaler> autoscaler_;
};

TEST_F(ClusterAutoscalerTest, PendingPodsGetNodesAfterTheProvisioningDelay) {
  PendingPod("web-1", "3");
  PendingPod("web-2", "3");
  PendingPod("eci-only", "1", json::object{{"type", "virtual-kubelet"}});
  Scan(absl::ZeroDuration());
  EXPECT_TRUE(NodePoolNodes().empty());  // Asked for, not there yet.
  EXPECT_THAT(Events(), ElementsAre(HasSubstr("NotTriggerScaleUp eci-only: pod didn't trigger scale-up"),
                                    "TriggeredScaleUp web-1: pod triggered scale-up: [{np-burst 0->2 (max: 3)}]",
                                    "TriggeredScaleUp web-2: pod triggered scale-up: [{np-burst 0->2 (max: 3)}]"));
  // The next scans count the two upcoming nodes: nothing more is asked for.
  Scan(absl::Seconds(10));
  Scan(absl::Seconds(70));
  EXPECT_EQ(Events().size(), 3u);
  EXPECT_TRUE(NodePoolNodes().empty());
  Scan(absl::Seconds(10));  // 90 s after the decision.
  EXPECT_THAT(NodePoolNodes(), ElementsAre("np-burst-0", "np-burst-1"));
  ASSERT_EQ(autoscaler_->lifetimes().size(), 2u);
  EXPECT_EQ(autoscaler_->lifetimes()[0].registered - autoscaler_->lifetimes()[0].asked, absl::Seconds(90));
  const json::object node = *client_->Get(PathOf("", "v1", "nodes", "", "np-burst-0"));
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(node, {"status", "allocatable"}), "cpu"), "4");
}

// A watch cache that has not seen the nodes registered since `Freeze()`.
class LaggingNodesReader : public ClusterReader {
 public:
  explicit LaggingNodesReader(ClusterReader& live) : live_(live) {}
  absl::StatusOr<std::vector<ObjectRef>> List(const kube::ResourcePath& collection) override {
    if (collection.plural == "nodes" && frozen_.has_value()) return *frozen_;
    return live_.List(collection);
  }
  void Freeze() { frozen_ = *live_.List(PathOf("", "v1", "nodes")); }

 private:
  ClusterReader& live_;
  std::optional<std::vector<ObjectRef>> frozen_;
};

// Was: the scan that registered a node read a watch cache without it, saw
// neither the node nor an upcoming one, and asked for a second node for the
// same pods (the bridge scenario got two nodes for four placeholders).
TEST_F(ClusterAutoscalerTest, ANodeRegisteredButNotCachedYetIsStillUpcoming) {
  LaggingNodesReader lagging(*reader_);
  NodeAutoscaling options;
  NodeGroup group;
  group.name = "np-burst";
  group.cpu_milli = 4000;
  group.memory_bytes = int64_t{16} << 30;
  group.max = 3;
  options.groups = {group};
  ClusterAutoscaler autoscaler(*client_, lagging, clock_, options);
  PendingPod("web-1", "3");
  ASSERT_TRUE(autoscaler.Sync().ok());
  lagging.Freeze();
  clock_.Advance(absl::Seconds(90));
  ASSERT_TRUE(autoscaler.Sync().ok());  // Registers np-burst-0; the cache does not show it.
  EXPECT_EQ(autoscaler.lifetimes().size(), 1u) << "asked for a second node for the same pod";
  EXPECT_THAT(NodePoolNodes(), ElementsAre("np-burst-0"));
}

TEST_F(ClusterAutoscalerTest, AnUnderusedNodeIsDrainedAfterTheUnneededTime) {
  PendingPod("web-1", "3");
  PendingPod("web-2", "3");
  Scan(absl::ZeroDuration());
  Scan(absl::Seconds(90));
  ASSERT_THAT(NodePoolNodes(), ElementsAre("np-burst-0", "np-burst-1"));
  // web-1 runs on np-burst-0 (75%); web-2 went elsewhere, np-burst-1 stays empty.
  ASSERT_TRUE(client_->Bind("default", "web-1", "np-burst-0").ok());
  ASSERT_TRUE(client_->Delete(PathOf("", "v1", "pods", "default", "web-2")).ok());
  Scan(absl::Seconds(10));  // np-burst-1 is unneeded from here.
  Scan(absl::Minutes(9));
  EXPECT_THAT(NodePoolNodes(), ElementsAre("np-burst-0", "np-burst-1"));
  Scan(absl::Minutes(1) + absl::Seconds(10));
  EXPECT_THAT(NodePoolNodes(), ElementsAre("np-burst-0"));
  EXPECT_THAT(Events(), ::testing::Contains("ScaleDown np-burst-1: marked the node as toBeDeleted/unschedulable"));
  EXPECT_EQ(autoscaler_->lifetimes()[1].name, "np-burst-1");
  EXPECT_NE(autoscaler_->lifetimes()[1].removed, absl::InfiniteFuture());
  EXPECT_EQ(autoscaler_->lifetimes()[0].removed, absl::InfiniteFuture());
}

}  // namespace
}  // namespace spillway::sim
