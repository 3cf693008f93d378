#include "autoscaler/controller_list.h"

#include <string>
#include <vector>

#include "autoscaler/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::ElementsAreArray;

std::vector<std::string> Names() {
  std::vector<std::string> names;
  for (const ControllerDescriptor& d : Controllers()) names.emplace_back(d.name);
  return names;
}

std::vector<std::string> Enabled(const AutoscalerOptions& options) {
  std::vector<std::string> names;
  for (const ControllerDescriptor& d : Controllers()) {
    if (d.enabled(options)) names.emplace_back(d.name);
  }
  return names;
}

// The reconcile counter starts every controller's label at 0: the list and
// the metric's label values must be the same names.
TEST(ControllerListTest, EveryControllerHasItsMetricLabel) {
  std::vector<std::string> labels(std::begin(kControllers), std::end(kControllers));
  EXPECT_THAT(Names(), ElementsAreArray(labels));
  for (const ControllerDescriptor& d : Controllers()) {
    EXPECT_TRUE(d.enabled != nullptr) << d.name;
    EXPECT_TRUE(d.construct != nullptr) << d.name;
  }
}

TEST(ControllerListTest, TheConfigurationSaysWhichRun) {
  burst::StockCoolDowns* const kStock = reinterpret_cast<burst::StockCoolDowns*>(0x1);  // Only compared to null.
  struct Row {
    std::string name;
    std::string config;  // "rescue-off", "cost-off", "ew-off", "" (defaults)
    bool stock;
    std::vector<std::string> want;
  };
  for (const Row& row : std::vector<Row>{
           {"defaults, no stock watching", "", false, {"rescue", "deletion_cost", "elastic_workload"}},
           {"defaults with stock watching", "", true, {"rescue", "deletion_cost", "elastic_workload", "stock"}},
           {"rescue off", "rescue-off", true, {"deletion_cost", "elastic_workload", "stock"}},
           {"deletion cost off", "cost-off", false, {"rescue", "elastic_workload"}},
           // Beside ACK's own elastic-workload controller (docs/node-autoscalers.md).
           {"elastic workload off", "ew-off", true, {"rescue", "deletion_cost", "stock"}},
       }) {
    AutoscalerOptions options;
    if (row.config == "ew-off") options.config.mutable_elastic_workload()->set_enabled(false);
    if (row.config == "rescue-off") options.config.mutable_rescue()->set_enabled(false);
    if (row.config == "cost-off") options.config.mutable_deletion_cost()->set_enabled(false);
    options.stock = row.stock ? kStock : nullptr;
    EXPECT_EQ(Enabled(options), row.want) << row.name;
  }
}

}  // namespace
}  // namespace spillway::autoscaler
