// What the embedded API server itself sets or refuses, as kube-apiserver 1.32
// does (issue 21.3), driven with the real kubectl and raw HTTP.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/decode.h"
#include "sim/apiserver/kubectl_fixture.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;

// Quantities are stored and served as apimachinery's Quantity.String()
// writes them (k8s.io/apimachinery/pkg/api/resource/quantity.go,
// CanonicalizeBytes). Before, `cpu: 2` stayed a JSON number and Spillway's
// webhook and extender failed on it: "expected string, got number".
TEST_F(KubectlTest, QuantitiesAreStoredInCanonicalForm) {
  const std::string manifest = WriteManifest("quantities.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: sized}
spec:
  containers:
  - name: app
    image: nginx
    resources:
      requests: {cpu: 2, memory: 1000}
      limits: {cpu: 0.5, memory: 1.5Gi}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx, resources: {requests: {cpu: 1000m, memory: 1024Mi}}}]
)");
  testing::CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(Kubectl("get pod sized -o jsonpath={.spec.containers[0].resources.requests.cpu}").output, "2");
  EXPECT_EQ(Kubectl("get pod sized -o jsonpath={.spec.containers[0].resources.requests.memory}").output, "1k");
  EXPECT_EQ(Kubectl("get pod sized -o jsonpath={.spec.containers[0].resources.limits.cpu}").output, "500m");
  EXPECT_EQ(Kubectl("get pod sized -o jsonpath={.spec.containers[0].resources.limits.memory}").output, "1536Mi");
  EXPECT_EQ(Kubectl("get deployment web -o jsonpath={.spec.template.spec.containers[0].resources.requests}").output,
            R"({"cpu":"1","memory":"1Gi"})");

  // What Spillway's decoder reads from the served pod.
  http::ClientResponse pod = Http("GET", "/api/v1/namespaces/default/pods/sized");
  absl::StatusOr<kube::Pod> decoded = kube::ParsePod(pod.body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->container_requests.cpu_milli, 2000);
  EXPECT_EQ(decoded->container_requests.memory_bytes, 1000);
}

TEST_F(KubectlTest, NodeCapacityIsCanonicalToo) {
  http::ClientResponse created = Http("POST", "/api/v1/nodes", R"({"apiVersion":"v1","kind":"Node",
      "metadata":{"name":"ecs-1"},"status":{"capacity":{"cpu":4,"memory":"8192Mi","pods":110},
      "allocatable":{"cpu":"3900m","memory":"7.5Gi","pods":"110"}}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Kubectl("get node ecs-1 -o jsonpath={.status.capacity}").output,
            R"({"cpu":"4","memory":"8Gi","pods":"110"})");
  EXPECT_EQ(Kubectl("get node ecs-1 -o jsonpath={.status.allocatable}").output,
            R"({"cpu":"3900m","memory":"7680Mi","pods":"110"})");
}

TEST_F(KubectlTest, WhatIsNotAQuantityIsRefusedAsKubeApiserverWordsIt) {
  const std::string manifest = WriteManifest("bad.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers: [{name: app, image: nginx, resources: {requests: {cpu: two}}}]
)");
  testing::CommandResult applied = Kubectl("apply -f " + manifest);
  EXPECT_NE(applied.exit_code, 0);
  EXPECT_THAT(applied.output,
              HasSubstr("quantities must match the regular expression "
                        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
  EXPECT_THAT(Kubectl("get pod bad").output, HasSubstr("NotFound"));
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// SetDefaults_Namespace: every namespace carries its name as the label
// kubernetes.io/metadata.name, the built-in ones too, and it cannot be
// changed (deploy/'s MutatingWebhookConfiguration excludes kube-system by it:
// without the label, the webhook was called for kube-system's pods).
TEST_F(KubectlTest, EveryNamespaceIsLabelledWithItsName) {
  ASSERT_EQ(Kubectl("create namespace shop").exit_code, 0);
  for (const char* ns : {"shop", "default", "kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_EQ(Kubectl(absl::StrCat("get namespace ", ns, " -o 'jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}'"))
                  .output,
              ns);
  }
  EXPECT_EQ(Kubectl("get namespaces -l kubernetes.io/metadata.name=kube-system -o name").output,
            "namespace/kube-system\n");
  // Overwritten, as the defaulting does on every write.
  ASSERT_EQ(Kubectl("label namespace shop kubernetes.io/metadata.name=other --overwrite").exit_code, 0);
  EXPECT_EQ(Kubectl("get namespace shop -o 'jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}'").output, "shop");
  ASSERT_EQ(Kubectl("patch namespace shop --type=json -p "
                    "'[{\"op\":\"remove\",\"path\":\"/metadata/labels/kubernetes.io~1metadata.name\"}]'")
                .exit_code,
            0);
  EXPECT_EQ(Kubectl("get namespace shop -o 'jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}'").output, "shop");
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// A field the kind does not support is a 400 in kube-apiserver's words (the
// field label conversion functions), not an empty list that looks like an
// answer; the supported ones work, an Event's `source` is source.component.
TEST_F(KubectlTest, FieldSelectorsTakeOnlyTheFieldsEachKindSupports) {
  ASSERT_EQ(Kubectl("run web --image=nginx").exit_code, 0);
  testing::CommandResult unknown = Kubectl("get pods --field-selector spec.containers=nginx");
  EXPECT_NE(unknown.exit_code, 0);
  // kubectl wraps a list's 400 as it does against kube-apiserver.
  EXPECT_THAT(unknown.output, HasSubstr("Error from server (BadRequest): Unable to find \"/v1, Resource=pods\""));
  EXPECT_THAT(unknown.output, HasSubstr(": field label not supported: spec.containers"));
  testing::CommandResult not_for_deployments = Kubectl("get deployments --field-selector status.phase=Running");
  EXPECT_THAT(not_for_deployments.output, HasSubstr("field label not supported: status.phase"));
  EXPECT_EQ(Http("GET", "/api/v1/namespaces/default/configmaps?watch=1&fieldSelector=data.k%3Dv").status, 400);

  EXPECT_EQ(Kubectl("get pods --field-selector status.phase=Pending,spec.nodeName= -o name").output, "pod/web\n");
  EXPECT_EQ(Kubectl("get namespaces --field-selector metadata.name=default -o name").output, "namespace/default\n");
  ASSERT_EQ(Http("POST", "/api/v1/namespaces/default/events", R"({"metadata":{"name":"e1"},
      "involvedObject":{"kind":"Pod","name":"web","namespace":"default"},"reason":"Started","type":"Normal",
      "source":{"component":"kubelet"}})").status,
            201);
  EXPECT_EQ(Kubectl("get events --field-selector source=kubelet,involvedObject.name=web -o name").output,
            "event/e1\n");
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// Issue 21.3: content the real server refuses, through kubectl.
TEST_F(KubectlTest, WhatTheServerRefusesInContent) {
  const std::string bad_key = WriteManifest("bad-key.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                                                            "data: {\"a b\": \"1\"}\n");
  testing::CommandResult refused = Kubectl("create -f " + bad_key);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("ConfigMap \"c\" is invalid: data[a b]: Invalid value: \"a b\": a valid "
                                        "config key must consist of alphanumeric characters"));
  const std::string bad_binary = WriteManifest("bad-binary.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
                                                                  "binaryData: {k: \"not base64\"}\n");
  EXPECT_THAT(Kubectl("create -f " + bad_binary).output, HasSubstr("illegal base64 data at input byte 3"));
  const std::string big = WriteManifest(
      "big.yaml", absl::StrCat("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  annotations: {a: \"",
                               std::string(300 * 1024, 'x'), "\"}\n"));
  EXPECT_THAT(Kubectl("create -f " + big).output,
              HasSubstr("metadata.annotations: Too long: must have at most 262144 bytes"));
  const std::string ok = WriteManifest("ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\ndata: {k: v}\n");
  EXPECT_THAT(Kubectl(absl::StrCat("apply --server-side --field-manager=", std::string(129, 'm'), " -f ", ok)).output,
              HasSubstr("fieldManager: Too long: must have at most 128 bytes"));
  EXPECT_EQ(Kubectl(absl::StrCat("apply --server-side --field-manager=", std::string(128, 'm'), " -f ", ok)).exit_code,
            0);
  http::ClientResponse event = Http("POST", "/api/v1/namespaces/default/events", R"({"metadata":{"name":"e"},
      "involvedObject":{"kind":"Pod","name":"web","namespace":"kube-system"},"reason":"X","type":"Normal"})");
  EXPECT_EQ(event.status, 422);
  EXPECT_THAT(event.body, HasSubstr(R"(involvedObject.namespace: Invalid value: \"kube-system\": does not match event.namespace)"));
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// Events expire an hour after their last write (kube-apiserver's --event-ttl
// default), by the server's clock: a scenario's hours do not pile them up.
TEST(EventTtlTest, EventsGoAnHourAfterTheirLastWrite) {
  FakeClock clock(absl::FromUnixSeconds(1795300000));
  ApiServerOptions options;
  options.clock = &clock;
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  http::ClientOptions client_options;
  client_options.port = (*server)->port();
  http::Client client(client_options);
  auto status_of = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    absl::StatusOr<http::ClientResponse> response = client.Send(method, target, body, "application/json");
    return response.ok() ? response->status : 0;
  };
  const std::string event = R"({"metadata":{"name":"%s"},"involvedObject":{"kind":"Pod","name":"web"},
      "reason":"Started","type":"Normal"})";
  ASSERT_EQ(status_of("POST", "/api/v1/namespaces/default/events", absl::StrReplaceAll(event, {{"%s", "old"}})), 201);
  clock.Advance(absl::Minutes(50));
  ASSERT_EQ(status_of("POST", "/api/v1/namespaces/default/events", absl::StrReplaceAll(event, {{"%s", "young"}})), 201);
  clock.Advance(absl::Minutes(9));
  EXPECT_EQ(status_of("GET", "/api/v1/namespaces/default/events/old"), 200);  // 59 minutes.
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(status_of("GET", "/api/v1/namespaces/default/events/old"), 404);  // 61 minutes: gone.
  EXPECT_EQ(status_of("GET", "/api/v1/namespaces/default/events/young"), 200);
  // A write keeps an Event (a repeat counted up, as the recorder does).
  absl::StatusOr<http::ClientResponse> patched = client.Send("PATCH", "/api/v1/namespaces/default/events/young",
                                                             R"({"count":2})", "application/merge-patch+json");
  ASSERT_TRUE(patched.ok() && patched->status == 200);
  clock.Advance(absl::Minutes(55));
  EXPECT_EQ(status_of("GET", "/api/v1/namespaces/default/events/young"), 200);
  clock.Advance(absl::Minutes(6));
  EXPECT_EQ(status_of("GET", "/api/v1/namespaces/default/events/young"), 404);
  (*server)->Stop();
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// Issue 21.4: what kubectl users type next.
TEST_F(KubectlTest, GetAllAndCreateServiceAccount) {
  testing::CommandResult account = Kubectl("create serviceaccount robot");
  ASSERT_EQ(account.exit_code, 0) << account.output;
  EXPECT_EQ(Kubectl("get serviceaccount robot -o name").output, "serviceaccount/robot\n");
  ASSERT_EQ(Kubectl("create deployment web --image=nginx").exit_code, 0);
  ASSERT_EQ(Kubectl("create service clusterip web --tcp=80:80").exit_code, 0);
  testing::CommandResult all = Kubectl("get all -o name");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_THAT(all.output, HasSubstr("service/web\n"));
  EXPECT_THAT(all.output, HasSubstr("deployment.apps/web\n"));
  EXPECT_THAT(all.output, ::testing::Not(HasSubstr("configmap")));  // Not in the "all" category.
  EXPECT_THAT(all.output, ::testing::Not(HasSubstr("serviceaccount")));
}

// Issue 21.4: `kubectl autoscale` writes autoscaling/v1 (in protobuf); the
// HPA is stored once and read in either version, converted as kube converts
// (targetCPUUtilizationPercentage is v2's cpu Utilization metric); a patch
// through v1 lands in the stored v2 object; `kubectl get all` lists it once.
TEST_F(KubectlTest, AutoscaleWritesV1AndBothVersionsReadTheSameObject) {
  ASSERT_EQ(Kubectl("create deployment web --image=nginx").exit_code, 0);
  testing::CommandResult autoscaled = Kubectl("autoscale deployment web --min=2 --max=10 --cpu-percent=80");
  ASSERT_EQ(autoscaled.exit_code, 0) << autoscaled.output;
  EXPECT_EQ(autoscaled.output, "horizontalpodautoscaler.autoscaling/web autoscaled\n");
  EXPECT_EQ(Kubectl("get hpa web -o jsonpath='{.apiVersion} {.spec.minReplicas} {.spec.maxReplicas} "
                    "{.spec.metrics[0].resource.name} {.spec.metrics[0].resource.target.averageUtilization}'")
                .output,
            "autoscaling/v2 2 10 cpu 80");
  EXPECT_EQ(Kubectl("get horizontalpodautoscalers.v1.autoscaling web -o jsonpath='{.apiVersion} "
                    "{.spec.targetCPUUtilizationPercentage} {.spec.scaleTargetRef.name}'")
                .output,
            "autoscaling/v1 80 web");
  testing::CommandResult patched = Kubectl(
      "patch horizontalpodautoscalers.v1.autoscaling web --type=merge -p '{\"spec\":{\"targetCPUUtilizationPercentage\":60}}'");
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_EQ(Kubectl("get hpa web -o jsonpath='{.spec.metrics[0].resource.target.averageUtilization}'").output, "60");
  EXPECT_EQ(Kubectl("get all -o name").output.find("horizontalpodautoscaler.autoscaling/web"),
            Kubectl("get all -o name").output.rfind("horizontalpodautoscaler.autoscaling/web"));
  EXPECT_THAT(Kubectl("get horizontalpodautoscalers.v1.autoscaling -w --request-timeout=2s").output,
              HasSubstr("watching autoscaling/v1 HorizontalPodAutoscalers is not served by the embedded API server"));
}

}  // namespace
}  // namespace spillway::sim
