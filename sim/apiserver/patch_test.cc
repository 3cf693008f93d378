#include "sim/apiserver/patch.h"

#include "gmock/gmock.h"
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
absl::Status PodPatch(json::value& pod, const json::value& patch) { return StrategicMergePatch(pod, patch, "Pod"); }

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

// Merge keys by position, as k8s.io/api declares them: the same field name
// merges differently in different types.
TEST(PatchTest, StrategicMergeKeysComeFromTheTypeAtEachPosition) {
  struct Case {
    const char* name;
    const char* root;
    const char* before;
    const char* patch;
    const char* after;
  };
  const Case cases[] = {
      {"service ports by port", "Service",
       R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}]}})",
       R"({"spec":{"ports":[{"port":443,"targetPort":8443}]}})",
       R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https","targetPort":8443}]}})"},
      {"container ports by containerPort", "Pod",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}})",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":9090,"name":"metrics"}]}]}})",
       R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":9090,"name":"metrics"}]}]}})"},
      {"deployment template containers by name", "Workload",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1"},{"name":"b","image":"v1"}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"v2"}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1"},{"name":"b","image":"v2"}]}}}})"},
      {"tolerations replace", "Workload",
       R"({"spec":{"template":{"spec":{"tolerations":[{"key":"a"}]}}}})",
       R"({"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}}})",
       R"({"spec":{"template":{"spec":{"tolerations":[{"key":"b"}]}}}})"},
      {"container args replace", "Pod", R"({"spec":{"containers":[{"name":"a","args":["x","y"]}]}})",
       R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})",
       R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})"},
      {"a list named ports elsewhere replaces", "Object", R"({"data":{"ports":[{"port":1}]}})",
       R"({"data":{"ports":[{"port":2}]}})", R"({"data":{"ports":[{"port":2}]}})"},
      {"node conditions by type", "Node",
       R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"DiskPressure","status":"False"}]}})",
       R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})",
       R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"DiskPressure","status":"False"}]}})"},
  };
  for (const Case& c : cases) {
    json::value target = json::parse(c.before);
    ASSERT_TRUE(StrategicMergePatch(target, json::parse(c.patch), c.root).ok()) << c.name;
    EXPECT_EQ(target, json::parse(c.after)) << c.name << ": " << json::serialize(target);
  }
  EXPECT_EQ(PatchRootType("apps", "Deployment"), "Workload");
  EXPECT_EQ(PatchRootType("", "Service"), "Service");
  EXPECT_EQ(PatchRootType("", "ConfigMap"), "Object");
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

}  // namespace
}  // namespace spillway::sim
