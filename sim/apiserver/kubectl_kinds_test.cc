// The embedded API server per kind, through the real kubectl (/usr/bin/kubectl,
// 1.32): the Tables kubectl prints, the generators' protobuf bodies, the
// injected clock, server-side apply with field managers, every built-in kind
// through every verb, custom resources with schema, status and scale, and
// mutating webhooks on pod creates.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/strings/escaping.h"
#include "common/clock.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/api_server.h"
#include "sim/apiserver/kubectl_fixture.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace json = boost::json;
using ::spillway::testing::CommandResult;
using ::spillway::testing::RunCommand;

// Server-side Tables for built-ins: the columns a real cluster prints.
TEST_F(KubectlTest, BuiltinTablesPrintRealColumns) {
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("tables.yaml", std::string(kManifest) + R"(---
apiVersion: v1
kind: Node
metadata: {name: virtual-kubelet-cn-hangzhou-k, labels: {node-role.kubernetes.io/agent: ""}}
status:
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: v1.32.0}
)")).exit_code, 0);
  ASSERT_EQ(Kubectl("patch pod web --subresource=status --type=merge -p "
                    "'{\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.7\",\"containerStatuses\":"
                    "[{\"name\":\"nginx\",\"ready\":true,\"restartCount\":0,\"image\":\"nginx:1.25\",\"imageID\":\"\"}]}}'").exit_code, 0);
  CommandResult pods = Kubectl("get pods -o wide");
  ASSERT_EQ(pods.exit_code, 0) << pods.output;
  EXPECT_THAT(pods.output, HasSubstr("NAME   READY   STATUS    RESTARTS   AGE   IP         NODE     NOMINATED NODE   "
                                     "READINESS GATES"));
  EXPECT_THAT(pods.output, HasSubstr("web    1/1     Running   0          "));
  EXPECT_THAT(Kubectl("get nodes").output, HasSubstr("NAME                            STATUS   ROLES   AGE   VERSION"));
  EXPECT_THAT(Kubectl("get nodes").output, HasSubstr("virtual-kubelet-cn-hangzhou-k   Ready    agent"));
  CommandResult deployments = Kubectl("get deployments");
  EXPECT_THAT(deployments.output, HasSubstr("NAME                     READY   UP-TO-DATE   AVAILABLE   AGE"));
  EXPECT_THAT(deployments.output, HasSubstr("nginx-deployment-basic   0/2     0            0"));
  EXPECT_THAT(Kubectl("get configmaps settings").output, HasSubstr("NAME       DATA   AGE"));
  EXPECT_THAT(Kubectl("get namespaces default").output, HasSubstr("default   Active"));
}

// Every field of `want` (kubectl's own rendering) is in `got` (what the
// server stored), apart from creationTimestamp and empty values.
void ExpectSubset(const json::value& want, const json::value& got, const std::string& path) {
  if (want.is_object()) {
    for (const auto& [key, value] : want.get_object()) {
      if (key == "creationTimestamp") continue;
      const json::value* there = got.is_object() ? got.get_object().if_contains(key) : nullptr;
      const bool empty = value.is_null() || (value.is_object() && value.get_object().empty()) ||
                         (value.is_array() && value.get_array().empty());
      if (there == nullptr) {
        EXPECT_TRUE(empty) << path << "." << std::string(key) << " is missing: " << json::serialize(value);
        continue;
      }
      ExpectSubset(value, *there, absl::StrCat(path, ".", std::string(key)));
    }
  } else if (want.is_array()) {
    ASSERT_TRUE(got.is_array() && got.get_array().size() == want.get_array().size())
        << path << ": " << json::serialize(want) << " vs " << json::serialize(got);
    for (size_t i = 0; i < want.get_array().size(); ++i) {
      ExpectSubset(want.get_array()[i], got.get_array()[i], absl::StrCat(path, "[", i, "]"));
    }
  } else {
    EXPECT_EQ(json::serialize(want), json::serialize(got)) << path;
  }
}

// What newcomers type first: kubectl's generators send protobuf bodies. Each
// object the server stores carries every field kubectl itself renders for
// the same command (--dry-run=client), so the field numbers are right.
TEST_F(KubectlTest, GeneratorsSendProtobufAndEveryFieldArrives) {
  std::ofstream(tmp_ + "/f.txt") << "hello\n";
  struct Case {
    const char* resource;
    const char* name;
    const char* args;  // After "create".
  };
  const Case cases[] = {
      {"namespace", "team-a", "namespace team-a"},
      {"configmap", "settings", "configmap settings --from-literal=mode=burst --from-file=FILE"},
      {"secret", "pw", "secret generic pw --from-literal=password=hunter2"},
      {"secret", "reg", "secret docker-registry reg --docker-server=r.example.com --docker-username=u "
                        "--docker-password=p"},
      {"deployment", "web", "deployment web --image=nginx:1.25 --replicas=3 --port=80"},
      {"deployment", "two", "deployment two --image=nginx:1.25 --image=busybox:1.36"},
      {"service", "web", "service nodeport web --tcp=80:8080"},
      {"service", "headless", "service clusterip headless --clusterip=None"},
      {"service", "db", "service externalname db --external-name=db.example.com"},
      {"job", "once", "job once --image=busybox -- echo hi"},
      {"cronjob", "tick", "cronjob tick --image=busybox --schedule='*/5 * * * *' -- date"},
  };
  for (const Case& c : cases) {
    const std::string args = absl::StrReplaceAll(c.args, {{"FILE", tmp_ + "/f.txt"}});
    CommandResult created = Kubectl("create " + args);
    ASSERT_EQ(created.exit_code, 0) << created.output;
    CommandResult rendered = Kubectl("create --dry-run=client -o json " + args);
    CommandResult stored = Kubectl(absl::StrCat("get ", c.resource, " ", c.name, " -o json"));
    ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
    ASSERT_EQ(stored.exit_code, 0) << stored.output;
    ExpectSubset(json::parse(rendered.output), json::parse(stored.output), c.args);
  }
  // A client that accepts protobuf alone gets 406, not JSON it cannot read.
  CommandResult only_protobuf = RunCommand(absl::StrCat(
      "/usr/bin/python3 -c \"import urllib.request, urllib.error\n"
      "req = urllib.request.Request('http://127.0.0.1:", server_->port(),
      "/api/v1/namespaces/default/configmaps', headers={'Accept': 'application/vnd.kubernetes.protobuf'})\n"
      "try:\n  print(urllib.request.urlopen(req).status)\nexcept urllib.error.HTTPError as e:\n  print(e.code)\""));
  EXPECT_EQ(only_protobuf.output, "406\n");
  // kubectl sent protobuf, so the decoding was exercised, not a JSON fallback.
  CommandResult verbose = Kubectl("create configmap proof --from-literal=a=b -v=8");
  EXPECT_THAT(verbose.output, HasSubstr("Content-Type: application/vnd.kubernetes.protobuf"));
  EXPECT_THAT(Kubectl("get configmap proof -o jsonpath={.data.a}").output, "b");

  // A strategic merge patch merges a Service's ports by `port`.
  CommandResult patched = Kubectl("patch service web -p '{\"spec\":{\"ports\":[{\"port\":443,\"name\":\"https\"}]}}'");
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_EQ(Kubectl("get service web -o jsonpath='{.spec.ports[*].port}'").output, "80 443");
}

// Time comes from the injected clock: creation timestamps and the ages
// kubectl prints move only when the simulated cluster moves them.
TEST(KubectlClockTest, ObjectTimeComesFromTheInjectedClock) {
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  ApiServerOptions options;
  options.clock = &clock;
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string kubectl = absl::StrCat("HOME=", std::getenv("TEST_TMPDIR"), " KUBECONFIG=/dev/null ", kKubectl,
                                           " --server=http://127.0.0.1:", (*server)->port(), " ");
  ASSERT_EQ(RunCommand(kubectl + "create configmap aged --from-literal=a=b").exit_code, 0);
  ASSERT_EQ(RunCommand(kubectl + "create configmap aged-2 --from-literal=a=b").exit_code, 0);
  http::ClientOptions client_options;
  client_options.port = (*server)->port();
  http::Client client(client_options);
  absl::StatusOr<http::ClientResponse> first = client.Get("/api/v1/namespaces/default/configmaps?limit=1");
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string token(json::parse(first->body).at("metadata").at("continue").as_string());
  EXPECT_EQ(RunCommand(kubectl + "get configmap aged -o jsonpath={.metadata.creationTimestamp}").output,
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock.Now(), absl::UTCTimeZone()));
  clock.Advance(absl::Hours(3) + absl::Minutes(20));
  EXPECT_THAT(RunCommand(kubectl + "get configmap aged").output, HasSubstr("aged   1      3h20m"));
  // The first page's snapshot has expired on the injected clock: 410 with a
  // token that continues from the current state.
  absl::StatusOr<http::ClientResponse> expired =
      client.Get("/api/v1/namespaces/default/configmaps?limit=1&continue=" + token);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(expired->status, 410);
  const json::value status = json::parse(expired->body);
  EXPECT_EQ(status.at("reason"), "Expired");
  EXPECT_FALSE(status.at("metadata").at("continue").as_string().empty());
}

// Server-side apply: created, re-applied, a field another manager changed
// is a conflict worded as kube-apiserver's, forcing takes it over, and a
// field no longer applied goes.
TEST_F(KubectlTest, ServerSideApplyWithFieldManagers) {
  const std::string manifest = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: ssa-web, labels: {app: web, tier: front}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
)";
  CommandResult created = Kubectl("apply --server-side -f " + WriteManifest("ssa.yaml", manifest));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(created.output, "deployment.apps/ssa-web serverside-applied\n");
  EXPECT_EQ(Kubectl("get deployment ssa-web -o jsonpath='{.metadata.managedFields[0].manager} "
                    "{.metadata.managedFields[0].operation} {.metadata.managedFields[0].fieldsType}'").output,
            "kubectl Apply FieldsV1");
  ASSERT_EQ(Kubectl("scale deployment ssa-web --replicas=5").exit_code, 0);
  CommandResult conflict = Kubectl("apply --server-side -f " + WriteManifest("ssa.yaml", manifest));
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_THAT(conflict.output, HasSubstr("Apply failed with 1 conflict: conflict with \"kubectl\" with subresource "
                                         "\"scale\" using apps/v1: .spec.replicas"));
  EXPECT_EQ(Kubectl("get deployment ssa-web -o jsonpath={.spec.replicas}").output, "5");
  // Without the label tier and forcing replicas: tier goes, replicas is 2 again.
  std::string trimmed = absl::StrReplaceAll(manifest, {{", tier: front", ""}});
  CommandResult forced = Kubectl("apply --server-side --force-conflicts -f " + WriteManifest("ssa.yaml", trimmed));
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(Kubectl("get deployment ssa-web -o jsonpath='{.spec.replicas} {.metadata.labels}'").output,
            "2 {\"app\":\"web\"}");
  // Without fieldManager an apply is refused.
  http::ClientResponse anonymous = Http("PATCH", "/apis/apps/v1/namespaces/default/deployments/ssa-web",
                                        R"({"spec":{"replicas":1}})", "application/apply-patch+yaml");
  EXPECT_EQ(anonymous.status, 400);
  EXPECT_THAT(anonymous.body, HasSubstr("fieldManager is required"));
}

// Every built-in kind the server serves, through the verbs people use:
// apply, get, label (a strategic merge patch), list by label, server-side
// apply, delete.
TEST_F(KubectlTest, EveryBuiltinKindThroughEveryVerb) {
  struct Kind {
    const char* resource;
    const char* manifest;  // Named "conf-1".
  };
  const Kind kinds[] = {
      {"namespace", "apiVersion: v1\nkind: Namespace\nmetadata: {name: conf-1}\n"},
      {"node", "apiVersion: v1\nkind: Node\nmetadata: {name: conf-1}\n"},
      {"pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: conf-1}\nspec: {containers: [{name: c, image: nginx}]}\n"},
      {"configmap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf-1}\ndata: {k: v}\n"},
      {"secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: conf-1}\nstringData: {k: v}\n"},
      {"serviceaccount", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: conf-1}\n"},
      {"service", "apiVersion: v1\nkind: Service\nmetadata: {name: conf-1}\nspec: {ports: [{port: 80}]}\n"},
      {"event", "apiVersion: v1\nkind: Event\nmetadata: {name: conf-1}\ninvolvedObject: {kind: Pod, name: p}\n"
                "reason: Test\nmessage: hello\ntype: Normal\n"},
      {"events.v1.events.k8s.io", "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: conf-1}\n"
                                  "eventTime: \"2026-01-01T00:00:00.000000Z\"\nreason: Test\naction: Test\n"
                                  "reportingController: spillway\nreportingInstance: x\ntype: Normal\n"},
      {"deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: conf-1}\nspec:\n"
                     "  selector: {matchLabels: {app: c}}\n  template:\n    metadata: {labels: {app: c}}\n"
                     "    spec: {containers: [{name: c, image: nginx}]}\n"},
      {"replicaset", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: conf-1}\nspec:\n"
                     "  selector: {matchLabels: {app: r}}\n  template:\n    metadata: {labels: {app: r}}\n"
                     "    spec: {containers: [{name: c, image: nginx}]}\n"},
      {"statefulset", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: conf-1}\nspec:\n"
                      "  serviceName: s\n  selector: {matchLabels: {app: s}}\n  template:\n"
                      "    metadata: {labels: {app: s}}\n    spec: {containers: [{name: c, image: nginx}]}\n"},
      {"daemonset", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: conf-1}\nspec:\n"
                    "  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n"
                    "    spec: {containers: [{name: c, image: nginx}]}\n"},
      {"job", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: conf-1}\nspec:\n  template:\n"
              "    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}\n"},
      {"cronjob", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: conf-1}\nspec:\n  schedule: \"*/5 * * * *\"\n"
                  "  jobTemplate:\n    spec:\n      template:\n"
                  "        spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}\n"},
      {"lease", "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: conf-1}\nspec: {holderIdentity: a}\n"},
      {"hpa", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: conf-1}\nspec:\n"
              "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: conf-1}\n  maxReplicas: 3\n"},
      {"pdb", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: conf-1}\n"
              "spec: {minAvailable: 1, selector: {matchLabels: {app: c}}}\n"},
      {"role", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: conf-1}\n"
               "rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]\n"},
      {"rolebinding", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: conf-1}\n"
                      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: conf-1}\n"
                      "subjects: [{kind: ServiceAccount, name: conf-1, namespace: default}]\n"},
      {"clusterrole", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: conf-1}\n"
                      "rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]\n"},
      {"clusterrolebinding", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                             "metadata: {name: conf-1}\n"
                             "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: conf-1}\n"
                             "subjects: [{kind: ServiceAccount, name: conf-1, namespace: default}]\n"},
  };
  for (const Kind& kind : kinds) {
    SCOPED_TRACE(kind.resource);
    const std::string file = WriteManifest("conf.yaml", kind.manifest);
    const std::string object = absl::StrCat(kind.resource, " conf-1");
    CommandResult applied = Kubectl("apply -f " + file);
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
    EXPECT_EQ(Kubectl("get " + object + " -o jsonpath={.metadata.name}").output, "conf-1");
    CommandResult labelled = Kubectl("label " + object + " conformance=yes");
    ASSERT_EQ(labelled.exit_code, 0) << labelled.output;
    CommandResult listed = Kubectl(absl::StrCat("get ", kind.resource, " -l conformance=yes -o name"));
    EXPECT_THAT(listed.output, HasSubstr("/conf-1")) << listed.output;
    CommandResult server_side = Kubectl("apply --server-side --force-conflicts -f " + file);
    EXPECT_EQ(server_side.exit_code, 0) << server_side.output;
    CommandResult deleted = Kubectl("delete " + object + " --wait=false");
    ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
    if (std::string(kind.resource) != "namespace") {  // A namespace goes once empty; tested apart.
      EXPECT_THAT(Kubectl("get " + object).output, HasSubstr("NotFound"));
    }
  }
}

TEST_F(KubectlTest, CustomResourcesWithSchemaStatusAndScale) {
  const std::string crd = spillway::testing::RunfilePath("deploy/elasticworkload-crd.yaml");
  CommandResult defined = Kubectl("apply -f " + crd);
  ASSERT_EQ(defined.exit_code, 0) << defined.output;
  EXPECT_THAT(Kubectl("get crd elasticworkloads.autoscaling.alibabacloud.com "
                      "-o jsonpath='{.status.conditions[?(@.type==\"Established\")].status}'").output,
              "True");
  const std::string sample = spillway::testing::RunfilePath("testdata/elasticworkload/sample.yaml");
  CommandResult created = Kubectl("apply -f " + sample);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(created.output,
            "deployment.apps/nginx-deployment-basic created\n"
            "elasticworkload.autoscaling.alibabacloud.com/elasticworkload-sample created\n");
  EXPECT_EQ(Kubectl("get ew elasticworkload-sample -o jsonpath={.spec.replicas}").output, "6");
  // The CRD's printer columns, through a server-side Table.
  CommandResult table = Kubectl("get ew");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("NAME                     SOURCE                   SOURCE-REPLICAS   UNITS   DESIRED   READY   AGE"));
  EXPECT_THAT(table.output, HasSubstr("elasticworkload-sample   nginx-deployment-basic"));

  // The CRD's schema is enforced: wrong types and bounds are 422, unknown
  // fields are refused under kubectl's strict field validation.
  const std::string wrong = WriteManifest("ew-bad.yaml", R"(apiVersion: autoscaling.alibabacloud.com/v1beta1
kind: ElasticWorkload
metadata: {name: bad}
spec:
  sourceTarget: {name: web, kind: Deployment, min: -1}
  replicas: six
)");
  CommandResult invalid = Kubectl("apply -f " + wrong);
  EXPECT_NE(invalid.exit_code, 0);
  EXPECT_THAT(invalid.output, HasSubstr("spec.replicas in body must be of type integer"));
  EXPECT_THAT(invalid.output, HasSubstr("spec.sourceTarget.min in body should be greater than or equal to 0"));
  const std::string unknown = WriteManifest("ew-unknown.yaml", R"(apiVersion: autoscaling.alibabacloud.com/v1beta1
kind: ElasticWorkload
metadata: {name: unknown}
spec:
  sourceTarget: {name: web, kind: Deployment}
  replicas: 1
  bogus: true
)");
  CommandResult strict = Kubectl("apply -f " + unknown);
  EXPECT_NE(strict.exit_code, 0);
  EXPECT_THAT(strict.output, HasSubstr("unknown field \"spec.bogus\""));

  // Status is a subresource; scale maps onto .spec.replicas / .status.*.
  CommandResult status = Kubectl(
      "patch ew elasticworkload-sample --subresource=status --type=merge "
      "-p '{\"status\":{\"replicas\":6,\"selector\":\"app=nginx\"}}'");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  CommandResult scaled = Kubectl("scale ew elasticworkload-sample --replicas=4");
  ASSERT_EQ(scaled.exit_code, 0) << scaled.output;
  EXPECT_EQ(Kubectl("get ew elasticworkload-sample -o jsonpath='{.spec.replicas} {.status.replicas}'").output,
            "4 6");
  http::ClientResponse scale = Http(
      "GET", "/apis/autoscaling.alibabacloud.com/v1beta1/namespaces/default/elasticworkloads/elasticworkload-sample/scale");
  EXPECT_THAT(scale.body, HasSubstr(R"("status":{"replicas":6,"selector":"app=nginx"})"));
  CommandResult strategic = Kubectl("patch ew elasticworkload-sample -p '{\"spec\":{\"replicas\":5}}'");
  EXPECT_NE(strategic.exit_code, 0);
  EXPECT_THAT(strategic.output, HasSubstr("strategic merge patch is not supported for custom resources"));

  // Deleting the definition deletes its objects and its API.
  ASSERT_EQ(Kubectl("delete -f " + crd).exit_code, 0);
  CommandResult gone = Kubectl("get elasticworkloads.autoscaling.alibabacloud.com");
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_EQ(Http("GET", "/apis/autoscaling.alibabacloud.com/v1beta1/namespaces/default/elasticworkloads").status, 404);
}

// A mutating webhook in the test: adds a label and the virtual-node
// toleration to every pod, denies pods labelled deny=true.
http::Response MutatePod(http::Request& request) {
  json::value review = json::parse(request.body);
  const json::object& req = review.at("request").as_object();
  const json::value* labels = req.at("object").at("metadata").as_object().if_contains("labels");
  json::object response{{"uid", req.at("uid")}, {"allowed", true}};
  if (labels != nullptr && labels->as_object().if_contains("deny") != nullptr) {
    response["allowed"] = false;
    response["status"] = json::object{{"message", "pods labelled deny are refused"}};
  } else {
    const std::string patch = absl::StrCat(
        R"([{"op":"add","path":"/metadata/labels","value":{"mutated":"true","ns":")",
        std::string(req.at("namespace").as_string()),
        R"("}},{"op":"add","path":"/spec/tolerations","value":[{"key":"virtual-kubelet.io/provider","operator":"Exists"}]}])");
    response["patchType"] = "JSONPatch";
    response["patch"] = absl::Base64Escape(patch);
  }
  http::Response out;
  out.body = json::serialize(json::object{{"apiVersion", "admission.k8s.io/v1"},
                                          {"kind", "AdmissionReview"},
                                          {"response", response}});
  return out;
}

TEST_F(KubectlTest, MutatingWebhooksSeePodCreates) {
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.tls_cert_file = spillway::testing::RunfilePath("testdata/tls/server.crt");
  options.tls_key_file = spillway::testing::RunfilePath("testdata/tls/server.key");
  absl::StatusOr<std::unique_ptr<http::Server>> webhook = http::Server::Start(options, MutatePod);
  ASSERT_TRUE(webhook.ok()) << webhook.status();
  const std::string ca = absl::Base64Escape(spillway::testing::ReadRunfile("testdata/tls/server.crt"));
  auto configuration = [&](const std::string& name, const std::string& url, const std::string& policy) {
    return absl::StrCat(R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: )", name, R"(}
webhooks:
- name: )", name, R"(.spillway.dev
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: )", policy, R"(
  clientConfig: {url: ")", url, R"(", caBundle: )", ca, R"(}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  objectSelector: {matchExpressions: [{key: skip, operator: DoesNotExist}]}
)");
  };
  const std::string good = WriteManifest(
      "webhook.yaml", configuration("mutate", absl::StrCat("https://127.0.0.1:", (*webhook)->port(), "/mutate"), "Fail"));
  CommandResult registered = Kubectl("apply -f " + good);
  ASSERT_EQ(registered.exit_code, 0) << registered.output;

  CommandResult created = Kubectl("run web --image=nginx --restart=Never --dry-run=client -o json > " + tmp_ +
                                  "/pod.json && HOME=" + tmp_ + " KUBECONFIG=/dev/null " + kKubectl +
                                  " --server=http://127.0.0.1:" + std::to_string(server_->port()) +
                                  " create -f " + tmp_ + "/pod.json");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(Kubectl("get pod web -o jsonpath='{.metadata.labels.mutated} {.metadata.labels.ns} {.spec.tolerations[0].key}'").output,
            "true default virtual-kubelet.io/provider");

  CommandResult denied = Kubectl("run refused --image=nginx --restart=Never --labels=deny=true");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.output, HasSubstr("admission webhook \"mutate.spillway.dev\" denied the request: pods labelled deny are refused"));
  EXPECT_THAT(Kubectl("run skipped --image=nginx --restart=Never --labels=skip=1,deny=true").output,
              HasSubstr("pod/skipped created"));  // objectSelector excludes it.

  // An unreachable webhook: Ignore lets pods through, Fail refuses them.
  const std::string ignored = WriteManifest("ignored.yaml", configuration("ignored", "https://127.0.0.1:1/x", "Ignore"));
  ASSERT_EQ(Kubectl("apply -f " + ignored).exit_code, 0);
  EXPECT_THAT(Kubectl("run second --image=nginx --restart=Never").output, HasSubstr("pod/second created"));
  const std::string failing = WriteManifest("failing.yaml", configuration("failing", "https://127.0.0.1:1/x", "Fail"));
  ASSERT_EQ(Kubectl("apply -f " + failing).exit_code, 0);
  CommandResult failed = Kubectl("run third --image=nginx --restart=Never");
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_THAT(failed.output, HasSubstr("failed calling webhook \"failing.spillway.dev\""));
}

// The API server keeps its connection to a webhook between calls, as
// kube-apiserver keeps a transport per clientConfig: one TLS handshake, not
// one per admitted pod. Seen from the webhook, a request on a kept-alive
// connection arrives with the buffer of that connection's last response.
TEST_F(KubectlTest, WebhookConnectionsAreKeptBetweenCalls) {
  std::atomic<int> calls{0};
  std::atomic<int> on_kept_connection{0};
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.tls_cert_file = spillway::testing::RunfilePath("testdata/tls/server.crt");
  options.tls_key_file = spillway::testing::RunfilePath("testdata/tls/server.key");
  absl::StatusOr<std::unique_ptr<http::Server>> webhook =
      http::Server::Start(options, [&](http::Request& request) {
        ++calls;
        if (request.response_buffer.capacity() > std::string().capacity()) ++on_kept_connection;
        return MutatePod(request);
      });
  ASSERT_TRUE(webhook.ok()) << webhook.status();
  const std::string ca = absl::Base64Escape(spillway::testing::ReadRunfile("testdata/tls/server.crt"));
  const std::string manifest = WriteManifest("kept.yaml", absl::StrCat(R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: kept}
webhooks:
- name: kept.spillway.dev
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig: {url: "https://127.0.0.1:)", (*webhook)->port(), R"(/mutate", caBundle: )", ca, R"(}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
)"));
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  for (int i = 0; i < 5; ++i) {
    const std::string pod = absl::StrCat(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"kept-)", i,
                                         R"("},"spec":{"containers":[{"name":"app","image":"nginx"}]}})");
    EXPECT_EQ(Http("POST", "/api/v1/namespaces/default/pods", pod).status, 201) << i;
  }
  EXPECT_EQ(calls.load(), 5);
  EXPECT_EQ(on_kept_connection.load(), 4) << "only the first call opens a connection";
}

// Issue 21.4: `kubectl explain` on built-ins walks typed, described schemas
// (OpenAPI v3, builtin_openapi.h), as on a real cluster.
TEST_F(KubectlTest, ExplainWalksBuiltinSchemas) {
  CommandResult containers = Kubectl("explain pods.spec.containers");
  ASSERT_EQ(containers.exit_code, 0) << containers.output;
  EXPECT_THAT(containers.output, HasSubstr("FIELD: containers <[]Container>"));
  EXPECT_THAT(containers.output, HasSubstr("List of containers belonging to the pod."));
  EXPECT_THAT(containers.output, HasSubstr("imagePullPolicy\t<string>"));
  CommandResult tolerations = Kubectl("explain deployments.spec.template.spec.tolerations");
  ASSERT_EQ(tolerations.exit_code, 0) << tolerations.output;
  EXPECT_THAT(tolerations.output, HasSubstr("FIELD: tolerations <[]Toleration>"));
  EXPECT_THAT(tolerations.output, HasSubstr("tolerationSeconds\t<integer>"));
  CommandResult labels = Kubectl("explain ns.metadata.labels");
  ASSERT_EQ(labels.exit_code, 0) << labels.output;
  EXPECT_THAT(labels.output, HasSubstr("FIELD: labels <map[string]string>"));
  CommandResult recursive = Kubectl("explain services --recursive");
  ASSERT_EQ(recursive.exit_code, 0) << recursive.output;
  EXPECT_THAT(recursive.output, HasSubstr("sessionAffinity\t<string>"));
  CommandResult missing = Kubectl("explain pods.spec.nosuchfield");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("field \"nosuchfield\" does not exist"));
}

// With typed schemas that list strategic merge patch for built-ins, kubectl's
// client-side apply computes its patch from them (OpenAPI v3), merge keys
// included: a removed container, port and env var go, the rest stays.
TEST_F(KubectlTest, ClientSideApplyPatchesFromTheServersSchemas) {
  // Deployment "web" with the pod spec `fields` (indented as its template's spec).
  auto web = [](const char* fields) {
    return absl::StrCat(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
)",
                        fields);
  };
  const std::string before = web(R"(      tolerations: [{key: a, operator: Exists}]
      containers:
      - {name: a, image: nginx, ports: [{containerPort: 80}, {containerPort: 81}], env: [{name: X, value: "1"}]}
      - {name: b, image: busybox}
)");
  const std::string after = web(R"(      tolerations: [{key: b, operator: Exists}]
      containers:
      - {name: a, image: "nginx:2", ports: [{containerPort: 80}], env: [{name: "Z", value: "2"}]}
)");
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("before.yaml", before)).exit_code, 0);
  CommandResult applied = Kubectl("apply -v=6 -f " + WriteManifest("after.yaml", after));
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, Not(HasSubstr("warning")));
  EXPECT_THAT(applied.output, Not(HasSubstr("openapi/v2")));  // No fallback from v3.
  CommandResult spec = Kubectl("get deployment web -o jsonpath={.spec.template.spec.containers}{.spec.template.spec.tolerations}");
  ASSERT_EQ(spec.exit_code, 0) << spec.output;
  EXPECT_THAT(spec.output, HasSubstr(R"("env":[{"name":"Z","value":"2"}],"image":"nginx:2")"));
  EXPECT_THAT(spec.output, HasSubstr(R"("ports":[{"containerPort":80}])"));
  EXPECT_THAT(spec.output, Not(HasSubstr("busybox")));
  EXPECT_THAT(spec.output, HasSubstr(R"([{"key":"b","operator":"Exists"}])"));
}

}  // namespace
}  // namespace spillway::sim
