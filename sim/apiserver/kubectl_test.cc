// Drives the embedded API server with the real kubectl binary
// (/usr/bin/kubectl, 1.32) and with raw HTTP, checking the REST semantics
// kubectl and Spillway's client rely on.
#include <signal.h>
#include <sys/wait.h>

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

constexpr char kManifest[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: burst
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment-basic
spec:
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx:1.25}]
)";

std::string ConfigMap(const char* name) {
  return absl::StrCat("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ", name,
                      "}\ndata: {k: v}\n");
}

TEST_F(KubectlTest, DiscoveryAndDefaultNamespaces) {
  CommandResult version = Kubectl("version -o json");
  EXPECT_EQ(version.exit_code, 0) << version.output;
  EXPECT_THAT(version.output, HasSubstr("\"gitVersion\": \"v1.32.0\""));
  CommandResult namespaces = Kubectl("get namespaces -o name");
  EXPECT_EQ(namespaces.exit_code, 0) << namespaces.output;
  EXPECT_EQ(namespaces.output,
            "namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\n"
            "namespace/kube-system\n");
  CommandResult resources = Kubectl("api-resources --api-group=apps -o name");
  EXPECT_EQ(resources.exit_code, 0) << resources.output;
  EXPECT_THAT(resources.output, HasSubstr("deployments.apps"));
}

TEST_F(KubectlTest, ApplyGetLabelPatchDelete) {
  const std::string manifest = WriteManifest("app.yaml", kManifest);
  CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(applied.output,
            "pod/web created\nconfigmap/settings created\n"
            "deployment.apps/nginx-deployment-basic created\n");
  CommandResult again = Kubectl("apply -f " + manifest);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("pod/web unchanged"));

  CommandResult replicas =
      Kubectl("get deployment nginx-deployment-basic -o jsonpath={.spec.replicas}");
  EXPECT_EQ(replicas.output, "2");

  ASSERT_EQ(Kubectl("label pod web tier=front").exit_code, 0);
  EXPECT_EQ(Kubectl("get pods -l tier=front -o name").output, "pod/web\n");
  EXPECT_EQ(Kubectl("get pods -l 'tier notin (front)' -o name").output, "");

  CommandResult patched =
      Kubectl("patch configmap settings --type=merge -p '{\"data\":{\"mode\":\"eci_only\"}}'");
  EXPECT_EQ(patched.exit_code, 0) << patched.output;
  EXPECT_EQ(Kubectl("get configmap settings -o jsonpath={.data.mode}").output, "eci_only");

  // kubectl's default patch type is strategic: containers merge by name.
  CommandResult strategic = Kubectl(
      "patch deployment nginx-deployment-basic -p "
      "'{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"log\",\"image\":\"busybox\"}]}}}}'");
  EXPECT_EQ(strategic.exit_code, 0) << strategic.output;
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic "
                    "-o jsonpath='{.spec.template.spec.containers[*].name}'").output,
            "nginx log");
  CommandResult json_patch = Kubectl(
      "patch pod web --type=json -p "
      "'[{\"op\":\"add\",\"path\":\"/spec/tolerations\",\"value\":[{\"key\":\"virtual-kubelet.io/provider\",\"operator\":\"Exists\"}]}]'");
  EXPECT_EQ(json_patch.exit_code, 0) << json_patch.output;
  EXPECT_EQ(Kubectl("get pod web -o jsonpath={.spec.tolerations[0].key}").output,
            "virtual-kubelet.io/provider");
  CommandResult failed_test = Kubectl(
      "patch pod web --type=json -p '[{\"op\":\"test\",\"path\":\"/metadata/name\",\"value\":\"other\"}]'");
  EXPECT_NE(failed_test.exit_code, 0);
  EXPECT_THAT(failed_test.output, HasSubstr("test failed"));

  EXPECT_EQ(Kubectl("delete pod web").output, "pod \"web\" deleted\n");
  CommandResult missing = Kubectl("get pod web");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("Error from server (NotFound): pods \"web\" not found"));
}

TEST_F(KubectlTest, ScaleAndStatusSubresources) {
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("app.yaml", kManifest)).exit_code, 0);
  CommandResult scaled = Kubectl("scale deployment nginx-deployment-basic --replicas=5");
  EXPECT_EQ(scaled.output, "deployment.apps/nginx-deployment-basic scaled\n");
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic "
                    "-o jsonpath='{.spec.replicas} {.metadata.generation}'").output,
            "5 2");
  http::ClientResponse scale =
      Http("GET", "/apis/apps/v1/namespaces/default/deployments/nginx-deployment-basic/scale");
  EXPECT_THAT(scale.body, HasSubstr(R"("spec":{"replicas":5},"status":{"replicas":0,"selector":"app=nginx"})"));

  CommandResult status = Kubectl(
      "patch deployment nginx-deployment-basic --subresource=status --type=merge "
      "-p '{\"status\":{\"replicas\":5,\"readyReplicas\":3}}'");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  // A write to the main resource cannot change status, nor does status bump generation.
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --type=merge "
                    "-p '{\"status\":{\"readyReplicas\":0}}'").exit_code, 0);
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic "
                    "-o jsonpath='{.status.readyReplicas} {.metadata.generation}'").output,
            "3 2");
  http::ClientResponse negative =
      Http("PATCH", "/apis/apps/v1/namespaces/default/deployments/nginx-deployment-basic/scale",
           R"({"spec":{"replicas":-1}})", "application/merge-patch+json");
  EXPECT_EQ(negative.status, 422);
  // As kube-apiserver: a PATCH must say which kind of patch it is.
  EXPECT_EQ(Http("PATCH", "/apis/apps/v1/namespaces/default/deployments/nginx-deployment-basic",
                 R"({"spec":{"replicas":1}})")
                .status,
            415);
  EXPECT_EQ(Http("GET", "/api/v1/namespaces/default/pods/web/scale").status, 404)
      << "pods have no scale subresource";
}

TEST_F(KubectlTest, ErrorsComeBackAsStatusObjects) {
  const std::string manifest = WriteManifest(
      "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: solo}\n"
                  "spec: {containers: [{name: c, image: busybox}]}\n");
  CommandResult wrong_namespace = Kubectl("create -f " + manifest + " -n nowhere");
  EXPECT_NE(wrong_namespace.exit_code, 0);
  EXPECT_THAT(wrong_namespace.output, HasSubstr("namespaces \"nowhere\" not found"));
  ASSERT_EQ(Kubectl("create -f " + manifest).exit_code, 0);
  CommandResult duplicate = Kubectl("create -f " + manifest);
  EXPECT_THAT(duplicate.output, HasSubstr("(AlreadyExists)"));
}

// What a real server refuses, with its status code and wording; and the
// paths and verbs clients use that are easy to get wrong.
TEST_F(KubectlTest, LimitsPathsAndCollectionDeletesAsARealServer) {
  // Over 3 MiB: 413 before anything else.
  http::ClientResponse huge = Http("POST", "/api/v1/namespaces/default/configmaps",
                                   absl::StrCat(R"({"metadata":{"name":"huge"},"data":{"k":")",
                                                std::string(3 * 1024 * 1024, 'x'), R"("}})"));
  EXPECT_EQ(huge.status, 413);
  EXPECT_THAT(huge.body, HasSubstr("Request entity too large: limit is 3145728"));
  // ConfigMap data over 1 MiB: 422 as kube-apiserver words it.
  http::ClientResponse big_data = Http("POST", "/api/v1/namespaces/default/configmaps",
                                       absl::StrCat(R"({"metadata":{"name":"big"},"data":{"k":")",
                                                    std::string(1100 * 1024, 'x'), R"("}})"));
  EXPECT_EQ(big_data.status, 422);
  EXPECT_THAT(big_data.body, HasSubstr(R"(ConfigMap \"big\" is invalid: []: Too long: must have at most 1048576 bytes)"));
  // An object over etcd's 1.5 MiB (a Pod's container args, say; annotations
  // stop at 256 KiB before that).
  http::ClientResponse big_object = Http(
      "POST", "/api/v1/namespaces/default/pods",
      absl::StrCat(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","args":[")",
                   std::string(1600 * 1024, 'x'), R"("]}]}})"));
  EXPECT_EQ(big_object.status, 413);
  EXPECT_THAT(big_object.body, HasSubstr("etcdserver: request is too large"));

  // Trailing slashes (the Python client asks /version/ and /apis/).
  EXPECT_EQ(Http("GET", "/version/").status, 200);
  EXPECT_EQ(Http("GET", "/api/").status, 200);
  EXPECT_THAT(Http("GET", "/apis/").body, HasSubstr("APIGroupList"));
  // URL-encoded names.
  ASSERT_EQ(Http("POST", "/api/v1/namespaces/default/configmaps",
                 R"({"metadata":{"name":"a.b"},"data":{"k":"v"}})").status, 201);
  EXPECT_EQ(Http("GET", "/api/v1/namespaces/default/configmaps/a%2Eb").status, 200);
  // DELETE on a collection, with a label selector.
  for (const char* name : {"x1", "x2", "y1"}) {
    ASSERT_EQ(Http("POST", "/api/v1/namespaces/default/configmaps",
                   absl::StrCat(R"({"metadata":{"name":")", name, R"(","labels":{"group":")",
                                std::string(1, name[0]), R"("}},"data":{"k":"v"}})")).status, 201);
  }
  http::ClientResponse removed = Http("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=group%3Dx");
  EXPECT_EQ(removed.status, 200);
  EXPECT_EQ(Http("GET", "/api/v1/namespaces/default/configmaps/x1").status, 404);
  EXPECT_EQ(Http("GET", "/api/v1/namespaces/default/configmaps/y1").status, 200);
}

// Defaults and refusals as a real server gives them, read back with kubectl.
TEST_F(KubectlTest, DefaultsAndRefusalsAsARealServer) {
  // Defaults a real server fills in, read back with kubectl.
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("deploy.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: defaulted}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: nginx}]}
)")).exit_code, 0);
  EXPECT_EQ(Kubectl("get deployment defaulted -o jsonpath='{.spec.replicas} {.spec.strategy.type} "
                    "{.spec.revisionHistoryLimit} {.spec.template.spec.restartPolicy} "
                    "{.spec.template.spec.containers[0].imagePullPolicy}'").output,
            "1 RollingUpdate 10 Always Always");
  // A replace that drops defaulted fields gets them back, as on a real server.
  CommandResult replaced = Kubectl("replace -f " + WriteManifest("replace.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: defaulted}
spec:
  replicas: 2
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
)"));
  ASSERT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_EQ(Kubectl("get deployment defaulted -o jsonpath='{.spec.replicas} {.spec.strategy.type} "
                    "{.spec.progressDeadlineSeconds} {.spec.template.spec.dnsPolicy} "
                    "{.spec.template.spec.containers[0].imagePullPolicy}'").output,
            "2 RollingUpdate 600 ClusterFirst IfNotPresent");

  // Validation a real server does, worded as it words it.
  CommandResult bad_name = Kubectl("create -f " + WriteManifest("bad.yaml", ConfigMap("Bad_Name")));
  EXPECT_NE(bad_name.exit_code, 0);
  EXPECT_THAT(bad_name.output, HasSubstr("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: "
                                         "\"Bad_Name\": a lowercase RFC 1123 subdomain"));
  CommandResult selector = Kubectl(
      "patch deployment defaulted --type=merge -p '{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"other\"}}}}'");
  EXPECT_NE(selector.exit_code, 0);
  EXPECT_THAT(selector.output, HasSubstr("Deployment.apps \"defaulted\" is invalid: spec.selector: Invalid value"));
  EXPECT_THAT(selector.output, HasSubstr("field is immutable"));
  CommandResult typed = Kubectl("apply -f " + WriteManifest("typed.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: typed}
spec:
  replicas: "two"
  selector: {matchLabels: {app: t}}
  template:
    metadata: {labels: {app: t}}
    spec: {containers: [{name: c, image: nginx}]}
)"));
  EXPECT_NE(typed.exit_code, 0);
  EXPECT_THAT(typed.output, HasSubstr("Error from server (BadRequest)"));
  CommandResult mismatched = Kubectl("apply -f " + WriteManifest("mismatch.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: mismatched}
spec:
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: two}}
    spec: {containers: [{name: c}]}
)"));
  EXPECT_NE(mismatched.exit_code, 0);
  EXPECT_THAT(mismatched.output, HasSubstr("Deployment.apps \"mismatched\" is invalid: "));
  EXPECT_THAT(mismatched.output, HasSubstr("`selector` does not match template `labels`"));
  EXPECT_THAT(mismatched.output, HasSubstr("spec.template.spec.containers[0].image: Required value"));
  EXPECT_THAT(typed.output, HasSubstr("Deployment in version \"v1\" cannot be handled as a Deployment: json: "
                                      "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas "
                                      "of type int32"));
}

// Deleting a namespace: Terminating, no new content (403 as a real server
// words it), its objects deleted, itself gone once the last finalizer is.
// Fields a built-in kind does not declare, under each of kubectl's
// --validate modes (fieldValidation Strict, Warn, Ignore): refused, warned
// about, or silently dropped, and never stored.
TEST_F(KubectlTest, UnknownBuiltinFieldsFollowFieldValidation) {
  const std::string manifest = WriteManifest("typo.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: typo}
spec:
  replica: 3
  selector: {matchLabels: {app: t}}
  template:
    metadata: {labels: {app: t}}
    spec:
      containers:
      - {name: c, image: nginx, imagePullPolcy: Always}
)");
  CommandResult strict = Kubectl("apply -f " + manifest);
  EXPECT_NE(strict.exit_code, 0);
  EXPECT_THAT(strict.output,
              HasSubstr("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: "
                        "unknown field \"spec.replica\", unknown field "
                        "\"spec.template.spec.containers[0].imagePullPolcy\""));
  EXPECT_THAT(Kubectl("get deployment typo").output, HasSubstr("NotFound"));

  CommandResult warned = Kubectl("apply --validate=warn -f " + manifest);
  ASSERT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("Warning: unknown field \"spec.replica\""));
  EXPECT_THAT(warned.output, HasSubstr("Warning: unknown field \"spec.template.spec.containers[0].imagePullPolcy\""));
  EXPECT_THAT(warned.output, HasSubstr("deployment.apps/typo created"));
  // Dropped, as the typed decoder drops them: the defaults stand instead.
  EXPECT_EQ(Kubectl("get deployment typo -o jsonpath='{.spec.replicas} "
                    "{.spec.template.spec.containers[0].imagePullPolicy}'").output,
            "1 Always");
  // (Only kubectl's last-applied annotation still has the typo.)
  EXPECT_THAT(Kubectl("get deployment typo -o jsonpath={.spec}").output, Not(HasSubstr("imagePullPolcy")));

  CommandResult ignored = Kubectl("apply --validate=false -f " + WriteManifest("typo2.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata: {name: typo2}
date: {k: v}
)"));
  ASSERT_EQ(ignored.exit_code, 0) << ignored.output;
  EXPECT_THAT(ignored.output, Not(HasSubstr("Warning")));
  EXPECT_EQ(Kubectl("get configmap typo2 -o jsonpath={.date}").output, "");

  http::ClientResponse unsupported =
      Http("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Loose", R"({"metadata":{"name":"x"}})");
  EXPECT_EQ(unsupported.status, 422);
  EXPECT_THAT(unsupported.body, HasSubstr("CreateOptions.meta.k8s.io \\\"\\\" is invalid: fieldValidation: "
                                          "Unsupported value: \\\"Loose\\\": supported values: \\\"Ignore\\\", "
                                          "\\\"Warn\\\", \\\"Strict\\\""));
}

TEST_F(KubectlTest, ADeletedNamespaceTerminatesThenGoes) {
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("ns.yaml", R"(apiVersion: v1
kind: Namespace
metadata: {name: doomed}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: plain, namespace: doomed}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: held, namespace: doomed, finalizers: [example.com/hold]}
data: {k: v}
)")).exit_code, 0);
  CommandResult deleted = Kubectl("delete namespace doomed --wait=false");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_EQ(Kubectl("get namespace doomed -o jsonpath={.status.phase}").output, "Terminating");
  EXPECT_THAT(Kubectl("get configmap plain -n doomed").output, HasSubstr("NotFound"));
  CommandResult refused = Kubectl("create -f " + WriteManifest("late.yaml", ConfigMap("late")) + " -n doomed");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("configmaps \"late\" is forbidden: unable to create new content in "
                                        "namespace doomed because it is being terminated"));
  ASSERT_EQ(Kubectl("patch configmap held -n doomed --type=merge -p '{\"metadata\":{\"finalizers\":null}}'").exit_code,
            0);
  EXPECT_THAT(Kubectl("get namespace doomed").output, HasSubstr("NotFound"));
  EXPECT_THAT(Kubectl("delete namespace default").output, HasSubstr("this namespace may not be deleted"));
}


TEST_F(KubectlTest, GetWatchStreamsChanges) {
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("a.yaml", ConfigMap("a"))).exit_code, 0);
  // The shell prints its pid and becomes kubectl, so the test can stop it.
  const std::string command =
      absl::StrCat("echo $$; HOME=", tmp_, " KUBECONFIG=/dev/null exec timeout 60 ", kKubectl,
                   " --server=http://127.0.0.1:", server_->port(),
                   " get configmaps --watch -o name 2>&1");
  FILE* watch = popen(command.c_str(), "r");
  ASSERT_NE(watch, nullptr);
  char line[512];
  ASSERT_NE(fgets(line, sizeof(line), watch), nullptr);
  const pid_t kubectl = static_cast<pid_t>(std::atoi(line));
  ASSERT_NE(fgets(line, sizeof(line), watch), nullptr);
  EXPECT_STREQ(line, "configmap/a\n") << "the list before the watch";
  // kubectl has printed the list; wait until its watch is open, then change things.
  for (int i = 0; i < 2000 && server_->active_watches() == 0; ++i) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(server_->active_watches(), 1);
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("b.yaml", ConfigMap("b"))).exit_code, 0);
  ASSERT_NE(fgets(line, sizeof(line), watch), nullptr);
  EXPECT_STREQ(line, "configmap/b\n");
  ASSERT_EQ(Kubectl("delete configmap a").exit_code, 0);
  ASSERT_NE(fgets(line, sizeof(line), watch), nullptr);
  EXPECT_STREQ(line, "configmap/a\n") << "the deletion";
  kill(kubectl, SIGTERM);
  pclose(watch);
  // The server notices the client hung up and ends the watch.
  for (int i = 0; i < 2000 && server_->active_watches() > 0; ++i) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(server_->active_watches(), 0);
}

TEST(ApiServerWatchTest, TooOldResourceVersionIsGoneAndBookmarksFlow) {
  ApiServerOptions options;
  options.watch_window = 2;
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(options);
  ASSERT_TRUE(server.ok());
  http::ClientOptions client_options;
  client_options.port = (*server)->port();
  http::Client client(client_options);
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_EQ(client.Post("/api/v1/namespaces/default/configmaps",
                          absl::StrCat(R"({"metadata":{"name":")", name, R"("}})"))->status,
              201);
  }
  absl::StatusOr<http::ClientResponse> gone =
      client.Get("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1");
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->status, 200);
  EXPECT_THAT(gone->body, HasSubstr(R"({"type":"ERROR","object":{"kind":"Status")"));
  EXPECT_THAT(gone->body, HasSubstr(R"("reason":"Expired","code":410)"));

  const uint64_t now = (*server)->store().resource_version();
  absl::StatusOr<http::ClientResponse> recent = client.Get(absl::StrCat(
      "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=", now - 1,
      "&timeoutSeconds=1&labelSelector=x%3Dy"));
  ASSERT_TRUE(recent.ok()) << recent.status();
  EXPECT_EQ(recent->body, "") << "the one recent event does not match the selector";
  absl::StatusOr<http::ClientResponse> last = client.Get(absl::StrCat(
      "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=", now - 1,
      "&timeoutSeconds=1"));
  EXPECT_THAT(last->body, HasSubstr(R"({"type":"ADDED","object":)"));
  EXPECT_THAT(last->body, HasSubstr(R"("name":"c")"));
}

TEST_F(KubectlTest, StaleUpdateIsAConflict) {
  http::ClientResponse created = Http(
      "POST", "/api/v1/namespaces/default/configmaps",
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"1"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string version = std::to_string(server_->store().resource_version());
  const std::string update = absl::StrCat(R"({"metadata":{"name":"c","resourceVersion":")",
                                          version, R"("},"data":{"k":"2"}})");
  http::ClientResponse first = Http("PUT", "/api/v1/namespaces/default/configmaps/c", update);
  ASSERT_EQ(first.status, 200) << first.body;
  // The same resourceVersion again: someone else's write came in between.
  http::ClientResponse stale = Http("PUT", "/api/v1/namespaces/default/configmaps/c", update);
  EXPECT_EQ(stale.status, 409);
  EXPECT_THAT(stale.body, HasSubstr(R"("reason":"Conflict")"));
  EXPECT_THAT(Http("GET", "/api/v1/namespaces/default/configmaps/c").body,
              HasSubstr(R"("data":{"k":"2"})"));
  http::ClientResponse protobuf = Http("POST", "/api/v1/namespaces/default/configmaps", "x");
  EXPECT_EQ(protobuf.status, 400);
  EXPECT_THAT(Http("GET", "/api/v1/pods?labelSelector=app%20in%20(a").body,
              HasSubstr("unterminated value list"));
}

TEST_F(KubectlTest, DeleteCollectsOwnedObjectsUnlessOrphaned) {
  const std::string manifest = WriteManifest("owners.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: nginx}]}
)");
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  for (const char* owner : {"web", "api"}) {
    const std::string uid = Kubectl(absl::StrCat("get deployment ", owner, " -o jsonpath={.metadata.uid}")).output;
    const std::string rs = WriteManifest(absl::StrCat(owner, "-rs.yaml"), absl::StrCat(R"(apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: )", owner, R"(-1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: )", owner, ", uid: ", uid,
        R"(, controller: true}]
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: x, image: nginx}]}
)"));
    CommandResult created = Kubectl("apply -f " + rs);
    ASSERT_EQ(created.exit_code, 0) << created.output;
  }
  ASSERT_EQ(Kubectl("delete deployment web").exit_code, 0);
  EXPECT_THAT(Kubectl("get replicaset web-1").output, HasSubstr("NotFound"));
  CommandResult orphaned = Kubectl("delete deployment api --cascade=orphan");
  ASSERT_EQ(orphaned.exit_code, 0) << orphaned.output;
  EXPECT_EQ(Kubectl("get replicaset api-1 -o jsonpath={.metadata.ownerReferences}").output, "");
}

// All of deploy/ applies as users apply it (the scheduler config is a file
// for kube-scheduler, not an object), with kubectl's strict validation.
// Re-applying unchanged manifests changes nothing, except that kubectl always
// patches a PodDisruptionBudget: its selector's patchStrategy is "replace", so
// the computed patch is never empty, on a real cluster too.
void ExpectNothingConfigured(const std::string& output) {
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "poddisruptionbudget.policy/")) continue;
    EXPECT_TRUE(absl::EndsWith(line, " unchanged")) << line;
  }
}

TEST_F(KubectlTest, DeployAppliesWhole) {
  for (const char* file : {"deploy/elasticworkload-crd.yaml", "deploy/spillway.yaml",
                           "deploy/eci-profile-example.yaml"}) {
    CommandResult applied = Kubectl(absl::StrCat("apply --validate=strict -f ", spillway::testing::RunfilePath(file)));
    ASSERT_EQ(applied.exit_code, 0) << file << ": " << applied.output;
    EXPECT_THAT(applied.output, Not(HasSubstr("unchanged"))) << file;
  }
  EXPECT_EQ(Kubectl("get clusterrolebindings -o name").exit_code, 0);
  EXPECT_THAT(Kubectl("get serviceaccounts -A -o name").output, HasSubstr("serviceaccount/spillway"));
  EXPECT_THAT(Kubectl("get clusterroles -o name").output, HasSubstr("clusterrole.rbac.authorization.k8s.io/"));
  // Applied again, nothing changes.
  CommandResult again = Kubectl(absl::StrCat("apply -f ", spillway::testing::RunfilePath("deploy/spillway.yaml")));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  ExpectNothingConfigured(again.output);
}

// `kubectl apply -k deploy/` (kubectl's built-in kustomize, offline) installs
// everything the kustomization lists, server-side validation on, and leaves
// the kube-scheduler component config out.
TEST_F(KubectlTest, DeployAppliesWithKustomize) {
  // Runfiles are symlinks out of the kustomization root, which kustomize
  // refuses: copy the files into a directory of their own.
  const std::string dir = absl::StrCat(tmp_, "/deploy");
  std::filesystem::create_directories(dir);
  for (const char* file : {"kustomization.yaml", "elasticworkload-crd.yaml", "spillway.yaml",
                           "kube-scheduler-config.yaml", "eci-profile-example.yaml"}) {
    std::filesystem::copy_file(spillway::testing::RunfilePath(absl::StrCat("deploy/", file)),
                               absl::StrCat(dir, "/", file), std::filesystem::copy_options::overwrite_existing);
  }
  CommandResult applied = Kubectl("apply --validate=strict -k " + dir);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, HasSubstr("customresourcedefinition.apiextensions.k8s.io/"
                                        "elasticworkloads.autoscaling.alibabacloud.com created"));
  EXPECT_THAT(applied.output, HasSubstr("deployment.apps/spillway created"));
  EXPECT_THAT(applied.output, HasSubstr("mutatingwebhookconfiguration.admissionregistration.k8s.io/"));
  EXPECT_THAT(applied.output, Not(HasSubstr("KubeSchedulerConfiguration")));
  EXPECT_THAT(applied.output, Not(HasSubstr("eci-profile")));
  CommandResult again = Kubectl("apply -k " + dir);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  ExpectNothingConfigured(again.output);
  // The CRD's schema: the source must be a Deployment or a StatefulSet.
  CommandResult daemon = Kubectl("apply -f " + WriteManifest("ew-daemonset.yaml", R"(apiVersion: autoscaling.alibabacloud.com/v1beta1
kind: ElasticWorkload
metadata: {name: agents}
spec:
  sourceTarget: {name: agents, kind: DaemonSet, apiVersion: apps/v1}
  replicas: 3
)"));
  EXPECT_NE(daemon.exit_code, 0);
  EXPECT_THAT(daemon.output, HasSubstr("spec.sourceTarget.kind: Unsupported value: \"DaemonSet\""));
}

// deploy/second-scheduler applies as is (kube-scheduler as a Deployment for
// managed control planes), twice without a change.
TEST_F(KubectlTest, SecondSchedulerAppliesWithKustomize) {
  const std::string dir = absl::StrCat(tmp_, "/second-scheduler");
  std::filesystem::create_directories(dir);
  for (const char* file : {"kustomization.yaml", "scheduler.yaml"}) {
    std::filesystem::copy_file(spillway::testing::RunfilePath(absl::StrCat("deploy/second-scheduler/", file)),
                               absl::StrCat(dir, "/", file), std::filesystem::copy_options::overwrite_existing);
  }
  CommandResult applied = Kubectl("apply --validate=strict -k " + dir);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_THAT(applied.output, HasSubstr("deployment.apps/spillway-scheduler created"));
  EXPECT_THAT(applied.output, HasSubstr("configmap/spillway-scheduler-config created"));
  EXPECT_EQ(Kubectl("get deployment spillway-scheduler -n kube-system -o "
                    "jsonpath={.spec.template.spec.containers[0].image}")
                .output,
            "registry.k8s.io/kube-scheduler:v1.32.0");
  CommandResult again = Kubectl("apply -k " + dir);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  ExpectNothingConfigured(again.output);
}

// Evictions honour PodDisruptionBudgets: 429 with the budget's cause when it
// allows no disruption, a delete when it does.
TEST_F(KubectlTest, EvictionsHonourDisruptionBudgets) {
  std::string pods;
  for (const char* name : {"web-1", "web-2", "web-3"}) {
    absl::StrAppend(&pods, "apiVersion: v1\nkind: Pod\nmetadata: {name: ", name,
                    ", labels: {app: web}}\nspec: {containers: [{name: c, image: nginx}]}\n---\n");
  }
  absl::StrAppend(&pods, "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web-pdb}\n",
                  "spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}\n");
  ASSERT_EQ(Kubectl("apply -f " + WriteManifest("pdb.yaml", pods)).exit_code, 0);
  for (const char* name : {"web-1", "web-2", "web-3"}) {
    CommandResult ready = Kubectl(absl::StrCat(
        "patch pod ", name, " --subresource=status --type=merge -p "
        "'{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}'"));
    ASSERT_EQ(ready.exit_code, 0) << ready.output;
  }
  auto evict = [&](const char* name) {
    const std::string body = WriteManifest(
        "eviction.json", absl::StrCat(R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":")", name,
                                      R"(","namespace":"default"}})"));
    return Kubectl(absl::StrCat("create --raw /api/v1/namespaces/default/pods/", name, "/eviction -f ", body));
  };
  CommandResult first = evict("web-1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(Kubectl("get pod web-1").output, HasSubstr("NotFound"));
  CommandResult second = evict("web-2");
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.output, HasSubstr("Error from server (TooManyRequests): Cannot evict pod as it would violate "
                                       "the pod's disruption budget."));
  http::ClientResponse raw = Http("POST", "/api/v1/namespaces/default/pods/web-2/eviction",
                                  R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-2"}})");
  EXPECT_EQ(raw.status, 429);
  EXPECT_THAT(raw.body, HasSubstr("The disruption budget web-pdb needs 2 healthy pods and has 2 currently"));
  EXPECT_EQ(Kubectl("get pod web-2 -o name").output, "pod/web-2\n");
}

// autoscaling/v2beta2 is no longer served (Kubernetes 1.26+): kubectl's
// resource mapping says so from discovery (with validation on, kubectl first
// fails fetching that version's OpenAPI, a 404 either way).
TEST_F(KubectlTest, RemovedApiVersionsAreNotServed) {
  CommandResult old = Kubectl("apply --validate=false -f " + WriteManifest("hpa.yaml", R"(apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
)"));
  EXPECT_NE(old.exit_code, 0);
  EXPECT_THAT(old.output, HasSubstr("no matches for kind \"HorizontalPodAutoscaler\" in version "
                                    "\"autoscaling/v2beta2\""));
  EXPECT_EQ(Http("GET", "/apis/autoscaling/v2beta2/horizontalpodautoscalers").status, 404);
}

// `kind: List` files: kubectl fetches /openapi/v2 (protobuf) to validate the
// items, then creates each; the server still validates every item.
TEST_F(KubectlTest, ListFilesApply) {
  CommandResult applied = Kubectl("apply -f " + WriteManifest("list.yaml", R"(apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: first}, data: {k: v}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: second}}
)"));
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(applied.output, "configmap/first created\nconfigmap/second created\n");
  CommandResult bad = Kubectl("apply -f " + WriteManifest("bad-list.yaml", R"(apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: Not_Valid}}
)"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("metadata.name: Invalid value: \"Not_Valid\""));
  http::ClientResponse json_doc = Http("GET", "/openapi/v2");
  EXPECT_EQ(json_doc.status, 200);
  EXPECT_THAT(json_doc.body, HasSubstr("\"swagger\":\"2.0\""));
}

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

}  // namespace
}  // namespace spillway::sim
