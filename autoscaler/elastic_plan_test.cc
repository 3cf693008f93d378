#include "autoscaler/elastic_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;

ElasticWorkloadSpec Sample() {
  ElasticWorkloadSpec spec;
  spec.source_name = "nginx-deployment-basic";
  spec.source_kind = "Deployment";
  spec.source_api_version = "apps/v1";
  spec.replicas = 6;
  ElasticUnitSpec unit;
  unit.name = "virtual-kubelet";
  spec.units.push_back(unit);
  return spec;
}

TEST(PlanElasticWorkloadTest, EveryUnitStepWithItsEvent) {
  const ElasticWorkloadSpec spec = Sample();
  struct Row {
    const char* name;
    ReplicaSplit split;
    UnitObserved seen;
    int64_t available;
    UnitChange::Kind kind;
    int64_t to;
    const char* reason;
    const char* message;
  };
  const Row rows[] = {
      {"create", {4, {2}, 0}, {false, 0, false}, 4, UnitChange::Kind::kCreate, 2, "UnitCreation",
       "ElasticWorkloadUnit nginx-deployment-basic-unit-virtual-kubelet created"},
      {"steady", {4, {2}, 0}, {true, 2, true}, 4, UnitChange::Kind::kNone, 2, "", ""},
      {"scale up", {4, {6}, 0}, {true, 2, true}, 4, UnitChange::Kind::kUpdate, 6, "UnitUpdate",
       "ElasticWorkloadUnit virtual-kubelet has been updated: scale from 2 to 6"},
      {"template only", {4, {2}, 0}, {true, 2, false}, 4, UnitChange::Kind::kUpdate, 2, "UnitUpdate",
       "ElasticWorkloadUnit virtual-kubelet has been updated: pod template changed"},
      {"both", {4, {3}, 0}, {true, 2, false}, 4, UnitChange::Kind::kUpdate, 3, "UnitUpdate",
       "ElasticWorkloadUnit virtual-kubelet has been updated: scale from 2 to 3, pod template changed"},
      {"make-before-break holds", {10, {0}, 0}, {true, 6, true}, 4, UnitChange::Kind::kNone, 6, "", ""},
      {"make-before-break releases", {10, {0}, 0}, {true, 6, true}, 10, UnitChange::Kind::kUpdate, 0, "UnitUpdate",
       "ElasticWorkloadUnit virtual-kubelet has been updated: scale from 6 to 0"},
  };
  for (const Row& row : rows) {
    ElasticPlan plan = PlanElasticWorkload(spec, row.split, {row.seen}, row.available);
    ASSERT_EQ(plan.units.size(), 1u) << row.name;
    const UnitChange& change = plan.units[0];
    EXPECT_EQ(change.kind, row.kind) << row.name;
    EXPECT_EQ(change.to, row.to) << row.name;
    EXPECT_EQ(change.workload, "nginx-deployment-basic-unit-virtual-kubelet") << row.name;
    EXPECT_EQ(change.event_reason, row.reason) << row.name;
    EXPECT_EQ(change.event_message, row.message) << row.name;
  }
}

TEST(PlanElasticWorkloadTest, SummaryAndRunningReplicas) {
  ElasticPlan plan = PlanElasticWorkload(Sample(), {4, {2}, 0}, {{true, 2, true}}, 4);
  EXPECT_EQ(plan.summary, "source 4, units [2] of 6");
  EXPECT_EQ(plan.running, 6);
  plan = PlanElasticWorkload(Sample(), {4, {3}, 1}, {{true, 3, true}}, 4);
  EXPECT_EQ(plan.summary, "source 4, units [3] of 6; 1 replicas exceed the last unit's max and stay pending there");
}

TEST(BuildUnitObjectTest, TheSourceSpecWithItsOwnSelectorOwnedByTheWorkload) {
  UnitWorkload unit;
  unit.api_version = "apps/v1";
  unit.kind = "Deployment";
  unit.namespace_ = "default";
  unit.name = "web-unit-eci";
  unit.elastic_workload = "web";
  unit.owner_uid = "uid-1";
  unit.unit = "eci";
  unit.replicas = 2;
  unit.source_spec = json::parse(R"({"replicas": 9, "strategy": {"type": "RollingUpdate"},
                                     "selector": {"matchLabels": {"app": "web"}}})").as_object();
  unit.pod_template = json::parse(R"({"metadata": {"labels": {"app": "web"}}})").as_object();
  const json::object object = BuildUnitObject(unit);
  EXPECT_EQ(object.at("kind").as_string(), "Deployment");
  EXPECT_EQ(object.at("metadata").at("name").as_string(), "web-unit-eci");
  const json::object& spec = object.at("spec").as_object();
  EXPECT_EQ(spec.at("replicas").as_int64(), 2);
  EXPECT_EQ(spec.at("strategy").at("type").as_string(), "RollingUpdate");
  EXPECT_EQ(json::serialize(spec.at("selector")),
            R"({"matchLabels":{"app":"web","autoscaling.alibabacloud.com/elastic-workload":"web","autoscaling.alibabacloud.com/elastic-unit":"eci"}})");
  const json::object& owner = object.at("metadata").at("ownerReferences").as_array()[0].as_object();
  EXPECT_EQ(owner.at("kind").as_string(), "ElasticWorkload");
  EXPECT_TRUE(owner.at("controller").as_bool());
  EXPECT_TRUE(owner.at("blockOwnerDeletion").as_bool());
}

}  // namespace
}  // namespace spillway::autoscaler
