// Drives the embedded API server with the real kubectl binary
// (/usr/bin/kubectl, 1.32) and with raw HTTP, checking the REST semantics
// kubectl and Spillway's client rely on: discovery, the verbs, subresources,
// errors and limits, defaults and refusals, unknown fields, namespaces,
// watches, conflicts and garbage collection. deploy/ and list files are in
// kubectl_deploy_test.cc; Tables, generators, server-side apply, every kind,
// custom resources and webhooks in kubectl_kinds_test.cc.
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

}  // namespace
}  // namespace spillway::sim
