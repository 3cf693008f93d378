// The three variants of a scenario (issue 24.4), made from the shipped
// bridge scenario's own files; and the side-by-side table.
#include "sim/cluster/compare.h"

#include <cstdlib>
#include <string>

#include "common/files.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string WorkDir() {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/compare-XXXXXX";
  return mkdtemp(dir.data());
}

std::string Read(const std::string& path) {
  absl::StatusOr<std::string> text = ReadRegularFile(path, 1 << 20, "test");
  EXPECT_TRUE(text.ok()) << text.status();
  return text.value_or("");
}

class CompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Scenario> scenario =
        LoadScenario(testing::RunfilePath("testdata/scenarios/bridge-long-peak.yaml"));
    ASSERT_TRUE(scenario.ok()) << scenario.status();
    scenario_ = *scenario;
  }
  Scenario scenario_;
};

TEST_F(CompareTest, TheBridgeIsTheScenarioAsItIs) {
  absl::StatusOr<Scenario> bridge = ScenarioFor(scenario_, Variant::kBridge, WorkDir());
  ASSERT_TRUE(bridge.ok()) << bridge.status();
  EXPECT_EQ(bridge->spillway_config, scenario_.spillway_config);
  EXPECT_EQ(bridge->manifests, scenario_.manifests);
}

TEST_F(CompareTest, EciAloneTurnsRepatriationOffAndKeepsTheRest) {
  const std::string dir = WorkDir();
  absl::StatusOr<Scenario> eci = ScenarioFor(scenario_, Variant::kEciAlone, dir);
  ASSERT_TRUE(eci.ok()) << eci.status();
  EXPECT_EQ(eci->manifests, scenario_.manifests);
  const std::string config = Read(ScenarioPath(*eci, eci->spillway_config));
  EXPECT_THAT(eci->spillway_config, HasSubstr(dir));
  EXPECT_THAT(config, HasSubstr(R"("enabled":false,"minAgeSeconds":8)")) << "the rest of the config is kept";
  EXPECT_THAT(config, HasSubstr(R"("cpu":"4")")) << "quoted text stays text";
  EXPECT_THAT(config, HasSubstr(R"("capacityRequests":{"enabled":false,)")) << "capacity requests need repatriation";
  EXPECT_THAT(config, HasSubstr(R"("rescue":)"));
  EXPECT_THAT(Read(ScenarioPath(scenario_, scenario_.spillway_config)), HasSubstr("enabled: true"))
      << "the scenario's own file is untouched";
}

TEST_F(CompareTest, NodeAutoscalerAloneTakesTheBurstRequestOffEveryTemplate) {
  absl::StatusOr<Scenario> alone = ScenarioFor(scenario_, Variant::kNodeAutoscalerAlone, WorkDir());
  ASSERT_TRUE(alone.ok()) << alone.status();
  ASSERT_EQ(alone->manifests.size(), scenario_.manifests.size());
  const std::string manifest = Read(ScenarioPath(*alone, alone->manifests[0]));
  EXPECT_THAT(manifest, Not(HasSubstr("burst-resource")));
  EXPECT_THAT(manifest, HasSubstr(R"("name":"web")"));
  EXPECT_THAT(manifest, HasSubstr(R"("cpu":"1")")) << "quoted text stays text";
  EXPECT_THAT(Read(ScenarioPath(scenario_, scenario_.manifests[0])), HasSubstr("burst-resource"));
  ASSERT_EQ(alone->workloads.size(), 1u);
  EXPECT_EQ(alone->workloads[0].asked, "nothing") << "so the checks hold its pods off ECI";
}

TEST_F(CompareTest, ABrokenConfigIsAnErrorNamingIt) {
  const std::string dir = WorkDir();
  Scenario broken = scenario_;
  broken.spillway_config = dir + "/broken.yaml";
  {
    std::FILE* f = std::fopen(broken.spillway_config.c_str(), "w");
    std::fputs("autoscaler: [1, 2\n", f);
    std::fclose(f);
  }
  absl::StatusOr<Scenario> refused = ScenarioFor(broken, Variant::kEciAlone, dir);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("broken.yaml"));
}

TEST(CompareTableTest, OneColumnPerVariant) {
  VariantResult bridge{Variant::kBridge, {}};
  bridge.result.summary.eci_cost = 0.10;
  bridge.result.summary.node_pool_cost = 0.06;
  bridge.result.summary.moves_home = 4;
  bridge.result.checks = {{"a", true, ""}, {"b", false, ""}};
  VariantResult eci{Variant::kEciAlone, {}};
  eci.result.summary.eci_cost = 0.19;
  const std::string table = CompareTable({bridge, eci});
  EXPECT_THAT(table, HasSubstr("bridge"));
  EXPECT_THAT(table, HasSubstr("eci-alone"));
  EXPECT_THAT(table, HasSubstr("$0.1600"));  // The bridge's total.
  EXPECT_THAT(table, HasSubstr("$0.1900"));
  EXPECT_THAT(table, HasSubstr("4 / 0"));
  EXPECT_THAT(table, HasSubstr("1 of 2"));
}

}  // namespace
}  // namespace spillway::sim
