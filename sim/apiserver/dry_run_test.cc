// Server-side dry run (?dryRun=All) on every verb, as kube-apiserver 1.32
// answers it (issue 21.1): validated, defaulted, admitted and answered as if
// done — nothing stored, no resourceVersion consumed, no watch event — driven
// with the real kubectl's --dry-run=server and `kubectl diff`.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/kubectl_fixture.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {tier: front}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.25}]
)";

class DryRunTest : public KubectlTest {
 protected:
  // The store's resourceVersion, as a list reports it.
  std::string StoreVersion() {
    http::ClientResponse list = Http("GET", "/api/v1/namespaces");
    const size_t at = list.body.find(R"("resourceVersion":")");
    if (at == std::string::npos) return "";
    const size_t start = at + 19;
    return list.body.substr(start, list.body.find('"', start) - start);
  }
  std::string Get(const std::string& what) { return Kubectl("get " + what).output; }
};

TEST_F(DryRunTest, EveryVerbAnswersAsIfDoneAndStoresNothing) {
  const std::string manifest = WriteManifest("web.yaml", kDeployment);
  const std::string before = StoreVersion();

  // create and apply of an object that does not exist.
  testing::CommandResult created = Kubectl("create -f " + manifest + " --dry-run=server -o yaml");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("uid: "));                      // Answered as stored...
  EXPECT_THAT(created.output, HasSubstr("revisionHistoryLimit: 10"));   // ...defaulted...
  EXPECT_THAT(created.output, Not(HasSubstr("resourceVersion")));       // ...but never stored.
  EXPECT_THAT(Kubectl("apply -f " + manifest + " --dry-run=server").output,
              HasSubstr("deployment.apps/web created (server dry run)"));
  EXPECT_THAT(Get("deployment web"), HasSubstr("NotFound"));
  EXPECT_EQ(StoreVersion(), before);

  // Now for real, then every change verb on it with --dry-run=server.
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  const std::string stored = Kubectl("get deployment web -o json").output;
  const std::string version = StoreVersion();
  for (const std::string& verb :
       {std::string("scale deployment web --replicas=7"), std::string("label deployment web tier=back --overwrite"),
        std::string("annotate deployment web note=x"),
        std::string("patch deployment web --type=merge -p '{\"spec\":{\"replicas\":9}}'"),
        std::string("set image deployment/web app=nginx:1.27"), std::string("replace -f ") + manifest,
        std::string("apply --server-side -f ") + manifest + " --force-conflicts",
        std::string("delete deployment web"), std::string("delete deployments --all")}) {
    testing::CommandResult done = Kubectl(verb + " --dry-run=server");
    EXPECT_EQ(done.exit_code, 0) << verb << ": " << done.output;
    // kubectl 1.32's patch prints no "(server dry run)" suffix; it sends ?dryRun=All all the same.
    if (verb.rfind("patch", 0) != 0) {
      EXPECT_THAT(done.output, HasSubstr("(server dry run)")) << verb;
    }
    EXPECT_EQ(Kubectl("get deployment web -o json").output, stored) << verb;
    EXPECT_EQ(StoreVersion(), version) << verb;
  }
  // A dry-run scale answers the Scale as it would be.
  EXPECT_THAT(Http("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale?dryRun=All",
                   R"({"spec":{"replicas":5}})", "application/merge-patch+json")
                  .body,
              HasSubstr(R"("replicas":5)"));
  EXPECT_EQ(Kubectl("get deployment web -o jsonpath={.spec.replicas}").output, "2");
  EXPECT_EQ(Http("DELETE", "/api/v1/namespaces/default?dryRun=All").status, 200);
  EXPECT_EQ(Kubectl("get namespace default -o jsonpath={.status.phase}").output, "Active");
  EXPECT_EQ(Http("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", R"({"metadata":{"name":"c"}})").body,
            Http("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", R"({"metadata":{"name":"c"}})").body);
  EXPECT_THAT(Http("POST", "/api/v1/namespaces/default/configmaps?dryRun=Some", R"({"metadata":{"name":"c"}})").body,
              HasSubstr(R"(Invalid dryRun value: \"Some\": supported values: \"All\")"));
}

TEST_F(DryRunTest, KubectlDiffShowsTheChangeAndChangesNothing) {
  const std::string manifest = WriteManifest("web.yaml", kDeployment);
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  const std::string version = StoreVersion();
  std::string edited(kDeployment);
  edited.replace(edited.find("replicas: 2"), 11, "replicas: 4");
  const std::string changed = WriteManifest("web-4.yaml", edited);
  // kubectl diff exits 1 when there are differences.
  testing::CommandResult diff = Kubectl("diff -f " + changed);
  EXPECT_EQ(diff.exit_code, 1) << diff.output;
  EXPECT_THAT(diff.output, HasSubstr("-  replicas: 2"));
  EXPECT_THAT(diff.output, HasSubstr("+  replicas: 4"));
  EXPECT_EQ(Kubectl("get deployment web -o jsonpath={.spec.replicas}").output, "2");
  EXPECT_EQ(StoreVersion(), version);
  EXPECT_EQ(Kubectl("diff -f " + manifest).exit_code, 0);
}

// Admission runs on a dry run, with dryRun: true in the review; a webhook
// that declares side effects refuses it (kube-apiserver's wording) rather
// than being called.
TEST_F(DryRunTest, AWebhookWithSideEffectsRefusesADryRun) {
  const std::string hook = WriteManifest("hook.yaml", R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: audit}
webhooks:
- name: audit.example.com
  sideEffects: Some
  admissionReviewVersions: [v1]
  failurePolicy: Ignore
  clientConfig: {url: "https://127.0.0.1:1/mutate"}
  rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}]
)");
  ASSERT_EQ(Kubectl("apply -f " + hook).exit_code, 0);
  testing::CommandResult refused = Kubectl("create configmap c --from-literal=k=v --dry-run=server");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("admission webhook \"audit.example.com\" does not support dry run"));
  // The same create for real calls it (failurePolicy Ignore: unreachable is fine).
  EXPECT_EQ(Kubectl("create configmap c --from-literal=k=v").exit_code, 0);
}

}  // namespace
}  // namespace spillway::sim
