// The Deployment and ReplicaSet controllers against the embedded API server.
#include "sim/controllers/workload_controllers.h"

#include <atomic>
#include <set>

#include "common/json_fields.h"
#include "common/status_macros.h"
#include "sim/cluster/cluster_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

// The controllers read through watches (ClusterCache), as in `spillway sim`;
// each pass first waits for the cache to show every write made before it.
class WorkloadControllersTest : public EmbeddedClusterTest {
 protected:
  void SetUp() override {
    EmbeddedClusterTest::SetUp();
    cache_ = std::make_unique<ClusterCache>(*client_, [this](const kube::ResourcePath& path) {
      return server_->store().LatestVersionOf(path.group, path.plural);
    });
    for (const char* plural : {"deployments", "replicasets", "statefulsets"}) {
      ASSERT_TRUE(cache_->Watch(PathOf("apps", "v1", plural)).ok());
    }
    ASSERT_TRUE(cache_->Watch(PathOf("", "v1", "pods")).ok());
    absl::StatusOr<std::unique_ptr<WorkloadControllers>> controllers =
        WorkloadControllers::Create(*client_, *cache_, clock_);
    ASSERT_TRUE(controllers.ok()) << controllers.status();
    controllers_ = *std::move(controllers);
  }
  void TearDown() override { cache_->Stop(); }
  // One pass over what the cluster holds now.
  absl::Status Sync() {
    SPILLWAY_RETURN_IF_ERROR(cache_->AwaitCurrent(absl::Seconds(10)));
    return controllers_->Sync();
  }
  void CreateDeployment(int replicas, const std::string& image) {
    json::object deployment{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", json::object{{"name", "web"}, {"namespace", "default"}}},
        {"spec", json::object{{"replicas", replicas},
                              {"selector", json::object{{"matchLabels", json::object{{"app", "web"}}}}},
                              {"template", Template(image)}}}};
    ASSERT_TRUE(client_->Create(PathOf("apps", "v1", "deployments", "default"), deployment).ok());
  }
  static json::object Template(const std::string& image) {
    return json::object{{"metadata", json::object{{"labels", json::object{{"app", "web"}}}}},
                        {"spec", json::object{{"containers", json::array{json::object{{"name", "web"}, {"image", image}}}}}}};
  }
  std::vector<json::object> List(const char* group, const char* plural) {
    json::object list = *client_->List(PathOf(group, "v1", plural, "default"), kube::ListOptions());
    std::vector<json::object> items;
    for (json::value& item : list["items"].as_array()) items.push_back(item.as_object());
    return items;
  }
  // What the kubelet would write: bound, Running and Ready.
  void RunPod(const std::string& name, const std::string& node) {
    ASSERT_TRUE(client_->Bind("default", name, node).ok());
    json::object status{{"phase", "Running"},
                        {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"},
                                                                {"lastTransitionTime", "2026-12-01T10:00:00Z"}}}}};
    ASSERT_TRUE(client_->Patch(PathOf("", "v1", "pods", "default", name, "status"), kube::PatchType::kMerge,
                               json::object{{"status", status}})
                    .ok());
  }
  void RunAll() {
    for (const json::object& pod : List("", "pods")) {
      if (Condition(pod, "Ready") == nullptr) RunPod(NameOf(pod), "node-1");
    }
  }
  void Scale(int replicas) {
    ASSERT_TRUE(client_->Patch(PathOf("apps", "v1", "deployments", "default", "web"), kube::PatchType::kMerge,
                               json::object{{"spec", json::object{{"replicas", replicas}}}})
                    .ok());
  }

  FakeClock clock_{absl::Now()};
  std::unique_ptr<ClusterCache> cache_;
  std::unique_ptr<WorkloadControllers> controllers_;
};

TEST_F(WorkloadControllersTest, DeploymentMakesAReplicaSetThatMakesPods) {
  CreateDeployment(3, "nginx:1.25");
  ASSERT_TRUE(Sync().ok());
  ASSERT_TRUE(Sync().ok());  // The ReplicaSet's pods come a pass after it.
  std::vector<json::object> sets = List("apps", "replicasets");
  ASSERT_THAT(sets, SizeIs(1));
  const std::string hash = Label(sets[0], "pod-template-hash");
  EXPECT_EQ(NameOf(sets[0]), "web-" + hash);
  EXPECT_EQ(ControllerOf(sets[0]).first, "Deployment");
  std::vector<json::object> pods = List("", "pods");
  ASSERT_THAT(pods, SizeIs(3));
  for (const json::object& pod : pods) {
    EXPECT_THAT(NameOf(pod), StartsWith("web-" + hash + "-"));
    EXPECT_EQ(Label(pod, "pod-template-hash"), hash);
    EXPECT_EQ(ControllerOf(pod), std::make_pair(std::string("ReplicaSet"), NameOf(sets[0])));
  }
  RunAll();
  ASSERT_TRUE(Sync().ok());
  ASSERT_TRUE(Sync().ok());
  json::object deployment = *client_->Get(PathOf("apps", "v1", "deployments", "default", "web"));
  EXPECT_EQ(json_fields::IntAt(deployment, {"status", "availableReplicas"}), 3);
  EXPECT_EQ(json_fields::IntAt(deployment, {"status", "updatedReplicas"}), 3);
  EXPECT_EQ(json_fields::IntAt(deployment, {"status", "observedGeneration"}), 1);
  EXPECT_EQ(json_fields::String(*Condition(deployment, "Progressing"), "reason"), "NewReplicaSetAvailable");
  EXPECT_TRUE(ConditionTrue(deployment, "Available"));
}

// Scale-down victims as the ReplicaSet controller picks them: unscheduled
// first, then the lowest pod-deletion-cost (what Spillway sets on ECI pods).
TEST_F(WorkloadControllersTest, ScaleDownTakesUnscheduledThenCheapestPods) {
  CreateDeployment(4, "nginx:1.25");
  ASSERT_TRUE(Sync().ok());
  ASSERT_TRUE(Sync().ok());  // The ReplicaSet's pods come a pass after it.
  std::vector<json::object> pods = List("", "pods");
  ASSERT_THAT(pods, SizeIs(4));
  RunPod(NameOf(pods[0]), "node-1");
  RunPod(NameOf(pods[1]), "node-2");
  RunPod(NameOf(pods[2]), "virtual-kubelet-cn-hangzhou-j");
  ASSERT_TRUE(client_->Patch(PathOf("", "v1", "pods", "default", NameOf(pods[2])), kube::PatchType::kMerge,
                             json::object{{"metadata", json::object{{"annotations", json::object{
                                                            {"controller.kubernetes.io/pod-deletion-cost", "-1000"}}}}}})
                  .ok());
  Scale(2);
  ASSERT_TRUE(Sync().ok());  // The Deployment scales its ReplicaSet ...
  ASSERT_TRUE(Sync().ok());  // ... which deletes pods on the next pass.
  std::set<std::string> left;
  for (const json::object& pod : List("", "pods")) left.insert(NameOf(pod));
  EXPECT_EQ(left, (std::set<std::string>{NameOf(pods[0]), NameOf(pods[1])}));
}

TEST_F(WorkloadControllersTest, RollingUpdateRespectsSurgeAndAvailability) {
  CreateDeployment(4, "nginx:1.25");
  ASSERT_TRUE(Sync().ok());
  ASSERT_TRUE(Sync().ok());  // The ReplicaSet's pods come a pass after it.
  RunAll();
  ASSERT_TRUE(Sync().ok());
  ASSERT_TRUE(client_->Patch(PathOf("apps", "v1", "deployments", "default", "web"), kube::PatchType::kMerge,
                             json::object{{"spec", json::object{{"template", Template("nginx:1.26")}}}})
                  .ok());
  ASSERT_TRUE(Sync().ok());
  // maxSurge 25% of 4 = 1 up, maxUnavailable 25% = 1 down: 4 old + 1 new,
  // then one old goes.
  std::vector<json::object> sets = List("apps", "replicasets");
  ASSERT_THAT(sets, SizeIs(2));
  int total = 0;
  for (const json::object& set : sets) total += json_fields::IntAt(set, {"spec", "replicas"});
  EXPECT_LE(total, 5);
  // Run every new pod as it comes: the rollout completes.
  for (int i = 0; i < 12; ++i) {
    RunAll();
    ASSERT_TRUE(Sync().ok());
  }
  int new_pods = 0;
  for (const json::object& pod : List("", "pods")) {
    const json::value* image = json_fields::At(pod, {"spec", "containers"});
    new_pods += json::serialize(*image).find("nginx:1.26") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(new_pods, 4);
  EXPECT_THAT(List("", "pods"), SizeIs(4));
}

// Someone else (Spillway's stock reaction) deletes a pod milliseconds after
// it was created, before the controllers' cache showed it. As kube's
// ReplicaSet controller, the ADDED event counts: the next pass replaces the
// pod. (It used to wait 5 minutes for a pod name the cache never showed: a
// Deployment stuck at 2 of 3.)
TEST_F(WorkloadControllersTest, APodDeletedBeforeTheCacheSawItIsReplacedAtOnce) {
  std::atomic<bool> armed{true};
  std::string snatched;
  server_->SetInterceptor([&](const http::Request& request) -> std::optional<http::Response> {
    if (request.method != "POST" || request.target.rfind("/api/v1/namespaces/default/pods", 0) != 0 ||
        !armed.exchange(false)) {
      return std::nullopt;
    }
    http::Request copy = request;
    http::Response response = server_->Handle(copy);
    if (response.status == 201) {
      snatched = NameOf(json::parse(response.body).as_object());
      EXPECT_TRUE(server_->store().Delete(ResourceType{"", "v1", "Pod", "pods", true}, "default", snatched).ok());
    }
    return response;
  });
  CreateDeployment(3, "nginx:1.25");
  for (int pass = 0; pass < 4; ++pass) ASSERT_TRUE(Sync().ok());
  ASSERT_FALSE(snatched.empty());
  std::vector<json::object> pods = List("", "pods");
  EXPECT_THAT(pods, SizeIs(3)) << "the clock never moved: no 5-minute expectation timeout helped";
  for (const json::object& pod : pods) EXPECT_NE(NameOf(pod), snatched);
  EXPECT_EQ(controllers_->UnmetExpectations(), 0);
}

// A create the cluster refuses (here a webhook's denial) is a FailedCreate
// Warning Event on the ReplicaSet, counted up on repeats, and the
// ReplicaFailure condition, as kube-controller-manager writes them; the pass
// itself did its job.
TEST_F(WorkloadControllersTest, ARefusedCreateIsAFailedCreateEvent) {
  constexpr char kDenial[] =
      "admission webhook \"pods.spillway.alibabacloud.com\" denied the request: pod default/web-x uses hostPath "
      "volume 'logs'";
  server_->SetInterceptor([&](const http::Request& request) -> std::optional<http::Response> {
    if (request.method != "POST" || request.target.rfind("/api/v1/namespaces/default/pods", 0) != 0) {
      return std::nullopt;
    }
    http::Response denied;
    denied.status = 403;
    denied.body = json::serialize(json::object{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                                               {"message", kDenial}, {"reason", "Forbidden"}, {"code", 403}});
    return denied;
  });
  CreateDeployment(2, "nginx:1.25");
  for (int pass = 0; pass < 3; ++pass) ASSERT_TRUE(Sync().ok());
  EXPECT_THAT(List("", "pods"), SizeIs(0));
  std::vector<json::object> events = List("", "events");
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(json_fields::String(events[0], "reason"), "FailedCreate");
  EXPECT_EQ(json_fields::String(events[0], "type"), "Warning");
  EXPECT_EQ(json_fields::String(events[0], "message"), std::string("Error creating: ") + kDenial);
  EXPECT_EQ(json_fields::String(events[0].at("involvedObject").as_object(), "kind"), "ReplicaSet");
  EXPECT_EQ(json_fields::String(events[0].at("source").as_object(), "component"), "replicaset-controller");
  EXPECT_GE(json_fields::IntAt(events[0], {"count"}), 2);
  std::vector<json::object> sets = List("apps", "replicasets");
  ASSERT_THAT(sets, SizeIs(1));
  const json::object* failure = Condition(sets[0], "ReplicaFailure");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(json_fields::String(*failure, "reason"), "FailedCreate");
  EXPECT_EQ(json_fields::String(*failure, "message"), kDenial);
  // Once creates succeed the condition goes.
  server_->SetInterceptor(nullptr);
  for (int pass = 0; pass < 3; ++pass) ASSERT_TRUE(Sync().ok());
  EXPECT_THAT(List("", "pods"), SizeIs(2));
  EXPECT_EQ(Condition(List("apps", "replicasets")[0], "ReplicaFailure"), nullptr);
}

// Alibaba's examples name the pod template (metadata.name); the pods are
// still named from the ReplicaSet, as GetPodFromTemplate does (it used to be
// one pod named after the template, then "already exists" forever).
TEST_F(WorkloadControllersTest, ATemplatesNameDoesNotNameThePods) {
  json::object pod_template = Template("nginx:1.25");
  pod_template["metadata"].as_object()["name"] = "nginx-deployment-basic";
  json::object deployment{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", json::object{{"name", "web"}, {"namespace", "default"}}},
      {"spec", json::object{{"replicas", 3},
                            {"selector", json::object{{"matchLabels", json::object{{"app", "web"}}}}},
                            {"template", pod_template}}}};
  ASSERT_TRUE(client_->Create(PathOf("apps", "v1", "deployments", "default"), deployment).ok());
  for (int pass = 0; pass < 3; ++pass) ASSERT_TRUE(Sync().ok());
  std::vector<json::object> pods = List("", "pods");
  ASSERT_THAT(pods, SizeIs(3));
  for (const json::object& pod : pods) EXPECT_THAT(NameOf(pod), StartsWith("web-"));
}

TEST(SlowStartBatchTest, BatchesDoubleAndStopAfterAFailingBatch) {
  std::vector<std::string> created;
  std::atomic<int> calls{0};
  EXPECT_TRUE(SlowStartBatch(10, [&](int i) -> absl::StatusOr<std::string> {
                ++calls;
                return std::to_string(i);
              }, created).ok());
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(created.size(), 10u);
  // Batches 1, 2, 4: the batch of 4 (items 3..6) fails at item 4; items 7..9
  // are never tried.
  created.clear();
  calls = 0;
  absl::Status status = SlowStartBatch(10, [&](int i) -> absl::StatusOr<std::string> {
    ++calls;
    if (i == 4) return absl::UnavailableError("quota");
    return std::to_string(i);
  }, created);
  EXPECT_EQ(status.message(), "quota");
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(created.size(), 6u);
}

TEST(PodTemplateHashTest, StableAndInTheNameAlphabet) {
  const json::object a{{"spec", json::object{{"containers", json::array{json::object{{"image", "a"}}}}}}};
  const json::object b{{"spec", json::object{{"containers", json::array{json::object{{"image", "b"}}}}}}};
  EXPECT_EQ(PodTemplateHash(a), PodTemplateHash(a));
  EXPECT_NE(PodTemplateHash(a), PodTemplateHash(b));
  EXPECT_EQ(PodTemplateHash(a).find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// A StatefulSet: ordinal names, one at a time while the previous is not
// ready (OrderedReady), scale-down from the highest ordinal.
TEST_F(WorkloadControllersTest, StatefulSetsCreateAndRemoveInOrdinalOrder) {
  json::object set{
      {"apiVersion", "apps/v1"},
      {"kind", "StatefulSet"},
      {"metadata", json::object{{"name", "db"}, {"namespace", "default"}}},
      {"spec", json::object{{"replicas", 3},
                            {"serviceName", "db"},
                            {"selector", json::object{{"matchLabels", json::object{{"app", "web"}}}}},
                            {"template", Template("postgres:16")}}}};
  ASSERT_TRUE(client_->Create(PathOf("apps", "v1", "statefulsets", "default"), set).ok());
  auto names = [this] {
    std::set<std::string> out;
    for (const json::object& pod : List("", "pods")) out.insert(NameOf(pod));
    return out;
  };
  ASSERT_TRUE(Sync().ok());
  ASSERT_TRUE(Sync().ok());
  EXPECT_EQ(names(), (std::set<std::string>{"db-0"})) << "db-1 waits for db-0 to be ready";
  json::object first = *client_->Get(PathOf("", "v1", "pods", "default", "db-0"));
  EXPECT_EQ(json_fields::String(first.at("spec").as_object(), "hostname"), "db-0");
  EXPECT_EQ(json_fields::String(first.at("spec").as_object(), "subdomain"), "db");
  EXPECT_EQ(Label(first, "statefulset.kubernetes.io/pod-name"), "db-0");
  EXPECT_EQ(Label(first, "apps.kubernetes.io/pod-index"), "0");
  for (int i = 0; i < 3; ++i) {
    RunAll();
    ASSERT_TRUE(Sync().ok());
  }
  EXPECT_EQ(names(), (std::set<std::string>{"db-0", "db-1", "db-2"}));
  RunAll();
  ASSERT_TRUE(Sync().ok());
  json::object status = *client_->Get(PathOf("apps", "v1", "statefulsets", "default", "db"));
  EXPECT_EQ(json_fields::IntAt(status, {"status", "readyReplicas"}), 3);
  ASSERT_TRUE(client_->Patch(PathOf("apps", "v1", "statefulsets", "default", "db"), kube::PatchType::kMerge,
                             json::object{{"spec", json::object{{"replicas", 1}}}})
                  .ok());
  ASSERT_TRUE(Sync().ok());
  EXPECT_EQ(names(), (std::set<std::string>{"db-0", "db-1"})) << "the highest ordinal first, one at a time";
  ASSERT_TRUE(Sync().ok());
  EXPECT_EQ(names(), (std::set<std::string>{"db-0"}));
}

}  // namespace
}  // namespace spillway::sim
