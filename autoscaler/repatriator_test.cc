// Repatriation against the embedded API server, through real informers and
// the real eviction API (PodDisruptionBudgets included); passes are driven
// directly with a FakeClock.
#include "autoscaler/repatriator.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/decode.h"
#include "prometheus/registry.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kVirtualNode[] = "virtual-kubelet-cn-hangzhou-j";

class RepatriatorTest : public sim::EmbeddedClusterTest {
 protected:
  void SetUp() override {
    sim::EmbeddedClusterTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(client_->Create({"", "v1", "namespaces", "", "", ""},
                                json::object{{"metadata", json::object{{"name", "shop"}}}})
                    .ok());
    Node(kVirtualNode, R"("labels": {"type": "virtual-kubelet"})",
         R"("taints": [{"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}])", "64");
  }

  void TearDown() override {
    if (informers_ != nullptr) informers_->Stop();
  }

  void Node(const std::string& name, const std::string& metadata_extra = "", const std::string& spec = "",
            const std::string& cpu = "4") {
    const std::string text = absl::StrCat(R"({"metadata": {"name": ")", name, R"(")",
                                          metadata_extra.empty() ? "" : ", ", metadata_extra, R"(}, "spec": {)", spec,
                                          "}}");
    absl::StatusOr<json::object> created = client_->Create({"", "v1", "nodes", "", "", ""}, json::parse(text).as_object());
    ASSERT_TRUE(created.ok()) << created.status() << " " << text;
    const json::object status = json::parse(absl::StrCat(
        R"({"status": {"allocatable": {"cpu": ")", cpu, R"(", "memory": "16Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}})")).as_object();
    ASSERT_TRUE(client_->Patch({"", "v1", "nodes", "", name, "status"}, kube::PatchType::kMerge, status).ok());
  }

  // A pod of ReplicaSet `owner`, bound to `node`, in phase `phase`.
  void PodOn(const std::string& name, const std::string& node, const std::string& owner = "web-1",
             const std::string& metadata_extra = R"("annotations": {"alibabacloud.com/burst-resource": "eci"})",
             const std::string& cpu = "1", const std::string& phase = "Running") {
    const std::string text = absl::StrCat(
        R"({"metadata": {"name": ")", name, R"(", "labels": {"app": ")", owner, R"("}, )", metadata_extra,
        metadata_extra.empty() ? "" : ", ",
        R"("ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": ")", owner,
        R"(", "uid": "rs-)", owner, R"(", "controller": true}]},
            "spec": {)", node.empty() ? "" : absl::StrCat(R"("nodeName": ")", node, R"(", )"),
        R"("tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists", "effect": "NoSchedule"}],
                     "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": ")",
        cpu, R"("}}}]}})");
    absl::StatusOr<json::object> created =
        client_->Create({"", "v1", "pods", "shop", "", ""}, json::parse(text).as_object());
    ASSERT_TRUE(created.ok()) << created.status() << " " << text;
    ASSERT_TRUE(client_
                    ->Patch({"", "v1", "pods", "shop", name, "status"}, kube::PatchType::kMerge,
                            json::object{{"status", json::object{{"phase", phase}}}})
                    .ok());
  }

  void Start(config::RepatriationConfig config = {}) {
    informers_ = std::make_unique<kube::ClusterInformers>(*client_, true);
    events_ = std::make_unique<kube::EventRecorder>(*client_, clock_, kube::EventRecorder::Options());
    metrics_ = std::make_unique<AutoscalerMetrics>(registry_);
    Repatriator::Options options;
    options.plan = RepatriationOptionsFrom(config);
    options.may_act = [this] { return leading_; };
    repatriator_ = std::make_unique<Repatriator>(*client_, *informers_, resolver_, rule_, *events_, clock_,
                                                 *metrics_, options);
    informers_->Start();
    for (int i = 0; i < 500 && !informers_->HasSynced(); ++i) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_TRUE(informers_->HasSynced());
  }

  // Waits until the pod cache holds `count` pods.
  void AwaitPods(size_t count) {
    for (int i = 0; i < 500 && informers_->pods().List().size() != count; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(informers_->pods().List().size(), count);
  }

  // Waits until the pod cache holds `name` Running (after PodOn).
  void AwaitRunning(const std::string& name) {
    for (int i = 0; i < 500; ++i) {
      std::shared_ptr<const kube::PodRecord> pod = informers_->pods().Get("shop/" + name);
      if (pod != nullptr && pod->phase() == "Running") return;
      absl::SleepFor(absl::Milliseconds(10));
    }
    FAIL() << name << " never Running in the cache";
  }

  void AwaitNodeReady(const std::string& name) {
    for (int i = 0; i < 500; ++i) {
      std::shared_ptr<const kube::Node> node = informers_->nodes().Get(name);
      if (node != nullptr && node->ready) return;
      absl::SleepFor(absl::Milliseconds(10));
    }
    FAIL() << name << " never Ready in the cache";
  }

  // A pass `after` the previous one.
  void PassAfter(absl::Duration after) {
    clock_.Advance(after);
    ASSERT_TRUE(repatriator_->Pass().ok());
  }

  bool Exists(const std::string& name) { return client_->Get({"", "v1", "pods", "shop", name, ""}).ok(); }

  std::string Events() {
    absl::StatusOr<json::object> list = client_->List({"", "v1", "events", "shop", "", ""}, {});
    return list.ok() ? json::serialize(*list) : "";
  }

  int EventCount(const std::string& reason) {
    absl::StatusOr<json::object> list = client_->List({"", "v1", "events", "shop", "", ""}, {});
    int count = 0;
    if (!list.ok()) return -1;
    for (const json::value& event : list->at("items").as_array()) {
      if (event.at("reason").as_string() == reason) count += static_cast<int>(event.at("count").as_int64());
    }
    return count;
  }

  double Metric(const std::string& name, const std::string& label_value = "") {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        if (!label_value.empty() && (metric.label.empty() || metric.label[0].value != label_value)) continue;
        return metric.counter.value;
      }
    }
    return -1;
  }

  FakeClock clock_;
  burst::VirtualNodeRule rule_;
  burst::IntentResolver resolver_{rule_};
  prometheus::Registry registry_;
  bool leading_ = true;
  std::unique_ptr<kube::ClusterInformers> informers_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<AutoscalerMetrics> metrics_;
  std::unique_ptr<Repatriator> repatriator_;
};

TEST_F(RepatriatorTest, MovesABurstPodHomeOnceRoomHeldAndItIsOldEnough) {
  Node("ecs-1");
  PodOn("web-a", kVirtualNode);
  Start();
  AwaitPods(1);
  PassAfter(absl::ZeroDuration());
  EXPECT_TRUE(Exists("web-a"));
  EXPECT_EQ(repatriator_->Explain("shop/web-a").reason, "too_young");
  PassAfter(absl::Seconds(119));
  EXPECT_TRUE(Exists("web-a")) << "moved before its 2m minimum age";
  PassAfter(absl::Seconds(1));
  EXPECT_FALSE(Exists("web-a"));
  EXPECT_EQ(Metric("spillway_autoscaler_repatriations_total", "moved"), 1);
  EXPECT_THAT(Events(), HasSubstr("RepatriatedToECS"));
  EXPECT_THAT(Events(), HasSubstr("ECS node ecs-1 has had room for it for 1m"));
  ASSERT_EQ(repatriator_->InFlight().size(), 1u);
  EXPECT_EQ(repatriator_->InFlight()[0].node, "ecs-1");
  EXPECT_EQ(repatriator_->Explain("shop/web-a").outcome, "moving");
  // Its replacement runs on ECS: the savings accrue.
  PodOn("web-b", "ecs-1", "web-1");
  AwaitRunning("web-b");
  PassAfter(absl::Seconds(10));
  PassAfter(absl::Seconds(10));
  EXPECT_TRUE(repatriator_->InFlight().empty());
  EXPECT_DOUBLE_EQ(Metric("spillway_autoscaler_repatriation_eci_vcpu_seconds_saved_total"), 20);
}

TEST_F(RepatriatorTest, NeverMovesWhatDidNotAskToBurstOrOptedOut) {
  Node("ecs-1");
  PodOn("only", kVirtualNode, "only-1", R"("labels": {"alibabacloud.com/eci": "true"})");
  PodOn("stay", kVirtualNode, "stay-1",
        R"("annotations": {"alibabacloud.com/burst-resource": "eci", "spillway.alibabacloud.com/repatriate": "false"})");
  PodOn("karpenter", kVirtualNode, "karpenter-1",
        R"("annotations": {"alibabacloud.com/burst-resource": "eci", "karpenter.sh/do-not-disrupt": "true"})");
  PodOn("ca", kVirtualNode, "ca-1",
        R"("annotations": {"alibabacloud.com/burst-resource": "eci",
                           "cluster-autoscaler.kubernetes.io/safe-to-evict": "false"})");
  Start();
  AwaitPods(4);
  PassAfter(absl::ZeroDuration());
  PassAfter(absl::Minutes(5));
  EXPECT_TRUE(Exists("only"));
  EXPECT_TRUE(Exists("stay"));
  EXPECT_EQ(repatriator_->Explain("shop/only").reason, "not_burst");
  EXPECT_EQ(repatriator_->Explain("shop/stay").reason, "opted_out");
  EXPECT_THAT(repatriator_->Explain("shop/karpenter").why, HasSubstr("karpenter.sh/do-not-disrupt: \"true\""));
  EXPECT_THAT(repatriator_->Explain("shop/ca").why,
              HasSubstr("cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\""));
  EXPECT_TRUE(Exists("karpenter"));
  EXPECT_TRUE(Exists("ca"));
  EXPECT_THAT(Events(), Not(HasSubstr("Repatriat")));
}

TEST_F(RepatriatorTest, APodDisruptionBudgetHoldsAndTheUserIsToldWhy) {
  Node("ecs-1");
  PodOn("web-a", kVirtualNode);
  ASSERT_TRUE(client_->Create({"policy", "v1", "poddisruptionbudgets", "shop", "", ""}, json::parse(R"({
      "metadata": {"name": "web"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web-1"}}}})")
                                                                                       .as_object())
                  .ok());
  Start();
  AwaitPods(1);
  PassAfter(absl::ZeroDuration());
  PassAfter(absl::Minutes(2));
  EXPECT_TRUE(Exists("web-a"));
  EXPECT_EQ(Metric("spillway_autoscaler_repatriations_total", "refused"), 1);
  EXPECT_THAT(Events(), HasSubstr("PodDisruptionBudget allows no disruption now"));
}

TEST_F(RepatriatorTest, RoomMustHoldForTheWindowAndTheWaitIsToldOnce) {
  PodOn("web-a", kVirtualNode);
  Start();
  AwaitPods(1);
  PassAfter(absl::ZeroDuration());
  PassAfter(absl::Minutes(3));
  EXPECT_EQ(repatriator_->Explain("shop/web-a").reason, "no_room");
  Node("ecs-new");  // A node comes up (a node autoscaler's, say).
  AwaitNodeReady("ecs-new");
  PassAfter(absl::Seconds(10));
  EXPECT_EQ(repatriator_->Explain("shop/web-a").reason, "room_unstable");
  PassAfter(absl::Seconds(10));
  EXPECT_TRUE(Exists("web-a"));
  EXPECT_EQ(EventCount("NotRepatriated"), 2) << "one Event per change of reason: no room, then unstable room";
  PassAfter(absl::Seconds(50));
  EXPECT_FALSE(Exists("web-a")) << "room held for a minute";
}

TEST_F(RepatriatorTest, APodWaitingForANodeComesFirst) {
  Node("ecs-1");
  PodOn("web-a", kVirtualNode);
  PodOn("new", "", "other-1", "", "1", "Pending");
  Start();
  AwaitPods(2);
  PassAfter(absl::ZeroDuration());
  PassAfter(absl::Minutes(3));
  EXPECT_TRUE(Exists("web-a"));
  EXPECT_EQ(repatriator_->Explain("shop/web-a").reason, "no_room");
}

TEST_F(RepatriatorTest, AWorkloadThatSendsAPodBackOutWaitsOutTheHysteresis) {
  Node("ecs-1");
  PodOn("web-a", kVirtualNode);
  PodOn("web-b", kVirtualNode);
  Start();
  AwaitPods(2);
  PassAfter(absl::ZeroDuration());
  PassAfter(absl::Minutes(2));
  ASSERT_EQ(Metric("spillway_autoscaler_repatriations_total", "moved"), 1) << "one pod per workload per pass";
  AwaitPods(1);
  // Its replacement landed on ECI again (the room was taken meanwhile).
  PodOn("web-c", kVirtualNode);
  AwaitRunning("web-c");
  PassAfter(absl::Seconds(10));
  EXPECT_EQ(Metric("spillway_autoscaler_repatriation_flaps_total"), 1);
  PassAfter(absl::Minutes(3));
  EXPECT_EQ(Metric("spillway_autoscaler_repatriations_total", "moved"), 1);
  EXPECT_EQ(repatriator_->Explain("shop/web-b").reason, "flapped");
  EXPECT_THAT(repatriator_->Explain("shop/web-b").why, HasSubstr("(no flapping)"));
}

TEST_F(RepatriatorTest, AStandbyReplicaNeverActs) {
  Node("ecs-1");
  PodOn("web-a", kVirtualNode);
  leading_ = false;
  Start();
  AwaitPods(1);
  PassAfter(absl::ZeroDuration());
  PassAfter(absl::Minutes(5));
  EXPECT_TRUE(Exists("web-a"));
}

// Issue 24.2 with 24.3: the ECS node is full; web's pod runs on ECI past the
// break-even; a placeholder shaped like it asks for a node; when a node comes
// and the placeholder runs there, its room counts as free, and the move home
// deletes the placeholder and then evicts the pod. Once the pod is gone, no
// placeholder is left.
TEST_F(RepatriatorTest, CapacityRequestsAskForANodeAndMakeWayForTheMoveHome) {
  Node("ecs-1", "", "", "1");  // kube-system, where placeholders live, exists already.
  PodOn("busy", "ecs-1", "busy-1", "");  // Fills ecs-1.
  PodOn("web-a", kVirtualNode);
  config::RepatriationConfig config;
  config::CapacityRequestConfig& capacity = *config.mutable_capacity_requests();
  config::NodeShapeConfig& shape = *capacity.add_node_shapes();
  shape.set_name("np");
  shape.set_cpu("1");
  shape.set_memory("4Gi");
  shape.set_price_per_hour(0.036);  // $0.00001/s against the pod's $0.0000125/s on ECI (1 vCPU, no memory asked).
  capacity.set_eci_vcpu_second(0.0000125);
  capacity.set_eci_gib_second(0.0000014);
  absl::StatusOr<CapacityRequestOptions> options = CapacityRequestOptionsFrom(capacity);
  ASSERT_TRUE(options.ok()) << options.status();
  // The break-even: the node's price over 90 s of provisioning and 600 s
  // unneeded, 0.00001 × 690 / (0.0000125 − 0.00001) = 2,760 s.
  const absl::Duration break_even = absl::Seconds(2760);
  informers_ = std::make_unique<kube::ClusterInformers>(*client_, true);
  events_ = std::make_unique<kube::EventRecorder>(*client_, clock_, kube::EventRecorder::Options());
  metrics_ = std::make_unique<AutoscalerMetrics>(registry_);
  Repatriator::Options repatriation;
  repatriation.capacity = *options;
  repatriator_ = std::make_unique<Repatriator>(*client_, *informers_, resolver_, rule_, *events_, clock_, *metrics_,
                                               repatriation);
  informers_->Start();
  AwaitPods(2);
  auto placeholders = [&] {
    absl::StatusOr<json::object> list =
        client_->List({"", "v1", "pods", "kube-system", "", ""},
                      kube::ListOptions{"spillway.alibabacloud.com/capacity-request=true", "", 0, ""});
    return list.ok() ? list->at("items").as_array() : json::array();
  };
  PassAfter(absl::ZeroDuration());
  PassAfter(break_even - absl::Seconds(10));
  EXPECT_TRUE(placeholders().empty()) << "not before the break-even: a short peak adds no node";
  PassAfter(absl::Seconds(20));
  ASSERT_EQ(placeholders().size(), 1u);
  const std::string name(placeholders()[0].at("metadata").at("name").as_string());
  EXPECT_EQ(Metric("spillway_autoscaler_capacity_requests_total", "created"), 1);
  PassAfter(absl::Seconds(10));
  EXPECT_EQ(placeholders().size(), 1u) << "kept, not created twice";
  EXPECT_EQ(Metric("spillway_autoscaler_capacity_requests_total", "created"), 1);
  // The node autoscaler's node comes; kube-scheduler binds the placeholder there.
  Node("np-1", "", "", "1");
  ASSERT_TRUE(client_->Bind("kube-system", name, "np-1").ok());
  AwaitNodeReady("np-1");
  for (int i = 0; i < 500 && informers_->pods().Get("kube-system/" + name)->node_name().empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  PassAfter(absl::Seconds(10));
  EXPECT_TRUE(Exists("web-a")) << "the room has not held for a minute yet";
  PassAfter(absl::Minutes(1));
  EXPECT_FALSE(Exists("web-a")) << "moved home";
  EXPECT_TRUE(placeholders().empty()) << "its placeholder made way first";
  EXPECT_EQ(Metric("spillway_autoscaler_capacity_requests_total", "deleted"), 1);
  ASSERT_EQ(repatriator_->InFlight().size(), 1u);
  EXPECT_EQ(repatriator_->InFlight()[0].node, "np-1");
}

}  // namespace
}  // namespace spillway::autoscaler
