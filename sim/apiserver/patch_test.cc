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

TEST(PatchTest, MergePatchReplacesListsAndDeletesWithNull) {
  json::value pod = Pod();
  MergePatch(pod, json::parse(R"({"metadata": {"labels": {"tier": null, "new": "y"}},
                                  "spec": {"containers": [{"name": "only"}]}})"));
  EXPECT_EQ(pod.at("metadata").at("labels"), json::parse(R"({"app": "web", "new": "y"})"));
  EXPECT_EQ(pod.at("spec").at("containers").as_array().size(), 1u);
}

TEST(PatchTest, StrategicMergeMergesNamedListsByKey) {
  json::value pod = Pod();
  ASSERT_TRUE(StrategicMergePatch(pod, json::parse(R"({
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
  ASSERT_TRUE(StrategicMergePatch(pod, json::parse(R"({
    "metadata": {"labels": {"$patch": "replace", "only": "this"},
                 "$deleteFromPrimitiveList/finalizers": ["a"]}})"))
                  .ok());
  EXPECT_EQ(pod.at("metadata").at("labels"), json::parse(R"({"only": "this"})"));
  EXPECT_TRUE(pod.at("metadata").at("finalizers").as_array().empty());
  absl::Status bad = StrategicMergePatch(pod, json::parse(R"({"spec": {"containers": [{"image": "no-name"}]}})"));
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("containers"));
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
