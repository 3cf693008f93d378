#include "sim/apiserver/tables.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;


TEST(TablesTest, HumanDurationAsKubectlPrintsIt) {
  struct Case {
    absl::Duration age;
    const char* want;
  };
  const Case cases[] = {{absl::Seconds(45), "45s"},     {absl::Seconds(119), "119s"}, {absl::Seconds(200), "3m20s"},
                        {absl::Minutes(5), "5m"},       {absl::Minutes(90), "90m"},   {absl::Minutes(200), "3h20m"},
                        {absl::Hours(5), "5h"},         {absl::Hours(30), "30h"},     {absl::Hours(50), "2d2h"},
                        {absl::Hours(24 * 20), "20d"},  {absl::Hours(24 * 800), "2y70d"},
                        {absl::Hours(24 * 365 * 9), "9y"}, {absl::Seconds(-1), "0s"}};
  for (const Case& c : cases) EXPECT_EQ(HumanDuration(c.age), c.want) << c.age;
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// Issue 23.6: printer columns as kube-apiserver's JSONPath reads them,
// including the condition filter a READY column needs.
TEST(PrinterColumnValueTest, PathsFiltersAndTypes) {
  const absl::Time now = absl::FromUnixSeconds(1796178500);
  const boost::json::value object = boost::json::parse(R"({
    "metadata": {"creationTimestamp": "2026-12-02T02:18:20Z"},
    "spec": {"replicas": 6, "sourceTarget": {"name": "web"}},
    "status": {"elasticUnitsStatus": [{"desiredReplicas": 2}, {"desiredReplicas": 3}],
               "conditions": [{"type": "Progressing", "status": "True"},
                              {"type": "Ready", "status": "False", "reason": "InvalidSpec"}]}})");
  struct Row {
    std::string path;
    std::string type;
    std::string want;  // Serialized JSON.
  } rows[] = {
      {".spec.sourceTarget.name", "string", R"("web")"},
      {".spec.replicas", "integer", "6"},
      {".status.elasticUnitsStatus[*].desiredReplicas", "string", R"("2,3")"},
      {".status.elasticUnitsStatus[1].desiredReplicas", "integer", "3"},
      {".status.elasticUnitsStatus[7].desiredReplicas", "integer", "null"},
      {R"(.status.conditions[?(@.type=="Ready")].status)", "string", R"("False")"},
      {R"(.status.conditions[?(@.type=='Ready')].reason)", "string", R"("InvalidSpec")"},
      {R"(.status.conditions[?(@.type=="Available")].status)", "string", "null"},
      {".metadata.creationTimestamp", "date", R"("10m")"},
      {".spec.missing", "string", "null"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(boost::json::serialize(PrinterColumnValue(object, row.path, row.type, now)), row.want) << row.path;
  }
}

}  // namespace
}  // namespace spillway::sim
