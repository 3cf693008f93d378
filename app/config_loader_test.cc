#include "app/config_loader.h"

#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::app {
namespace {

using ::testing::HasSubstr;

TEST(ConfigLoaderTest, ReadsTheYamlExample) {
  absl::StatusOr<config::SpillwayConfig> config =
      LoadConfigFile(testing::RunfilePath("testdata/config/example.yaml"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->extender().virtual_node().labels().at("type"), "virtual-kubelet");
  EXPECT_EQ(config->extender().virtual_node().taint_keys(0), "virtual-kubelet.io/provider");
  EXPECT_EQ(config->extender().scores().virtual_node_burst(), 1);
  EXPECT_EQ(config->extender().max_request_bytes(), 67108864u);
}

TEST(ConfigLoaderTest, ReadsTheJsonExample) {
  absl::StatusOr<config::SpillwayConfig> config =
      LoadConfigFile(testing::RunfilePath("testdata/config/example.json"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->extender().scores().regular_node(), 9);
  EXPECT_FALSE(config->extender().scores().has_virtual_node_burst());
  EXPECT_EQ(config->extender().max_request_bytes(), 1048576u);
}

TEST(ConfigLoaderTest, EmptyFileMeansDefaults) {
  absl::StatusOr<config::SpillwayConfig> config = ParseConfig("", "empty.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->has_extender());
}

TEST(ConfigLoaderTest, UnknownFieldsAreRefusedByName) {
  absl::StatusOr<config::SpillwayConfig> config =
      ParseConfig("extender:\n  scores:\n    regularNodes: 5\n", "policy.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("policy.yaml"));
  EXPECT_THAT(config.status().message(), HasSubstr("regularNodes"));
}

TEST(ConfigLoaderTest, OutOfRangeScoresAreRefusedByName) {
  absl::StatusOr<config::SpillwayConfig> config =
      ParseConfig("extender:\n  scores:\n    virtualNodeEciOnly: 11\n", "policy.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(),
              HasSubstr("policy.yaml: extender.scores.virtualNodeEciOnly: 11 is outside 0..10"));
  config = ParseConfig(R"({"extender": {"scores": {"regularNode": -1}}})", "policy.json");
  EXPECT_THAT(config.status().message(), HasSubstr("extender.scores.regularNode: -1"));
}

TEST(ConfigLoaderTest, WrongTypesAndBadValuesAreRefused) {
  EXPECT_THAT(ParseConfig("extender:\n  maxRequestBytes: lots\n", "p").status().message(),
              HasSubstr("extender.max_request_bytes"));
  EXPECT_THAT(ParseConfig("extender:\n  maxRequestBytes: 0\n", "p").status().message(),
              HasSubstr("extender.maxRequestBytes: must be greater than 0"));
  EXPECT_THAT(ParseConfig("extender:\n  virtualNode:\n    namePrefixes: [vk]\n", "p")
                  .status()
                  .message(),
              HasSubstr("give at least one of labels or taintKeys"));
  EXPECT_THAT(ParseConfig("- a\n- b\n", "p").status().message(),
              HasSubstr("must be a mapping"));
  EXPECT_THAT(ParseConfig("extender: [\n", "p").status().message(), HasSubstr("p: "));
}

TEST(ConfigLoaderTest, AutoscalerPolicyIsReadAndChecked) {
  absl::StatusOr<config::SpillwayConfig> config = ParseConfig(
      "autoscaler:\n  rescue:\n    scope: opt-in\n    graceSeconds: 30\n"
      "  deletionCost:\n    virtualNodeCost: -500\n", "p");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->autoscaler().rescue().scope(), "opt-in");
  EXPECT_EQ(config->autoscaler().rescue().grace_seconds(), 30u);
  EXPECT_EQ(config->autoscaler().deletion_cost().virtual_node_cost(), -500);
  EXPECT_THAT(ParseConfig("autoscaler:\n  rescue:\n    scope: some\n", "p").status().message(),
              HasSubstr("autoscaler.rescue.scope: \"some\" is not \"all\" or \"opt-in\""));
  EXPECT_THAT(ParseConfig("autoscaler:\n  rescue:\n    graceSeconds: 999999\n", "p").status().message(),
              HasSubstr("autoscaler.rescue.graceSeconds: 999999 is more than a day"));
  EXPECT_THAT(ParseConfig("autoscaler:\n  stock:\n    coolDownSeconds: 0\n", "p").status().message(),
              HasSubstr("autoscaler.stock.coolDownSeconds: 0 is outside 1..86400"));
  EXPECT_THAT(ParseConfig("eciQuota:\n  namespaces:\n    shop: {memory: lots}\n", "p").status().message(),
              HasSubstr("eciQuota.namespaces.shop.memory: invalid quantity \"lots\""));
}

TEST(ConfigLoaderTest, MissingFileIsNotFound) {
  absl::StatusOr<config::SpillwayConfig> config = LoadConfigFile("/nonexistent/policy.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/policy.yaml"));
}

}  // namespace
}  // namespace spillway::app
