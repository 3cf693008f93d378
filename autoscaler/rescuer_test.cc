// The rescue and deletion-cost controllers against the embedded API server,
// through real informers; Reconcile is driven directly with a FakeClock.
#include "autoscaler/rescuer.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "autoscaler/deletion_cost.h"
#include "burst/eci_profile.h"
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

constexpr char kShortage[] =
    "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint "
    "{virtual-kubelet.io/provider: alibabacloud}. preemption: 0/3 nodes are available.";

// When PendingPod's pods became Unschedulable (PodScheduled's lastTransitionTime).
constexpr char kUnschedulableSince[] = "2026-11-22T08:00:00Z";

class RescuerTest : public sim::EmbeddedClusterTest {
 protected:
  void SetUp() override {
    sim::EmbeddedClusterTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* ns : {"shop", "quiet"}) {
      ASSERT_TRUE(client_->Create({"", "v1", "namespaces", "", "", ""},
                                  json::object{{"metadata", json::object{{"name", ns}}}})
                      .ok());
    }
    ASSERT_TRUE(client_->Patch({"", "v1", "namespaces", "", "quiet", ""}, kube::PatchType::kMerge,
                               json::parse(R"({"metadata":{"labels":{"spillway.alibabacloud.com/rescue":"disabled"}}})"))
                    .ok());
    ASSERT_TRUE(client_->Create({"", "v1", "nodes", "", "", ""}, json::parse(R"({
        "metadata": {"name": "virtual-kubelet-cn-hangzhou-j", "labels": {"type": "virtual-kubelet"}},
        "spec": {"taints": [{"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}]}})")
                                                                  .as_object())
                    .ok());
    ASSERT_TRUE(client_->Create({"", "v1", "nodes", "", "", ""},
                                json::parse(R"({"metadata": {"name": "ecs-1"}})").as_object())
                    .ok());
  }

  // Handlers call into the rescuer: stop the informers before it goes.
  void TearDown() override {
    if (informers_ != nullptr) informers_->Stop();
  }

  // Creates a pod and marks it as kube-scheduler does when it cannot place it.
  void PendingPod(const std::string& ns, const std::string& name, const std::string& spec_extra = "",
                  const std::string& metadata_extra = "", const std::string& message = kShortage) {
    const std::string text = absl::StrCat(
        R"({"metadata": {"name": ")", name, R"(")", metadata_extra,
        R"(, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs-1", "controller": true}]},
            "spec": {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "2"}}}])",
        spec_extra, "}}");
    absl::StatusOr<json::object> created =
        client_->Create({"", "v1", "pods", ns, "", ""}, json::parse(text).as_object());
    ASSERT_TRUE(created.ok()) << created.status() << " " << text;
    json::object status{{"status", json::object{{"phase", "Pending"},
                                                {"conditions", json::array{json::object{
                                                                   {"type", "PodScheduled"},
                                                                   {"status", "False"},
                                                                   {"reason", "Unschedulable"},
                                                                   {"message", message},
                                                                   {"lastTransitionTime", kUnschedulableSince}}}}}}};
    ASSERT_TRUE(client_->Patch({"", "v1", "pods", ns, name, "status"}, kube::PatchType::kMerge, status).ok());
  }

  // Sets the fake clock to `elapsed` after PendingPod's pods became Unschedulable.
  void SetClockAfterUnschedulable(absl::Duration elapsed) {
    absl::Time since;
    std::string error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, kUnschedulableSince, &since, &error)) << error;
    clock_.Advance(since + elapsed - clock_.Now());
  }

  void StartRescuer(config::RescueConfig config = {}, const burst::EciQuota* quota = nullptr,
                    const burst::EciProfileStore* eci_profile = nullptr) {
    informers_ = std::make_unique<kube::ClusterInformers>(*client_, true);
    events_ = std::make_unique<kube::EventRecorder>(*client_, clock_, kube::EventRecorder::Options());
    metrics_ = std::make_unique<AutoscalerMetrics>(registry_);
    Rescuer::Options options;
    options.config = config;
    options.may_act = [this] { return leading_; };
    options.quota = quota;
    options.eci_profile = eci_profile;
    rescuer_ = std::make_unique<Rescuer>(*client_, *informers_, resolver_, rule_, *events_, clock_,
                                         *metrics_, options);
    cost_ = std::make_unique<DeletionCost>(*client_, *informers_, rule_, clock_, *metrics_,
                                           DeletionCost::Options());
    informers_->Start();
    for (int i = 0; i < 500 && !informers_->HasSynced(); ++i) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_TRUE(informers_->HasSynced());
  }

  // Waits until the pod cache reflects the server (after a write).
  void AwaitCached(const std::string& key, const std::function<bool(const kube::PodRecord&)>& ready) {
    for (int i = 0; i < 500; ++i) {
      std::shared_ptr<const kube::PodRecord> pod = informers_->pods().Get(key);
      if (pod != nullptr && ready(*pod)) return;
      absl::SleepFor(absl::Milliseconds(10));
    }
    FAIL() << key << " never reached the expected state in the cache";
  }

  json::object Pod(const std::string& ns, const std::string& name) {
    absl::StatusOr<json::object> pod = client_->Get({"", "v1", "pods", ns, name, ""});
    EXPECT_TRUE(pod.ok()) << pod.status();
    return pod.ok() ? *pod : json::object();
  }

  std::string Annotation(const json::object& pod, const char* key) {
    const json::value* annotations = pod.at("metadata").as_object().if_contains("annotations");
    const json::value* v = annotations != nullptr ? annotations->as_object().if_contains(key) : nullptr;
    return v != nullptr ? std::string(v->as_string()) : "";
  }

  std::string Events(const std::string& ns) {
    absl::StatusOr<json::object> list = client_->List({"", "v1", "events", ns, "", ""}, {});
    return list.ok() ? json::serialize(*list) : "";
  }

  FakeClock clock_;
  burst::VirtualNodeRule rule_;
  burst::IntentResolver resolver_{rule_};
  prometheus::Registry registry_;
  bool leading_ = true;
  std::unique_ptr<kube::ClusterInformers> informers_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<AutoscalerMetrics> metrics_;
  std::unique_ptr<Rescuer> rescuer_;
  std::unique_ptr<DeletionCost> cost_;
};

// Issue 24.5: ACK's virtual-kubelet-autoscaler add-on does the rescue's job.
// With its Deployment present, Spillway's rescue stands down, says so once
// on that Deployment and in explain, and patches nothing.
TEST_F(RescuerTest, StandsDownBesideAnotherRescuer) {
  ASSERT_TRUE(client_->Create({"apps", "v1", "deployments", "kube-system", "", ""}, json::parse(R"({
      "metadata": {"name": "ack-virtual-kubelet-autoscaler"},
      "spec": {"selector": {"matchLabels": {"app": "vka"}},
               "template": {"metadata": {"labels": {"app": "vka"}},
                            "spec": {"containers": [{"name": "a", "image": "autoscaler"}]}}}})")
                                                                                          .as_object())
                  .ok());
  PendingPod("shop", "web-1");
  PendingPod("shop", "web-2");
  StartRescuer();
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-2").ok());
  EXPECT_EQ(Annotation(Pod("shop", "web-1"), "alibabacloud.com/burst-resource"), "");
  EXPECT_EQ(Annotation(Pod("shop", "web-2"), "alibabacloud.com/burst-resource"), "");
  absl::StatusOr<json::object> events = client_->List({"", "v1", "events", "kube-system", "", ""}, {});
  ASSERT_TRUE(events.ok());
  int told = 0;
  for (const json::value& event : events->at("items").as_array()) {
    if (event.at("reason").as_string() == "OtherController") {
      ++told;
      EXPECT_THAT(std::string(event.at("message").as_string()), HasSubstr("autoscaler.rescue.enabled: false"));
      EXPECT_EQ(event.at("involvedObject").at("name").as_string(), "ack-virtual-kubelet-autoscaler");
    }
  }
  EXPECT_EQ(told, 1) << "one Event, not one per pod";
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(json::serialize(Pod("shop", "web-1")));
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(rescuer_->Explain(*pod).outcome, "other_controller");
}

TEST_F(RescuerTest, HandsAPodShortOfResourcesToEci) {
  PendingPod("shop", "web-1");
  StartRescuer();
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  json::object pod = Pod("shop", "web-1");
  EXPECT_EQ(Annotation(pod, "alibabacloud.com/burst-resource"), "eci");
  EXPECT_FALSE(Annotation(pod, kRescuedAnnotation).empty());
  const json::array& tolerations = pod.at("spec").at("tolerations").as_array();
  ASSERT_EQ(tolerations.size(), 1u);
  EXPECT_EQ(tolerations[0].at("key").as_string(), "virtual-kubelet.io/provider");
  EXPECT_EQ(tolerations[0].at("operator").as_string(), "Exists");
  const std::string events = Events("shop");
  EXPECT_THAT(events, HasSubstr("RescuedToECI"));
  EXPECT_THAT(events, HasSubstr("2 Insufficient cpu"));

  // Never twice, even if it is still (or again) unschedulable.
  AwaitCached("shop/web-1", [](const kube::PodRecord& p) {
    return p.annotations().Find(kRescuedAnnotation).has_value();
  });
  const std::string version(pod.at("metadata").at("resourceVersion").as_string());
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  EXPECT_EQ(Pod("shop", "web-1").at("metadata").at("resourceVersion").as_string(), version);
}

// Issue 19.7: an effect-only selector applies to "every pod scheduled to
// ECI" — a rescued pod too, not only those the webhook saw — and never
// overwrites what the pod has.
TEST_F(RescuerTest, ARescuedPodGetsTheCatchAllEciEffect) {
  kube::StringMap data;
  data.Set("selectors", R"([{"name": "every-eci-pod", "effect": {
      "annotations": {"k8s.aliyun.com/eci-ntp-server": "10.0.0.1", "k8s.aliyun.com/eci-image-cache": "true"},
      "labels": {"created-by-eci": "true"}}}])");
  absl::StatusOr<burst::EciProfile> profile = burst::ParseEciProfile(data);
  ASSERT_TRUE(profile.ok()) << profile.status();
  burst::EciProfileStore store;
  store.Set(std::make_shared<const burst::EciProfile>(*profile));
  PendingPod("shop", "web-1", "", R"(, "annotations": {"k8s.aliyun.com/eci-image-cache": "false"})");
  StartRescuer({}, nullptr, &store);
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  json::object pod = Pod("shop", "web-1");
  EXPECT_EQ(Annotation(pod, "alibabacloud.com/burst-resource"), "eci");
  EXPECT_EQ(Annotation(pod, "k8s.aliyun.com/eci-ntp-server"), "10.0.0.1");
  EXPECT_EQ(Annotation(pod, "k8s.aliyun.com/eci-image-cache"), "false") << "never overwritten";
  EXPECT_EQ(pod.at("metadata").at("labels").at("created-by-eci").as_string(), "true");
}

// The webhook did not run (failurePolicy Ignore, down, pod older than
// Spillway): an ECI-only pod without the toleration is never offered a
// virtual node. It gets the toleration, once, and nothing else.
TEST_F(RescuerTest, AnEciOnlyPodWithoutTheTolerationIsGivenItOnce) {
  PendingPod("shop", "eci-1", "", R"(, "labels": {"alibabacloud.com/eci": "true"})",
             "0/1 nodes are available: 1 node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}.");
  StartRescuer();
  ASSERT_TRUE(rescuer_->Reconcile("shop/eci-1").ok());
  json::object pod = Pod("shop", "eci-1");
  const json::array& tolerations = pod.at("spec").at("tolerations").as_array();
  ASSERT_EQ(tolerations.size(), 1u);
  EXPECT_EQ(tolerations[0].at("key").as_string(), "virtual-kubelet.io/provider");
  EXPECT_EQ(Annotation(pod, "alibabacloud.com/burst-resource"), "") << "ECI-only stays ECI-only";
  EXPECT_FALSE(Annotation(pod, kRescuedAnnotation).empty());
  EXPECT_THAT(Events("shop"), HasSubstr("asked for ECI only"));
  AwaitCached("shop/eci-1", [](const kube::PodRecord& p) {
    return p.annotations().Find(kRescuedAnnotation).has_value();
  });
  const std::string version(pod.at("metadata").at("resourceVersion").as_string());
  ASSERT_TRUE(rescuer_->Reconcile("shop/eci-1").ok());
  EXPECT_EQ(Pod("shop", "eci-1").at("metadata").at("resourceVersion").as_string(), version);
}

TEST_F(RescuerTest, ExistingTolerationsAndAnnotationsAreKept) {
  PendingPod("shop", "web-2",
             R"(, "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}])",
             R"(, "annotations": {"team": "shop"})");
  StartRescuer();
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-2").ok());
  json::object pod = Pod("shop", "web-2");
  EXPECT_EQ(pod.at("spec").at("tolerations").as_array().size(), 2u);
  EXPECT_EQ(Annotation(pod, "team"), "shop");
  EXPECT_EQ(Annotation(pod, "alibabacloud.com/burst-resource"), "eci");
}

TEST_F(RescuerTest, LeavesAloneWhatItMustNotTouch) {
  PendingPod("shop", "affinity", "", "", "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
  PendingPod("shop", "ecs-only", "", R"(, "annotations": {"alibabacloud.com/burst-resource": "ecs"})");
  PendingPod("shop", "ssd-only", R"(, "nodeSelector": {"disktype": "ssd"})");
  PendingPod("shop", "host-path", R"(, "volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}])");
  PendingPod("quiet", "opted-out");
  PendingPod("kube-system", "system");
  StartRescuer();
  for (const char* key : {"shop/affinity", "shop/ecs-only", "shop/ssd-only", "shop/host-path",
                          "quiet/opted-out", "kube-system/system"}) {
    ASSERT_TRUE(rescuer_->Reconcile(key).ok()) << key;
    const std::string ns(absl::string_view(key).substr(0, absl::string_view(key).find('/')));
    const std::string name(absl::string_view(key).substr(absl::string_view(key).find('/') + 1));
    EXPECT_EQ(Annotation(Pod(ns, name), kRescuedAnnotation), "") << key;
  }
  // The user learns why a pod that looked like a candidate was not moved.
  EXPECT_THAT(Events("shop"), HasSubstr("hostPath volume 'logs'"));
  const std::string metrics = [&] {
    std::string all;
    for (const auto& family : registry_.Collect()) {
      for (const auto& metric : family.metric) {
        for (const auto& label : metric.label) absl::StrAppend(&all, label.value, "=", metric.counter.value, " ");
      }
    }
    return all;
  }();
  EXPECT_THAT(metrics, HasSubstr("not_virtual_resolvable=1"));
  EXPECT_THAT(metrics, HasSubstr("asked_for_ecs=1"));
  EXPECT_THAT(metrics, HasSubstr("selector_mismatch=1"));
  EXPECT_THAT(metrics, HasSubstr("eci_cannot_run=1"));
  EXPECT_THAT(metrics, HasSubstr("out_of_scope=2"));
}

// Issue 22.2: pods go to x86 virtual nodes unless they choose; when the only
// virtual node is an Arm one, a pod that chose nothing is not rescued onto
// it (the extender would refuse it there), and one that asks for arm64 is.
TEST_F(RescuerTest, OnlyAPodThatChoosesArmIsRescuedWhenTheOnlyVirtualNodeIsArm) {
  ASSERT_TRUE(client_
                  ->Patch({"", "v1", "nodes", "", "virtual-kubelet-cn-hangzhou-j", ""}, kube::PatchType::kMerge,
                          json::parse(R"({"metadata":{"labels":{"kubernetes.io/arch":"arm64"}}})"))
                  .ok());
  PendingPod("shop", "x86");
  PendingPod("shop", "arm", R"(, "nodeSelector": {"kubernetes.io/arch": "arm64"})");
  StartRescuer();
  SetClockAfterUnschedulable(absl::Minutes(10));
  ASSERT_TRUE(rescuer_->Reconcile("shop/x86").ok());
  ASSERT_TRUE(rescuer_->Reconcile("shop/arm").ok());
  EXPECT_EQ(Annotation(Pod("shop", "x86"), kRescuedAnnotation), "");
  json::object arm = Pod("shop", "arm");
  EXPECT_NE(Annotation(arm, kRescuedAnnotation), "");
  EXPECT_THAT(json::serialize(arm.at("spec").at("tolerations")),
              HasSubstr(R"({"key":"kubernetes.io/arch","operator":"Equal","value":"arm64","effect":"NoSchedule"})"));
  EXPECT_THAT(Events("shop"), HasSubstr("the only ones are not x86 and the pod chooses no architecture"));
}

TEST_F(RescuerTest, OptInScopeTakesOnlyLabelledPods) {
  PendingPod("shop", "plain");
  PendingPod("shop", "opted-in", "", R"(, "labels": {"spillway.alibabacloud.com/rescue": "enabled"})");
  config::RescueConfig config;
  config.set_scope("opt-in");
  StartRescuer(config);
  ASSERT_TRUE(rescuer_->Reconcile("shop/plain").ok());
  ASSERT_TRUE(rescuer_->Reconcile("shop/opted-in").ok());
  EXPECT_EQ(Annotation(Pod("shop", "plain"), kRescuedAnnotation), "");
  EXPECT_NE(Annotation(Pod("shop", "opted-in"), kRescuedAnnotation), "");
}

TEST_F(RescuerTest, AGracePeriodWaitsForTheNodePoolFirst) {
  PendingPod("shop", "web-1");
  config::RescueConfig config;
  config.set_grace_seconds(60);
  SetClockAfterUnschedulable(absl::Seconds(30));
  StartRescuer(config);
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  EXPECT_EQ(Annotation(Pod("shop", "web-1"), kRescuedAnnotation), "");
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  EXPECT_NE(Annotation(Pod("shop", "web-1"), kRescuedAnnotation), "");
}

// Explain (the admin API's question) gives Reconcile's verdict and writes
// nothing: no annotation, no Event.
TEST_F(RescuerTest, ExplainSaysWhatReconcileWouldDoWithoutWriting) {
  PendingPod("shop", "web-1");
  PendingPod("shop", "affinity", "", "", "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
  PendingPod("shop", "ecs-only", "", R"(, "annotations": {"alibabacloud.com/burst-resource": "ecs"})");
  PendingPod("quiet", "opted-out");
  ASSERT_TRUE(client_->Create({"", "v1", "pods", "shop", "", ""},
                              json::parse(R"({"metadata": {"name": "bound"}, "spec": {"nodeName": "ecs-1",
                                  "containers": [{"name": "app", "image": "nginx"}]}})")
                                  .as_object())
                  .ok());
  config::RescueConfig config;
  config.set_grace_seconds(60);
  SetClockAfterUnschedulable(absl::Seconds(30));
  StartRescuer(config);
  auto explain = [&](const std::string& ns, const std::string& name) {
    absl::StatusOr<std::string> text = client_->CallRaw("GET", kube::ResourcePath{"", "v1", "pods", ns, name, ""}.Url(), "");
    EXPECT_TRUE(text.ok()) << text.status();
    absl::StatusOr<kube::Pod> pod = kube::ParsePod(text.ok() ? *text : "{}");
    EXPECT_TRUE(pod.ok()) << pod.status();
    return pod.ok() ? rescuer_->Explain(*pod) : RescueVerdict{};
  };
  EXPECT_EQ(explain("shop", "web-1").outcome, "waiting");
  EXPECT_EQ(explain("shop", "web-1").why, "within the grace period (rescue.graceSeconds) until 2026-11-22T08:01:00Z; then rescued");
  EXPECT_EQ(explain("shop", "affinity").outcome, "not_virtual_resolvable");
  EXPECT_EQ(explain("shop", "ecs-only").outcome, "asked_for_ecs");
  EXPECT_EQ(explain("quiet", "opted-out").outcome, "out_of_scope");
  EXPECT_EQ(explain("shop", "bound").outcome, "not_unschedulable");
  EXPECT_EQ(explain("shop", "bound").why, "the pod is bound to node ecs-1");
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(explain("shop", "web-1").outcome, "rescued");
  // Explaining wrote nothing; Reconcile then does what Explain said.
  EXPECT_EQ(Annotation(Pod("shop", "web-1"), kRescuedAnnotation), "");
  EXPECT_THAT(Events("shop"), Not(HasSubstr("RescuedToECI")));
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  EXPECT_NE(Annotation(Pod("shop", "web-1"), kRescuedAnnotation), "");
}

TEST_F(RescuerTest, TheEciQuotaIsRespectedAndNamed) {
  PendingPod("shop", "web-1");
  burst::EciQuota quota(burst::EciCaps{std::nullopt, std::nullopt, 1});
  quota.Add("shop", {500, 1 << 30});  // One ECI pod already runs.
  StartRescuer({}, &quota);
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  EXPECT_EQ(Annotation(Pod("shop", "web-1"), kRescuedAnnotation), "");
  EXPECT_THAT(Events("shop"), HasSubstr("ECI quota: cluster-wide pod cap 1 would be exceeded"));
}

TEST_F(RescuerTest, AStandbyReplicaDoesNotWrite) {
  PendingPod("shop", "web-1");
  StartRescuer();
  leading_ = false;
  ASSERT_TRUE(rescuer_->Reconcile("shop/web-1").ok());
  EXPECT_EQ(Annotation(Pod("shop", "web-1"), kRescuedAnnotation), "");
}

TEST_F(RescuerTest, VirtualNodePodsGetADeletionCostOnce) {
  StartRescuer();
  DeletionCost& cost = *cost_;
  for (const auto& [name, node, annotations] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"on-eci", "virtual-kubelet-cn-hangzhou-j", ""},
           {"on-ecs", "ecs-1", ""},
           {"user-cost", "virtual-kubelet-cn-hangzhou-j", R"(, "annotations": {"controller.kubernetes.io/pod-deletion-cost": "5"})"}}) {
    ASSERT_TRUE(client_->Create({"", "v1", "pods", "shop", "", ""},
                                json::parse(absl::StrCat(R"({"metadata": {"name": ")", name, R"(")", annotations,
                                                         R"(, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs-1", "controller": true}]},
                                                         "spec": {"nodeName": ")", node, R"(", "containers": [{"name": "app", "image": "nginx"}]}})"))
                                    .as_object())
                    .ok());
  }
  for (const char* name : {"on-eci", "on-ecs", "user-cost"}) {
    AwaitCached(absl::StrCat("shop/", name), [](const kube::PodRecord&) { return true; });
    ASSERT_TRUE(cost.Reconcile(absl::StrCat("shop/", name)).ok());
  }
  EXPECT_EQ(Annotation(Pod("shop", "on-eci"), kDeletionCostAnnotation), "-1000");
  EXPECT_EQ(Annotation(Pod("shop", "on-ecs"), kDeletionCostAnnotation), "");
  EXPECT_EQ(Annotation(Pod("shop", "user-cost"), kDeletionCostAnnotation), "5");
}

}  // namespace
}  // namespace spillway::autoscaler
