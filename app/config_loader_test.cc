#include "app/config_loader.h"

#include <cstdlib>
#include <fstream>

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

// Issue 24: repatriation and its capacity requests, as deploy/ and the
// bridge scenarios write them, and what is refused.
TEST(ConfigLoaderTest, RepatriationIsReadAndChecked) {
  absl::StatusOr<config::SpillwayConfig> config = ParseConfig(
      "autoscaler:\n  repatriation:\n    enabled: true\n    minAgeSeconds: 8\n    capacityRequests:\n"
      "      enabled: true\n      nodeShapes: [{name: np, cpu: \"4\", memory: 16Gi, pricePerHour: 0.14}]\n"
      "      eciVcpuSecond: 0.0000125\n      eciGibSecond: 0.0000014\n",
      "p");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->autoscaler().repatriation().min_age_seconds(), 8u);
  EXPECT_EQ(config->autoscaler().repatriation().capacity_requests().node_shapes(0).cpu(), "4");
  EXPECT_THAT(ParseConfig("autoscaler:\n  repatriation:\n    movesPerMinute: 0\n", "p").status().message(),
              HasSubstr("autoscaler.repatriation.movesPerMinute: 0 is outside 1..10000"));
  EXPECT_THAT(ParseConfig("autoscaler:\n  repatriation:\n    capacityRequests:\n      enabled: true\n", "p")
                  .status()
                  .message(),
              HasSubstr("capacityRequests.enabled: needs autoscaler.repatriation.enabled"));
  EXPECT_THAT(ParseConfig("autoscaler:\n  repatriation:\n    enabled: true\n    capacityRequests:\n"
                          "      enabled: true\n      nodeShapes: [{name: np, cpu: \"4\", memory: 16Gi, "
                          "pricePerHour: 0.14}]\n",
                          "p")
                  .status()
                  .message(),
              HasSubstr("ECI's pay-as-you-go prices are required"));
}

TEST(ConfigLoaderTest, MissingFileIsNotFound) {
  absl::StatusOr<config::SpillwayConfig> config = LoadConfigFile("/nonexistent/policy.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("/nonexistent/policy.yaml"));
}

TEST(ConfigLoaderTest, EndlessDirectoriesAndHugeFilesAreRefused) {
  EXPECT_THAT(LoadConfigFile("/dev/zero").status().message(),
              HasSubstr("config file '/dev/zero' is not a regular file"));
  EXPECT_EQ(LoadConfigFile(getenv("TEST_TMPDIR")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string huge = std::string(getenv("TEST_TMPDIR")) + "/huge.yaml";
  std::ofstream(huge) << "# " << std::string(kMaxConfigFileBytes, 'x') << "\n";
  EXPECT_THAT(LoadConfigFile(huge).status().message(), HasSubstr("is larger than 1048576 bytes"));
}

// A "billion laughs": nine levels of ten aliases each expand a 1 KB file to
// 10^9 strings. yaml-cpp loads it as shared nodes; the JSON rendering must stop.
TEST(ConfigLoaderTest, AliasBombIsRefusedQuickly) {
  std::string bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char p = static_cast<char>(c - 1);
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? "," : "") + "*" + p;
    bomb += "]\n";
  }
  absl::StatusOr<config::SpillwayConfig> config = ParseConfig(bomb, "bomb.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(),
              HasSubstr("bomb.yaml: the document expands to more than"));
  // A modest, legitimate alias still works.
  absl::StatusOr<config::SpillwayConfig> ok = ParseConfig(
      "extender:\n  virtualNode:\n    labels: &vk {type: virtual-kubelet}\n"
      "    taintKeys: [virtual-kubelet.io/provider]\n", "alias.yaml");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(ConfigLoaderTest, DeepNestingIsAnErrorNotACrash) {
  absl::StatusOr<config::SpillwayConfig> config =
      ParseConfig(std::string(100000, '[') + std::string(100000, ']'), "deep.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConfigLoaderTest, LimitsAreBounded) {
  EXPECT_THAT(ParseConfig("extender:\n  maxRequestBytes: 1099511627776\n", "p").status().message(),
              HasSubstr("extender.maxRequestBytes: 1099511627776 is more than 1 GiB"));
  EXPECT_THAT(ParseConfig("server:\n  maxBodyBytesInFlight: 1048576\n", "p").status().message(),
              HasSubstr("server.maxBodyBytesInFlight: 1048576 is less than extender.maxRequestBytes"));
  EXPECT_THAT(ParseConfig("server:\n  headerTimeoutSeconds: 0\n", "p").status().message(),
              HasSubstr("server.headerTimeoutSeconds: 0 is outside 1..3600"));
  EXPECT_THAT(ParseConfig("server:\n  shutdownGraceSeconds: 100000\n", "p").status().message(),
              HasSubstr("server.shutdownGraceSeconds: 100000 is outside 1..600"));
  absl::StatusOr<config::SpillwayConfig> config = ParseConfig(
      "extender: {maxRequestBytes: 1048576}\nserver: {maxBodyBytesInFlight: 4194304, "
      "maxIdleConnections: 10, idleTimeoutSeconds: 30}\n", "p");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server().max_idle_connections(), 10u);
}

}  // namespace
}  // namespace spillway::app
