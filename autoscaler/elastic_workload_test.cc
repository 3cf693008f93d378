// The ElasticWorkload controller against the embedded API server with faults
// injected: failed calls and conflicting writes mid-reconcile are retried and
// converge without overwriting newer state; a controller replaced halfway
// through a re-split (a restart) finishes it.
#include "autoscaler/elastic_workload.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;

http::Response Failure(int code, const char* reason) {
  http::Response response;
  response.status = code;
  response.body = json::serialize(json::object{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                                               {"reason", reason}, {"message", "injected"}, {"code", code}});
  return response;
}

class ElasticWorkloadTest : public sim::EmbeddedClusterTest {
 protected:
  void SetUp() override {
    sim::EmbeddedClusterTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(client_->Create({"apiextensions.k8s.io", "v1", "customresourcedefinitions", "", "", ""}, json::parse(R"({
      "metadata": {"name": "elasticworkloads.autoscaling.alibabacloud.com"},
      "spec": {"group": "autoscaling.alibabacloud.com", "scope": "Namespaced",
               "names": {"kind": "ElasticWorkload", "plural": "elasticworkloads", "shortNames": ["ew"]},
               "versions": [{"name": "v1beta1", "served": true, "storage": true,
                             "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                              "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".status.selector"}},
                             "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})").as_object())
                    .ok());
    ASSERT_TRUE(client_->Create({"apps", "v1", "deployments", "default", "", ""}, json::parse(R"({
      "metadata": {"name": "web"},
      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
      "status": {"availableReplicas": 2}})").as_object())
                    .ok());
    ASSERT_TRUE(client_->Create({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "", ""},
                                json::parse(R"({"metadata": {"name": "web"},
      "spec": {"sourceTarget": {"name": "web", "kind": "Deployment", "min": 2, "max": 4}, "replicas": 6,
               "elasticUnit": [{"name": "eci", "labels": {"alibabacloud.com/eci": "true"}}]}})").as_object())
                    .ok());
  }

  void TearDown() override {
    server_->SetInterceptor(nullptr);
    if (controller_ != nullptr) controller_->Stop();
  }

  void StartController() {
    events_ = std::make_unique<kube::EventRecorder>(*client_, Clock::Real(), kube::EventRecorder::Options());
    metrics_ = std::make_unique<AutoscalerMetrics>(registry_);
    controller_ = std::make_unique<ElasticWorkloadController>(*client_, *events_, Clock::Real(), *metrics_,
                                                              ElasticWorkloadController::Options());
    controller_->Start();
  }

  int64_t Replicas(const std::string& deployment) {
    absl::StatusOr<json::object> got = client_->Get({"apps", "v1", "deployments", "default", deployment, ""});
    return got.ok() ? got->at("spec").at("replicas").as_int64() : -1;
  }

  // Waits (up to 10 s) for the source and unit replica counts.
  bool Converged(int64_t source, int64_t unit) {
    for (int i = 0; i < 1000; ++i) {
      if (Replicas("web") == source && Replicas("web-unit-eci") == unit) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  // A counter's value, by family and labels written "name=value,..." in
  // their sorted order; -1 when absent.
  double Counter(const std::string& family_name, const std::string& labels) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != family_name) continue;
      for (const auto& metric : family.metric) {
        std::string written;
        for (const auto& label : metric.label) written += label.name + "=" + label.value + ",";
        if (written == labels + ",") return metric.counter.value;
      }
    }
    return -1;
  }

  prometheus::Registry registry_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<AutoscalerMetrics> metrics_;
  std::unique_ptr<ElasticWorkloadController> controller_;
};

TEST_F(ElasticWorkloadTest, FailedCallsAndConflictsAreRetriedWithoutOverwritingNewerState) {
  std::atomic<int> failed_creates{0};
  std::atomic<int> raced_scales{0};
  sim::ApiServer* server = server_.get();
  server_->SetInterceptor([&, server](const http::Request& request) -> std::optional<http::Response> {
    if (request.method == "POST" && absl::StrContains(request.target, "/deployments") && failed_creates.load() < 2) {
      ++failed_creates;
      return Failure(500, "InternalError");  // The unit's creation fails twice.
    }
    if (request.method == "PUT" && absl::StrContains(request.target, "/deployments/web/scale") &&
        raced_scales.load() == 0) {
      ++raced_scales;
      // Someone else scales the source between our read and our write: our
      // write carries the older resourceVersion and must be refused.
      const sim::ResourceType& deployments = sim::FindResource("apps", "v1", "deployments")->type;
      (void)server->store().Modify(deployments, "default", "web", [](json::object& d) {
        d["spec"].as_object()["replicas"] = 3;
        return absl::OkStatus();
      });
    }
    return std::nullopt;
  });
  StartController();
  ASSERT_TRUE(Converged(4, 2));
  EXPECT_EQ(failed_creates.load(), 2);
  EXPECT_EQ(raced_scales.load(), 1);
  std::string errors;
  for (const auto& family : registry_.Collect()) {
    if (family.name != "spillway_autoscaler_reconciles_total") continue;
    for (const auto& metric : family.metric) {
      std::string labels;
      for (const auto& label : metric.label) labels += label.name + "=" + label.value + ",";
      if (labels == "controller=elastic_workload,outcome=error,") {
        errors = std::to_string(static_cast<int>(metric.counter.value));
      }
    }
  }
  EXPECT_EQ(errors, "3");  // Two failed creates and one conflict, each retried.
}

TEST_F(ElasticWorkloadTest, AReplacementControllerFinishesAnInterruptedResplit) {
  // The first controller scales the source but cannot create the unit.
  server_->SetInterceptor([](const http::Request& request) -> std::optional<http::Response> {
    if (request.method == "POST" && absl::StrContains(request.target, "/deployments")) {
      return Failure(503, "ServiceUnavailable");
    }
    return std::nullopt;
  });
  StartController();
  for (int i = 0; i < 1000 && Replicas("web") != 4; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(Replicas("web"), 4);
  EXPECT_EQ(Replicas("web-unit-eci"), -1);
  controller_->Stop();  // The process goes away mid-reconcile.
  controller_.reset();
  server_->SetInterceptor(nullptr);

  StartController();  // A new process: fresh caches, same API state.
  ASSERT_TRUE(Converged(4, 2));
  absl::StatusOr<json::object> workload =
      client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
  ASSERT_TRUE(workload.ok());
  for (int i = 0; i < 500 && !workload->contains("status"); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    workload = client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
  }
  EXPECT_EQ(workload->at("status").at("elasticUnitsStatus").at(0).at("desiredReplicas").as_int64(), 2);
}

TEST_F(ElasticWorkloadTest, StatefulSetSourcesAndTemplateChangesRollTheUnits) {
  ASSERT_TRUE(client_->Create({"apps", "v1", "statefulsets", "default", "", ""}, json::parse(R"({
    "metadata": {"name": "db"},
    "spec": {"replicas": 1, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
             "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "mysql:8.0"}]}}},
    "status": {"readyReplicas": 1}})").as_object())
                  .ok());
  ASSERT_TRUE(client_->Create({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "", ""},
                              json::parse(R"({"metadata": {"name": "db"},
    "spec": {"sourceTarget": {"name": "db", "kind": "StatefulSet", "min": 1, "max": 1}, "replicas": 3,
             "elasticUnit": [{"name": "eci", "labels": {"alibabacloud.com/eci": "true"},
                              "annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"},
                              "nodeSelector": {"type": "virtual-kubelet"},
                              "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists"}]}]}})").as_object())
                  .ok());
  StartController();
  const kube::ResourcePath unit{"apps", "v1", "statefulsets", "default", "db-unit-eci", ""};
  absl::StatusOr<json::object> created;
  for (int i = 0; i < 1000; ++i) {
    created = client_->Get(unit);
    if (created.ok()) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(created.ok()) << created.status();
  const json::object& spec = created->at("spec").as_object();
  EXPECT_EQ(spec.at("replicas").as_int64(), 2);
  EXPECT_EQ(spec.at("serviceName").as_string(), "db");  // The rest of the source's spec is kept.
  const json::object& pod = spec.at("template").as_object();
  EXPECT_EQ(pod.at("metadata").at("labels").at("alibabacloud.com/eci").as_string(), "true");
  EXPECT_EQ(pod.at("metadata").at("annotations").at("k8s.aliyun.com/eci-use-specs").as_string(), "2-4Gi");
  EXPECT_EQ(pod.at("spec").at("nodeSelector").at("type").as_string(), "virtual-kubelet");
  EXPECT_EQ(pod.at("spec").at("tolerations").as_array().size(), 1u);
  EXPECT_EQ(spec.at("selector").at("matchLabels").at("autoscaling.alibabacloud.com/elastic-unit").as_string(), "eci");

  // A new image in the source rolls into the unit; its replica count stays.
  ASSERT_TRUE(client_->Patch({"apps", "v1", "statefulsets", "default", "db", ""}, kube::PatchType::kJson,
                             json::parse(R"([{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "mysql:8.4"}])"))
                  .ok());
  std::string image;
  for (int i = 0; i < 1000 && image != "mysql:8.4"; ++i) {
    absl::StatusOr<json::object> now = client_->Get(unit);
    if (now.ok()) image = std::string(now->at("spec").at("template").at("spec").at("containers").at(0).at("image").as_string());
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(image, "mysql:8.4");
  EXPECT_EQ(client_->Get(unit)->at("spec").at("replicas").as_int64(), 2);
}

}  // namespace
}  // namespace spillway::autoscaler

namespace spillway::autoscaler {
namespace {

// An HPA computes from status.replicas: when min keeps more than spec.replicas
// asks, status says what runs.
// Issue 24.5: an ElasticWorkload whose status another controller writes
// (ACK's ack-kubernetes-elastic-workload serves the same CRD) is left alone —
// no finalizer, no scaling, no status — with one Warning Event saying so.
TEST_F(ElasticWorkloadTest, AWorkloadAnotherControllerWritesIsLeftAlone) {
  const std::string status_path =
      "/apis/autoscaling.alibabacloud.com/v1beta1/namespaces/default/elasticworkloads/web/status";
  absl::StatusOr<json::object> current =
      client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
  ASSERT_TRUE(current.ok()) << current.status();
  (*current)["status"] = json::object{{"replicas", 6}};
  ASSERT_TRUE(client_->Call("PUT", status_path + "?fieldManager=elastic-workload-controller",
                            json::serialize(*current))
                  .ok());
  StartController();
  std::string events;
  for (int i = 0; i < 500 && events.find("OtherController") == std::string::npos; ++i) {
    absl::StatusOr<json::object> listed = client_->List({"", "v1", "events", "default", "", ""}, kube::ListOptions{});
    events = listed.ok() ? json::serialize(*listed) : "";
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_NE(events.find("OtherController"), std::string::npos) << events;
  EXPECT_NE(events.find("also written by \\\"elastic-workload-controller\\\""), std::string::npos) << events;
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Replicas("web"), 2) << "the source must not be scaled";
  EXPECT_EQ(Replicas("web-unit-eci"), -1) << "no unit may be created";
  absl::StatusOr<json::object> after =
      client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->at("metadata").as_object().contains("finalizers"));
}

TEST_F(ElasticWorkloadTest, StatusReplicasReportsWhatRunsUnderAMinFloor) {
  StartController();
  ASSERT_TRUE(Converged(4, 2));
  const kube::ResourcePath scale{"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web",
                                 "scale"};
  // The controller may write the workload's status between our read and our
  // write: retry on the conflict, as kubectl scale and RetryOnConflict do.
  absl::Status scaled = absl::AbortedError("not tried");
  for (int attempt = 0; attempt < 5 && absl::IsAborted(scaled); ++attempt) {
    absl::StatusOr<json::object> current = client_->Get(scale);
    ASSERT_TRUE(current.ok()) << current.status();
    (*current)["spec"].as_object()["replicas"] = 1;  // Below the source's min of 2.
    scaled = client_->Update(scale, *current).status();
  }
  ASSERT_TRUE(scaled.ok()) << scaled;
  ASSERT_TRUE(Converged(2, 0));
  int64_t reported = -1;
  for (int i = 0; i < 500 && reported != 2; ++i) {
    absl::StatusOr<json::object> workload = client_->Get(
        {"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
    if (workload.ok() && workload->contains("status")) reported = workload->at("status").at("replicas").as_int64();
    if (reported != 2) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(reported, 2) << "spec.replicas asks 1, the min floor keeps 2 running";
  // Issue 23.4: each scale action is counted (Events expire after an hour):
  // the source 2 -> 4 and the unit created at 2, then both down.
  EXPECT_EQ(Counter("spillway_autoscaler_elastic_workload_scales_total", "direction=up,target=source"), 1);
  EXPECT_EQ(Counter("spillway_autoscaler_elastic_workload_scales_total", "direction=up,target=unit"), 1);
  EXPECT_EQ(Counter("spillway_autoscaler_elastic_workload_scales_total", "direction=down,target=source"), 1);
  EXPECT_EQ(Counter("spillway_autoscaler_elastic_workload_scales_total", "direction=down,target=unit"), 1);
  // And its work queue publishes client-go's series under the controller's name.
  EXPECT_GE(Counter("workqueue_adds_total", "name=elastic_workload"), 2);
}

}  // namespace
}  // namespace spillway::autoscaler

namespace spillway::autoscaler {
namespace {

// Issue 26.5: ElasticWorkloads an older or looser CRD let through, with fields
// of the wrong type in the spec or a tampered status. Each is an InvalidSpec
// condition and a Warning Event (the spec) or is ignored and rewritten (the
// status), never an exception through the work queue (which would end the
// process); the well-formed one beside them still converges.
TEST_F(ElasticWorkloadTest, HostileElasticWorkloadsAreConditionsNotCrashes) {
  struct Hostile {
    const char* name;
    const char* body;  // The object after "metadata".
    bool invalid_spec;
  };
  const Hostile hostile[] = {
      {"spec-string", R"("spec": "six")", true},
      {"source-number", R"("spec": {"sourceTarget": 3, "replicas": 6})", true},
      {"units-string", R"("spec": {"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2},
                         "replicas": 3, "elasticUnit": "eci"})", true},
      {"unit-name-number", R"("spec": {"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2},
                             "replicas": 3, "elasticUnit": [{"name": 5}]})", true},
      {"unit-labels-string", R"("spec": {"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2},
                               "replicas": 3, "elasticUnit": [{"name": "u", "labels": "eci"}]})", true},
      {"replicas-string", R"("spec": {"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2},
                            "replicas": "3", "elasticUnit": [{"name": "u"}]})", true},
      {"tolerations-object", R"("spec": {"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2},
                               "replicas": 3, "elasticUnit": [{"name": "u", "tolerations": {"key": "k"}}]})", true},
  };
  for (const Hostile& h : hostile) {
    ASSERT_TRUE(client_
                    ->Create({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "", ""},
                             json::parse(absl::StrCat(R"({"metadata": {"name": ")", h.name, R"("}, )", h.body, "}"))
                                 .as_object())
                    .ok())
        << h.name;
  }
  // A tampered status on the good one: units' entries and stamps of the
  // wrong type.
  StartController();
  ASSERT_TRUE(Converged(4, 2));
  // The controller may still be writing its own status: retry on a conflict.
  absl::Status written = absl::AbortedError("not written yet");
  for (int attempt = 0; attempt < 50 && absl::IsAborted(written); ++attempt) {
    absl::StatusOr<json::object> good =
        client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
    ASSERT_TRUE(good.ok());
    json::object tampered = *good;
    tampered["status"] = json::parse(R"({"sourceTarget": {"updateTimestamp": 5},
        "elasticUnitsStatus": [{"name": "eci", "desiredReplicas": 2, "updateTimestamp": 7}, "junk"],
        "conditions": "none"})");
    written = client_->Update({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", "status"},
                              tampered).status();
  }
  ASSERT_TRUE(written.ok()) << written;
  // The controller rewrites it on its next pass (a scale-up makes one).
  ASSERT_TRUE(client_
                  ->Patch({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""},
                          kube::PatchType::kMerge, json::object{{"spec", json::object{{"replicas", 7}}}})
                  .ok());
  EXPECT_TRUE(Converged(4, 3)) << json::serialize(*client_->Get(
      {"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""}));
  auto condition = [&](const std::string& name) -> std::pair<std::string, std::string> {
    absl::StatusOr<json::object> got =
        client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", name, ""});
    const json::value* conditions = got.ok() ? json_fields::At(*got, {"status", "conditions"}) : nullptr;
    if (conditions == nullptr || !conditions->is_array() || conditions->get_array().empty() ||
        !conditions->get_array()[0].is_object()) {
      return {"", ""};
    }
    const json::object& first = conditions->get_array()[0].get_object();
    return {json_fields::String(first, "reason"), json_fields::String(first, "message")};
  };
  for (const Hostile& h : hostile) {
    std::pair<std::string, std::string> seen;
    for (int i = 0; i < 500 && seen.first.empty(); ++i) {
      seen = condition(h.name);
      if (seen.first.empty()) absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_EQ(seen.first, "InvalidSpec") << h.name << ": " << seen.second;
    EXPECT_FALSE(seen.second.empty()) << h.name;
  }
  const json::value* stamp = nullptr;
  absl::StatusOr<json::object> rewritten =
      client_->Get({"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "default", "web", ""});
  ASSERT_TRUE(rewritten.ok());
  stamp = json_fields::At(*rewritten, {"status", "sourceTarget", "updateTimestamp"});
  ASSERT_NE(stamp, nullptr);
  EXPECT_TRUE(stamp->is_string()) << "the tampered status is rewritten";
}

}  // namespace
}  // namespace spillway::autoscaler
