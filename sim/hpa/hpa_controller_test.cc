// The HPA stand-in against the embedded API server: it reads the target's
// scale subresource and its pods, and writes replicas and status.
#include "sim/hpa/hpa_controller.h"

#include "common/json_fields.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

class HpaControllerTest : public EmbeddedClusterTest {
 protected:
  void SetUp() override {
    EmbeddedClusterTest::SetUp();
    json::object deployment{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", json::object{{"name", "web"}, {"namespace", "default"}}},
        {"spec", json::object{{"replicas", 2},
                              {"selector", json::object{{"matchLabels", json::object{{"app", "web"}}}}},
                              {"template", json::object{{"metadata", json::object{{"labels", json::object{{"app", "web"}}}}},
                                                        {"spec", json::object{{"containers", json::array{PodContainer()}}}}}}}}};
    ASSERT_TRUE(client_->Create(PathOf("apps", "v1", "deployments", "default"), deployment).ok());
    for (const char* name : {"web-1", "web-2"}) {
      json::object pod{{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", json::object{{"name", name}, {"namespace", "default"},
                                                 {"labels", json::object{{"app", "web"}}}}},
                       {"spec", json::object{{"containers", json::array{PodContainer()}}}}};
      ASSERT_TRUE(client_->Create(PathOf("", "v1", "pods", "default"), pod).ok());
      ASSERT_TRUE(client_->Patch(PathOf("", "v1", "pods", "default", name, "status"), kube::PatchType::kMerge,
                                 json::object{{"status", json::object{{"phase", "Running"},
                                                                      {"conditions", json::array{json::object{
                                                                                         {"type", "Ready"},
                                                                                         {"status", "True"}}}}}}})
                      .ok());
    }
    // The Deployment controller's work: the scale subresource's selector
    // comes from the Deployment's spec.
    json::object hpa{
        {"apiVersion", "autoscaling/v2"},
        {"kind", "HorizontalPodAutoscaler"},
        {"metadata", json::object{{"name", "web"}, {"namespace", "default"}}},
        {"spec", json::object{{"scaleTargetRef", json::object{{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                                              {"name", "web"}}},
                              {"minReplicas", 2},
                              {"maxReplicas", 10},
                              {"metrics", json::array{json::object{
                                              {"type", "Resource"},
                                              {"resource", json::object{{"name", "cpu"},
                                                                        {"target", json::object{{"type", "Utilization"},
                                                                                                {"averageUtilization", 50}}}}}}}}}}};
    ASSERT_TRUE(client_->Create(PathOf("autoscaling", "v2", "horizontalpodautoscalers", "default"), hpa).ok());
  }
  static json::object PodContainer() {
    return json::object{{"name", "web"}, {"image", "nginx"},
                        {"resources", json::object{{"requests", json::object{{"cpu", "1"}}}}}};
  }
  int64_t Replicas() {
    return json_fields::IntAt(*client_->Get(PathOf("apps", "v1", "deployments", "default", "web")), {"spec", "replicas"});
  }

  FakeClock clock_{absl::Now()};
  double cores_ = 1;
};

TEST_F(HpaControllerTest, ScalesTheTargetThroughItsScaleSubresource) {
  LiveReader reader(*client_);
  HpaController hpa(*client_, reader, clock_, [this](const std::string& key, absl::Time) {
    EXPECT_EQ(key, "default/web");
    return cores_ * 1000;
  }, HpaController::Options{absl::Seconds(15)});
  // 1 core over 2 pods requesting 1 core each: 50%, on target.
  ASSERT_TRUE(hpa.Sync().ok());
  EXPECT_EQ(Replicas(), 2);
  EXPECT_EQ(hpa.samples().at("default/web").utilization, 50);
  // 3 cores: 150% -> ceil(3 x 2) = 6, within the default policy (max of
  // +100% and +4 pods per 15 s).
  cores_ = 3;
  ASSERT_TRUE(hpa.Sync().ok());
  EXPECT_EQ(Replicas(), 2) << "no sync before the period has passed";
  clock_.Advance(absl::Seconds(15));
  ASSERT_TRUE(hpa.Sync().ok());
  EXPECT_EQ(Replicas(), 6);
  json::object written = *client_->Get(PathOf("autoscaling", "v2", "horizontalpodautoscalers", "default", "web"));
  EXPECT_EQ(json_fields::IntAt(written, {"status", "desiredReplicas"}), 6);
  EXPECT_EQ(json_fields::IntAt(written, {"status", "currentReplicas"}), 2);
  EXPECT_FALSE(json_fields::String(*json_fields::ObjectAt(written, {"status"}), "lastScaleTime").empty());
  // The load drops: the default 300 s window holds the recommendation of 6.
  cores_ = 0.2;
  clock_.Advance(absl::Seconds(15));
  ASSERT_TRUE(hpa.Sync().ok());
  EXPECT_EQ(Replicas(), 6);
  clock_.Advance(absl::Seconds(300));
  ASSERT_TRUE(hpa.Sync().ok());
  EXPECT_EQ(Replicas(), 2) << "past the window, down to minReplicas";
}

}  // namespace
}  // namespace spillway::sim
