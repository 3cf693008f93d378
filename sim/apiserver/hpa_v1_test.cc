#include "sim/apiserver/hpa_v1.h"

#include <string>

#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// Issue 21.4: v1 as kube converts it — the CPU target is v2's cpu
// Utilization metric; what v1 cannot say rides in annotations, so a v2
// object survives a v1 round trip whole.
TEST(HpaV1Test, ConvertsAsKubeDoesAndRoundTrips) {
  const json::object v1 = json::parse(R"({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
             "minReplicas": 2, "maxReplicas": 10, "targetCPUUtilizationPercentage": 80},
    "status": {"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 95}})").as_object();
  const json::object v2 = HpaV1ToV2(v1);
  EXPECT_EQ(json::serialize(v2.at("spec").at("metrics")),
            R"([{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}])");
  EXPECT_EQ(v2.at("apiVersion"), "autoscaling/v2");
  EXPECT_FALSE(v2.at("spec").as_object().contains("targetCPUUtilizationPercentage"));
  EXPECT_EQ(json::serialize(v2.at("status").at("currentMetrics")),
            R"([{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":95}}}])");
  EXPECT_EQ(json::value(HpaV2ToV1(v2)), json::value(v1));

  const json::object rich = json::parse(R"({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "ew", "namespace": "default"},
    "spec": {"scaleTargetRef": {"kind": "ElasticWorkload", "name": "ew"}, "maxReplicas": 20,
             "metrics": [{"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                         {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}],
             "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}},
    "status": {"conditions": [{"type": "AbleToScale", "status": "True"}]}})").as_object();
  const json::object as_v1 = HpaV2ToV1(rich);
  EXPECT_EQ(as_v1.at("spec").at("targetCPUUtilizationPercentage"), 50);
  const json::object& annotations = as_v1.at("metadata").at("annotations").as_object();
  EXPECT_EQ(annotations.at("autoscaling.alpha.kubernetes.io/metrics"),
            R"([{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}])");
  EXPECT_EQ(annotations.at("autoscaling.alpha.kubernetes.io/behavior"), R"({"scaleDown":{"stabilizationWindowSeconds":60}})");
  EXPECT_TRUE(annotations.contains("autoscaling.alpha.kubernetes.io/conditions"));
  // Back to v2: the same metrics (cpu first), behavior and conditions, no annotations left.
  const json::object back = HpaV1ToV2(as_v1);
  EXPECT_EQ(back.at("spec").at("metrics").as_array().size(), 2u);
  EXPECT_EQ(back.at("spec").at("behavior"), rich.at("spec").at("behavior"));
  EXPECT_EQ(back.at("status").at("conditions"), rich.at("status").at("conditions"));
  EXPECT_FALSE(back.at("metadata").as_object().contains("annotations"));
}

TEST(HpaV1Test, OnlyTheV1PathsAreServedThisWay) {
  EXPECT_TRUE(IsHpaV1Path("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"));
  EXPECT_FALSE(IsHpaV1Path("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"));
  EXPECT_FALSE(IsHpaV1Path("/apis/autoscaling"));
}

}  // namespace
}  // namespace spillway::sim
