#include "app/config_scalars.h"

#include <string>

#include "app/config_loader.h"
#include "gtest/gtest.h"
#include "proto/config.pb.h"

namespace spillway::app {
namespace {

// Issue 23.5: scalars as Kubernetes reads them. Quantities take numbers
// (`cpu: 2`, `memory: 1E`); other text fields refuse a plain number or
// boolean with the field, the line and what the user wrote — not protobuf's
// "invalid value 2 for type TYPE_STRING" or an excerpt of JSON the user
// never wrote.
TEST(ConfigScalarsTest, QuantitiesTakeNumbersAndTextFieldsQuoteWhatTheUserWrote) {
  struct Row {
    std::string yaml;
    std::string error;  // Empty: accepted.
  };
  const Row rows[] = {
      {"eciQuota:\n  cluster: {cpu: 2, memory: 1E, pods: 10}\n", ""},
      {"eciQuota:\n  cluster: {cpu: 2.5, memory: 1e3}\n", ""},
      {"eciQuota:\n  namespaces:\n    shop: {cpu: 64, memory: 256Gi}\n", ""},
      {"eciQuota:\n  cluster: {cpu: '2', memory: \"1Gi\"}\n", ""},
      {"extender:\n  virtualNode:\n    labels: {type: virtual-kubelet}\n", ""},
      {"extender:\n  virtualNode:\n    labels:\n      type: 012\n",
       "extender.virtualNode.labels.type (line 4): 012 is read as a number, and this field takes text: quote it "
       "(\"012\")"},
      {"extender:\n  virtualNode:\n    labels: {zone: 7}\n",
       "extender.virtualNode.labels.zone (line 3): 7 is read as a number, and this field takes text: quote it (\"7\")"},
      {"extender:\n  virtualNode:\n    labels: {\"type\": true}\n",
       "extender.virtualNode.labels.type (line 3): true is read as a boolean, and this field takes text: quote it "
       "(\"true\")"},
      {"extender:\n  virtualNode:\n    taintKeys: [virtual-kubelet.io/provider, 42]\n",
       "extender.virtualNode.taintKeys[1] (line 3): 42 is read as a number, and this field takes text: quote it "
       "(\"42\")"},
      {"extender:\n  virtualNode:\n    labels: {type: \"012\"}\n", ""},
  };
  for (const Row& row : rows) {
    YAML::Node root = YAML::Load(row.yaml);
    absl::Status status = PrepareConfigScalars(root, *config::SpillwayConfig::descriptor());
    EXPECT_EQ(std::string(status.message()), row.error) << row.yaml;
    // The whole loader agrees: accepted rows parse, refused ones fail with
    // the same words.
    absl::StatusOr<config::SpillwayConfig> parsed = ParseConfig(row.yaml, "spillway.yaml");
    EXPECT_EQ(parsed.ok() ? std::string() : std::string(parsed.status().message()),
              row.error.empty() ? "" : "spillway.yaml: " + row.error)
        << row.yaml;
  }
}

TEST(ConfigScalarsTest, QuantityNumbersReachTheConfigAsTheirText) {
  absl::StatusOr<config::SpillwayConfig> parsed =
      ParseConfig("eciQuota:\n  cluster: {cpu: 2.5, memory: 1E}\n", "spillway.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->eci_quota().cluster().cpu(), "2.5");
  EXPECT_EQ(parsed->eci_quota().cluster().memory(), "1E");
}

}  // namespace
}  // namespace spillway::app
