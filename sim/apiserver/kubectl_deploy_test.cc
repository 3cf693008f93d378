// Applies what operators apply with the real kubectl (/usr/bin/kubectl, 1.32)
// to the embedded API server: deploy/ whole and through kustomize, re-applied
// unchanged, evictions against its disruption budgets, removed API versions
// and list files.
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

}  // namespace
}  // namespace spillway::sim
