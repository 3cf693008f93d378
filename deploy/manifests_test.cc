// Keeps deploy/ true: the policy in the ConfigMap is a valid Spillway config,
// and kube-scheduler's extender entry names exactly the verbs Spillway serves.
#include <string>

#include "app/config_loader.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/extender_service.h"
#include "yaml-cpp/yaml.h"

namespace spillway {
namespace {

using ::testing::EndsWith;

TEST(ManifestsTest, ConfigMapPolicyLoads) {
  bool found = false;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    if (doc["kind"].as<std::string>() != "ConfigMap") continue;
    found = true;
    absl::StatusOr<config::SpillwayConfig> config =
        app::ParseConfig(doc["data"]["config.yaml"].as<std::string>(), "deploy/spillway.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->extender().max_request_bytes(), app::kDefaultMaxRequestBytes);
  }
  EXPECT_TRUE(found);
}

TEST(ManifestsTest, SchedulerConfigCallsTheServedVerbs) {
  YAML::Node config = YAML::Load(testing::ReadRunfile("deploy/kube-scheduler-config.yaml"));
  EXPECT_EQ(config["apiVersion"].as<std::string>(), "kubescheduler.config.k8s.io/v1");
  const YAML::Node extender = config["extenders"][0];
  const std::string prefix(scheduler::kExtenderPathPrefix);
  EXPECT_THAT(extender["urlPrefix"].as<std::string>() + "/",
              EndsWith(":10262" + prefix));
  EXPECT_EQ(extender["filterVerb"].as<std::string>(), "filter");
  EXPECT_EQ(extender["prioritizeVerb"].as<std::string>(), "prioritize");
  EXPECT_EQ(extender["preemptVerb"].as<std::string>(), "preempt");
  EXPECT_FALSE(extender["bindVerb"].IsDefined()) << "kube-scheduler binds; Spillway has no bind verb";
}

}  // namespace
}  // namespace spillway
