#include "sim/apiserver/patch.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

json::value Pod() {
  return json::parse(R"({
    "metadata": {"name": "web", "finalizers": ["a"], "labels": {"app": "web", "tier": "1"}},
    "spec": {"containers": [{"name": "app", "image": "v1", "env": [{"name": "A", "value": "1"}]},
                            {"name": "sidecar", "image": "s1"}],
             "tolerations": [{"key": "x", "operator": "Exists"}]}})");
}

// A strategic merge patch of a pod.
absl::Status PodPatch(json::value& pod, const json::value& patch) { return StrategicMergePatch(pod, patch, "core/v1.Pod"); }

TEST(PatchTest, MergePatchReplacesListsAndDeletesWithNull) {
  json::value pod = Pod();
  MergePatch(pod, json::parse(R"({"metadata": {"labels": {"tier": null, "new": "y"}},
                                  "spec": {"containers": [{"name": "only"}]}})"));
  EXPECT_EQ(pod.at("metadata").at("labels"), json::parse(R"({"app": "web", "new": "y"})"));
  EXPECT_EQ(pod.at("spec").at("containers").as_array().size(), 1u);
}

TEST(PatchTest, StrategicMergeMergesNamedListsByKey) {
  json::value pod = Pod();
  ASSERT_TRUE(PodPatch(pod, json::parse(R"({
    "metadata": {"finalizers": ["b", "a"]},
    "spec": {"containers": [{"name": "app", "image": "v2", "env": [{"name": "B", "value": "2"}]},
                            {"name": "sidecar", "$patch": "delete"},
                            {"name": "extra", "image": "e1"}],
             "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists"}],
             "$setElementOrder/containers": [{"name": "app"}]}})"))
                  .ok());
  const json::array& containers = pod.at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0].at("image"), "v2");
  EXPECT_EQ(containers[0].at("env").as_array().size(), 2u);  // A kept, B added.
  EXPECT_EQ(containers[1].at("name"), "extra");
  EXPECT_EQ(containers[1].as_object().if_contains("$patch"), nullptr);
  // Tolerations have no merge key in the API: replaced.
  EXPECT_EQ(pod.at("spec").at("tolerations").as_array().size(), 1u);
  EXPECT_EQ(pod.at("metadata").at("finalizers"), json::parse(R"(["a", "b"])"));
  EXPECT_EQ(pod.at("spec").as_object().if_contains("$setElementOrder/containers"), nullptr);
}

TEST(PatchTest, StrategicMergeDirectives) {
  json::value pod = Pod();
  ASSERT_TRUE(PodPatch(pod, json::parse(R"({
    "metadata": {"labels": {"$patch": "replace", "only": "this"},
                 "$deleteFromPrimitiveList/finalizers": ["a"]}})"))
                  .ok());
  EXPECT_EQ(pod.at("metadata").at("labels"), json::parse(R"({"only": "this"})"));
  EXPECT_TRUE(pod.at("metadata").at("finalizers").as_array().empty());
  absl::Status bad = PodPatch(pod, json::parse(R"({"spec": {"containers": [{"image": "no-name"}]}})"));
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("containers"));
}

struct MergeCase {
  const char* name;
  const char* root;
  const char* before;
  const char* patch;
  const char* after;
};

void ExpectMerges(const std::vector<MergeCase>& cases) {
  for (const MergeCase& c : cases) {
    json::value target = json::parse(c.before);
    ASSERT_TRUE(StrategicMergePatch(target, json::parse(c.patch), c.root).ok()) << c.name;
    EXPECT_EQ(target, json::parse(c.after)) << c.name << ": " << json::serialize(target);
  }
}

// Merge keys by position, as k8s.io/api declares them: the same field name
// merges differently in different types.
TEST(PatchTest, StrategicMergeKeysComeFromTheTypeAtEachPosition) {
  ExpectMerges({
      {"service ports by port", "core/v1.Service",
       R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}]}})",
       R"({"spec":{"ports":[{"port":443,"targetPort":8443}]}})",
       R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https","targetPort":8443}]}})"},
      {"container ports by containerPort", "core/v1.Pod",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}})",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":9090,"name":"metrics"}]}]}})",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":9090,"name":"metrics"}]}]}})"},
      {"deployment template containers by name", "apps/v1.Deployment",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1"},{"name":"b","image":"v1"}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"v2"}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1"},{"name":"b","image":"v2"}]}}}})"},
      {"tolerations replace", "apps/v1.Deployment",
       R"({"spec":{"template":{"spec":{"tolerations":[{"key":"a"}]}}}})",
       R"({"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}}})",
       R"({"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}}})"},
      {"container args replace", "core/v1.Pod", R"({"spec":{"containers":[{"name":"a","args":["x","y"]}]}})",
       R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})",
       R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})"},
      {"a list named ports elsewhere replaces", "Object", R"({"data":{"ports":[{"port":1}]}})",
       R"({"data":{"ports":[{"port":2}]}})", R"({"data":{"ports":[{"port":2}]}})"},
  });
}

// Issue 21.2: every strategy k8s.io/api declares, on the served kinds.
TEST(PatchTest, StrategicMergeFollowsEachKindsDeclaredStrategies) {
  ExpectMerges({
      // Issue 21.2: kubectl apply of an edited MutatingWebhookConfiguration
      // sends only the changed fields of the webhook, by name.
      {"webhooks by name", "admissionregistration/v1.MutatingWebhookConfiguration",
       R"({"webhooks":[{"name":"a","rules":[{"operations":["CREATE"]}],"sideEffects":"None","timeoutSeconds":5}]})",
       R"({"$setElementOrder/webhooks":[{"name":"a"}],"webhooks":[{"name":"a","timeoutSeconds":10}]})",
       R"({"webhooks":[{"name":"a","rules":[{"operations":["CREATE"]}],"sideEffects":"None","timeoutSeconds":10}]})"},
      {"webhook rules replace", "admissionregistration/v1.MutatingWebhookConfiguration",
       R"({"webhooks":[{"name":"a","rules":[{"operations":["CREATE"]},{"operations":["UPDATE"]}]}]})",
       R"({"webhooks":[{"name":"a","rules":[{"operations":["DELETE"]}]}]})",
       R"({"webhooks":[{"name":"a","rules":[{"operations":["DELETE"]}]}]})"},
      {"webhook matchConditions by name", "admissionregistration/v1.MutatingWebhookConfiguration",
       R"({"webhooks":[{"name":"a","matchConditions":[{"name":"x","expression":"true"}]}]})",
       R"({"webhooks":[{"name":"a","matchConditions":[{"name":"y","expression":"false"}]}]})",
       R"({"webhooks":[{"name":"a","matchConditions":[{"name":"x","expression":"true"},{"name":"y","expression":"false"}]}]})"},
      {"a PodDisruptionBudget's selector is replaced, not merged", "policy/v1.PodDisruptionBudget",
       R"({"spec":{"selector":{"matchLabels":{"app":"web","tier":"front"}}}})",
       R"({"spec":{"selector":{"matchLabels":{"app":"shop"}}}})",
       R"({"spec":{"selector":{"matchLabels":{"app":"shop"}}}})"},
      {"a Deployment's selector merges", "apps/v1.Deployment",
       R"({"spec":{"selector":{"matchLabels":{"app":"web"}}}})",
       R"({"spec":{"selector":{"matchLabels":{"tier":"front"}}}})",
       R"({"spec":{"selector":{"matchLabels":{"app":"web","tier":"front"}}}})"},
      {"a Deployment's strategy keeps only $retainKeys", "apps/v1.Deployment",
       R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
       R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})",
       R"({"spec":{"strategy":{"type":"Recreate"}}})"},
      {"$retainKeys elsewhere is ignored", "apps/v1.Deployment",
       R"({"spec":{"replicas":2,"paused":true}})", R"({"spec":{"$retainKeys":["replicas"],"replicas":3}})",
       R"({"spec":{"replicas":3,"paused":true}})"},
      {"volumes by name keep only $retainKeys", "core/v1.Pod",
       R"({"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}})",
       R"({"spec":{"volumes":[{"$retainKeys":["configMap","name"],"name":"v","configMap":{"name":"c"}}]}})",
       R"({"spec":{"volumes":[{"name":"v","configMap":{"name":"c"}},{"name":"w","emptyDir":{}}]}})"},
      {"statefulset claim templates' containers and env by name", "apps/v1.StatefulSet",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"}]}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]}}}})"},
      {"cronjob job template containers by name", "batch/v1.CronJob",
       R"({"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1"}]}}}}}})",
       R"({"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"v1"}]}}}}}})",
       R"({"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1"},{"name":"b","image":"v1"}]}}}}}})"},
      {"role rules replace", "rbac/v1.Role", R"({"rules":[{"verbs":["get"]},{"verbs":["list"]}]})",
       R"({"rules":[{"verbs":["watch"]}]})", R"({"rules":[{"verbs":["watch"]}]})"},
      {"service account secrets by name", "core/v1.ServiceAccount", R"({"secrets":[{"name":"a"}]})",
       R"({"secrets":[{"name":"b"}]})", R"({"secrets":[{"name":"a"},{"name":"b"}]})"},
      {"finalizers as a set, on any kind", "core/v1.ConfigMap", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"finalizers":["b","a"]}})", R"({"metadata":{"finalizers":["a","b"]}})"},
      {"ownerReferences by uid on a kind k8s.io/api does not define", "Object",
       R"({"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}})",
       R"({"metadata":{"ownerReferences":[{"uid":"2","name":"b"}]}})",
       R"({"metadata":{"ownerReferences":[{"uid":"1","name":"a"},{"uid":"2","name":"b"}]}})"},
      {"HPA v2 conditions by type", "autoscaling/v2.HorizontalPodAutoscaler",
       R"({"status":{"conditions":[{"type":"AbleToScale","status":"True"},{"type":"ScalingActive","status":"True"}]}})",
       R"({"status":{"conditions":[{"type":"ScalingActive","status":"False"}]}})",
       R"({"status":{"conditions":[{"type":"AbleToScale","status":"True"},{"type":"ScalingActive","status":"False"}]}})"},
      {"endpoint slice endpoints replace", "discovery/v1.EndpointSlice",
       R"({"endpoints":[{"addresses":["10.0.0.1"]}]})", R"({"endpoints":[{"addresses":["10.0.0.2"]}]})",
       R"({"endpoints":[{"addresses":["10.0.0.2"]}]})"},
      {"node conditions by type", "core/v1.Node",
       R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"DiskPressure","status":"False"}]}})",
       R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})",
       R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"DiskPressure","status":"False"}]}})"},
  });
}

TEST(PatchTest, RootTypesComeFromTheServedKinds) {
  EXPECT_EQ(PatchRootType("apps", "v1", "Deployment"), "apps/v1.Deployment");
  EXPECT_EQ(PatchRootType("", "v1", "Service"), "core/v1.Service");
  EXPECT_EQ(PatchRootType("autoscaling", "v1", "HorizontalPodAutoscaler"), "autoscaling/v1.HorizontalPodAutoscaler");
  EXPECT_EQ(PatchRootType("apiextensions.k8s.io", "v1", "CustomResourceDefinition"), "Object");
  EXPECT_EQ(PatchRootType("example.com", "v1", "Widget"), "Object");
}

TEST(PatchTest, JsonPatchAppliesAllOrNothing) {
  json::value pod = Pod();
  ASSERT_TRUE(JsonPatch(pod, json::parse(R"([
    {"op": "test", "path": "/metadata/name", "value": "web"},
    {"op": "add", "path": "/spec/tolerations/-", "value": {"key": "virtual-kubelet.io/provider", "operator": "Exists"}},
    {"op": "replace", "path": "/spec/containers/0/image", "value": "v3"},
    {"op": "add", "path": "/metadata/annotations", "value": {}},
    {"op": "add", "path": "/metadata/annotations/alibabacloud.com~1burst-resource", "value": "eci"},
    {"op": "remove", "path": "/metadata/labels/tier"},
    {"op": "copy", "from": "/metadata/labels/app", "path": "/metadata/labels/copied"},
    {"op": "move", "from": "/spec/containers/1", "path": "/spec/containers/0"}])"))
                  .ok());
  EXPECT_EQ(pod.at("spec").at("tolerations").as_array().size(), 2u);
  EXPECT_EQ(pod.at("spec").at("containers").at(1).at("image"), "v3");
  EXPECT_EQ(pod.at("spec").at("containers").at(0).at("name"), "sidecar");
  EXPECT_EQ(pod.at("metadata").at("annotations").at("alibabacloud.com/burst-resource"), "eci");
  EXPECT_EQ(pod.at("metadata").at("labels"), json::parse(R"({"app": "web", "copied": "web"})"));

  const json::value before = pod;
  absl::Status failed = JsonPatch(pod, json::parse(R"([
    {"op": "replace", "path": "/metadata/name", "value": "changed"},
    {"op": "test", "path": "/metadata/name", "value": "web"}])"));
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(failed.message()), HasSubstr("operation 1 (test /metadata/name): test failed"));
  EXPECT_EQ(pod, before);  // Nothing applied.
  EXPECT_THAT(std::string(JsonPatch(pod, json::parse(R"([{"op": "remove", "path": "/spec/nope"}])")).message()),
              HasSubstr("does not exist"));
  EXPECT_THAT(std::string(JsonPatch(pod, json::parse(R"([{"op": "jump", "path": "/a"}])")).message()),
              HasSubstr("op must be"));
  EXPECT_EQ(JsonPatch(pod, json::parse(R"({"op": "add"})")).code(), absl::StatusCode::kInvalidArgument);
}

// The checked-in table is what the generator reads from kubectl 1.32's copy
// of k8s.io/api (the struct tags kube-apiserver 1.32 patches by).
TEST(PatchTest, StrategiesAreTheGeneratorsOutput) {
  testing::CommandResult generated = testing::RunCommand(
      "/usr/bin/python3 " + testing::RunfilePath("tools/gen_patch_strategies.py"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  std::ifstream in(testing::RunfilePath("sim/apiserver/patch_strategies.inc"));
  std::stringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_EQ(generated.output, checked_in.str())
      << "regenerate: /usr/bin/python3 tools/gen_patch_strategies.py > sim/apiserver/patch_strategies.inc";
}

}  // namespace
}  // namespace spillway::sim
