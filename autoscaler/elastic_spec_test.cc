#include "autoscaler/elastic_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ElasticWorkloadSpec Parse(const char* text) {
  absl::StatusOr<ElasticWorkloadSpec> spec = ParseElasticWorkloadSpec(boost::json::parse(text));
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : ElasticWorkloadSpec();
}

std::string Error(const char* text) {
  return std::string(ParseElasticWorkloadSpec(boost::json::parse(text)).status().message());
}

TEST(ElasticSpecTest, TheSampleSplitsFourAndTwo) {
  ElasticWorkloadSpec spec = Parse(R"({"sourceTarget": {"name": "nginx-deployment-basic", "kind": "Deployment",
      "apiVersion": "apps/v1", "min": 2, "max": 4}, "replicas": 6,
      "elasticUnit": [{"name": "virtual-kubelet", "labels": {"alibabacloud.com/eci": "true"}}]})");
  ReplicaSplit split = SplitReplicas(spec);
  EXPECT_EQ(split.source, 4);
  EXPECT_THAT(split.units, ElementsAre(2));
  spec.replicas = 4;
  EXPECT_EQ(SplitReplicas(spec).source, 4);
  EXPECT_THAT(SplitReplicas(spec).units, ElementsAre(0));
  spec.replicas = 10;
  EXPECT_THAT(SplitReplicas(spec).units, ElementsAre(6));
  spec.replicas = 1;  // Below min: the source keeps its baseline.
  EXPECT_EQ(SplitReplicas(spec).source, 2);
  EXPECT_THAT(SplitReplicas(spec).units, ElementsAre(0));
  EXPECT_EQ(UnitWorkloadName("nginx-deployment-basic", "virtual-kubelet"),
            "nginx-deployment-basic-unit-virtual-kubelet");
}

TEST(ElasticSpecTest, UnitsFillInOrderAndTheLastTakesTheOverflow) {
  ElasticWorkloadSpec spec = Parse(R"({"sourceTarget": {"name": "web", "kind": "StatefulSet", "max": 2},
      "replicas": 12, "elasticUnit": [{"name": "zone-j", "max": 3}, {"name": "zone-k", "max": 4}]})");
  ReplicaSplit split = SplitReplicas(spec);
  EXPECT_EQ(split.source, 2);
  EXPECT_THAT(split.units, ElementsAre(3, 7));
  EXPECT_EQ(split.over_last_unit_max, 3);
}

TEST(ElasticSpecTest, AUnitMinIsAFloor) {
  ElasticWorkloadSpec spec = Parse(R"({"sourceTarget": {"name": "web", "kind": "Deployment", "max": 4},
      "replicas": 5, "elasticUnit": [{"name": "warm", "min": 2, "max": 3}, {"name": "rest"}]})");
  ReplicaSplit split = SplitReplicas(spec);
  EXPECT_EQ(split.source, 4);
  EXPECT_THAT(split.units, ElementsAre(2, 0));  // 1 overflow, but the warm unit keeps 2.
}

TEST(ElasticSpecTest, BadSpecsSayWhatIsWrong) {
  EXPECT_THAT(Error(R"({"sourceTarget": {"name": "web", "kind": "DaemonSet"}})"),
              HasSubstr("kind \"DaemonSet\" is not supported"));
  EXPECT_THAT(Error(R"({"sourceTarget": {"kind": "Deployment"}})"), HasSubstr("spec.sourceTarget.name is missing"));
  EXPECT_THAT(Error(R"({"sourceTarget": {"name": "w", "kind": "Deployment", "min": 5, "max": 2}})"),
              HasSubstr("min (5) is greater than max (2)"));
  EXPECT_THAT(Error(R"({"sourceTarget": {"name": "w", "kind": "Deployment"}, "replicas": -3})"),
              HasSubstr("spec.replicas must not be negative"));
  EXPECT_THAT(Error(R"({"sourceTarget": {"name": "w", "kind": "Deployment"},
                        "elasticUnit": [{"name": "a"}, {"name": "a"}]})"),
              HasSubstr("the name \"a\" is used twice"));
  EXPECT_THAT(Error(R"({"replicas": 2})"), HasSubstr("spec.sourceTarget is missing"));
}

}  // namespace
}  // namespace spillway::autoscaler

namespace spillway::autoscaler {
namespace {

TEST(UnitTargetsTest, MakeBeforeBreak) {
  struct Row {
    const char* name;
    ReplicaSplit split;
    std::vector<int64_t> current;
    int64_t source_available;
    std::vector<int64_t> want;
  };
  const Row rows[] = {
      {"steady", {4, {2}, 0}, {2}, 4, {2}},
      {"growing: units take their share at once", {4, {6}, 0}, {2}, 4, {6}},
      {"shrinking, source ready: units go", {10, {0}, 0}, {6}, 10, {0}},
      {"shrinking, source not ready: units keep the shortfall", {10, {0}, 0}, {6}, 4, {6}},
      {"partly ready", {10, {0}, 0}, {6}, 7, {3}},
      {"shortfall spread in order", {10, {0, 0}, 0}, {2, 5}, 5, {2, 3}},
      {"a new unit starts at its share", {4, {2}, 0}, {0}, 0, {2}},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(UnitTargets(row.split, row.current, row.source_available), row.want) << row.name;
  }
}

TEST(RunningReplicasTest, SourceAndUnits) {
  EXPECT_EQ(RunningReplicas({4, {2, 1}, 0}), 7);
  EXPECT_EQ(RunningReplicas({2, {}, 0}), 2);
}

}  // namespace
}  // namespace spillway::autoscaler

namespace spillway::autoscaler {
namespace {

// Issue 26.5: a unit's maps and lists of the wrong type are errors naming the
// field (they used to be dropped silently, or reach a throwing accessor).
TEST(ElasticSpecTest, UnitFieldsOfTheWrongTypeAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("labels": "eci")", "spec.elasticUnit[0].labels must be a map of strings"},
      {R"("labels": {"alibabacloud.com/eci": true})", "spec.elasticUnit[0].labels.alibabacloud.com/eci must be a string"},
      {R"("annotations": [])", "spec.elasticUnit[0].annotations must be a map of strings"},
      {R"("nodeSelector": {"zone": 1})", "spec.elasticUnit[0].nodeSelector.zone must be a string"},
      {R"("tolerations": {"key": "k"})", "spec.elasticUnit[0].tolerations must be a list"},
      {R"("tolerations": ["k"])", "spec.elasticUnit[0].tolerations must be a list of objects"},
      {R"("affinity": "virtual")", "spec.elasticUnit[0].affinity must be an object"},
  };
  for (const auto& [field, error] : cases) {
    const std::string text = std::string(R"({"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2},
        "replicas": 3, "elasticUnit": [{"name": "u", )") + field + "}]}";
    EXPECT_THAT(Error(text.c_str()), HasSubstr(error)) << field;
  }
  EXPECT_EQ(Parse(R"({"sourceTarget": {"name": "web", "kind": "Deployment", "max": 2}, "replicas": 3,
      "elasticUnit": [{"name": "u", "labels": null, "tolerations": null}]})").units.size(), 1u);
}

}  // namespace
}  // namespace spillway::autoscaler
