#include "sim/apiserver/disruption.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

json::object Pod(const std::string& name, const std::string& phase, bool ready, const std::string& app = "web") {
  return json::parse(absl::StrCat(R"({"metadata":{"name":")", name, R"(","labels":{"app":")", app,
                                  R"("}},"status":{"phase":")", phase,
                                  R"(","conditions":[{"type":"Ready","status":")", ready ? "True" : "False",
                                  R"("}]}})"))
      .as_object();
}

json::object Budget(const std::string& name, const std::string& spec) {
  return json::parse(absl::StrCat(R"({"metadata":{"name":")", name, R"("},"spec":)", spec, "}")).as_object();
}

// Three web pods, two of them Ready, plus a finished one the budget ignores.
std::vector<json::object> Pods() {
  return {Pod("web-1", "Running", true), Pod("web-2", "Running", true), Pod("web-3", "Running", false),
          Pod("web-old", "Succeeded", false), Pod("db-1", "Running", true, "db")};
}

TEST(DisruptionTest, BudgetStatusAsTheDisruptionControllerComputesIt) {
  struct Case {
    const char* spec;
    BudgetStatus want;
  };
  const Case cases[] = {
      {R"({"selector":{"matchLabels":{"app":"web"}},"minAvailable":2})", {3, 2, 2, 0}},
      {R"({"selector":{"matchLabels":{"app":"web"}},"minAvailable":1})", {3, 1, 2, 1}},
      {R"({"selector":{"matchLabels":{"app":"web"}},"minAvailable":"50%"})", {3, 2, 2, 0}},  // ceil(1.5)
      {R"({"selector":{"matchLabels":{"app":"web"}},"maxUnavailable":1})", {3, 2, 2, 0}},
      {R"({"selector":{"matchLabels":{"app":"web"}},"maxUnavailable":"34%"})", {3, 1, 2, 1}},  // 3 - ceil(1.02)
      {R"({"selector":{},"minAvailable":3})", {4, 3, 3, 0}},  // Empty selector: every pod.
      {R"({"minAvailable":0})", {0, 0, 0, 0}},                // No selector: none.
  };
  for (const Case& c : cases) {
    const BudgetStatus got = StatusOfBudget(Budget("pdb", c.spec), Pods());
    EXPECT_EQ(got.expected_pods, c.want.expected_pods) << c.spec;
    EXPECT_EQ(got.desired_healthy, c.want.desired_healthy) << c.spec;
    EXPECT_EQ(got.current_healthy, c.want.current_healthy) << c.spec;
    EXPECT_EQ(got.disruptions_allowed, c.want.disruptions_allowed) << c.spec;
  }
}

TEST(DisruptionTest, EvictionVerdicts) {
  const json::object tight = Budget("web-pdb", R"({"selector":{"matchLabels":{"app":"web"}},"minAvailable":2})");
  const json::object loose = Budget("web-pdb", R"({"selector":{"matchLabels":{"app":"web"}},"minAvailable":1})");
  const json::object always = Budget(
      "web-pdb", R"({"selector":{"matchLabels":{"app":"web"}},"minAvailable":2,"unhealthyPodEvictionPolicy":"AlwaysAllow"})");
  const json::object pending = Pod("web-4", "Pending", false);
  struct Case {
    const char* name;
    json::object pod;
    std::vector<json::object> budgets;
    int want;
  };
  const Case cases[] = {
      {"no budget", Pod("web-1", "Running", true), {}, 201},
      {"budget exhausted", Pod("web-1", "Running", true), {tight}, 429},
      {"budget has room", Pod("web-1", "Running", true), {loose}, 201},
      {"other app's budget", Pod("db-1", "Running", true, "db"), {tight}, 201},
      {"pending pod", pending, {tight}, 201},
      {"finished pod", Pod("web-old", "Succeeded", false), {tight}, 201},
      {"unready pod, budget met", Pod("web-3", "Running", false), {tight}, 201},
      {"two budgets", Pod("web-1", "Running", true), {tight, loose}, 500},
      {"unready pod, AlwaysAllow", Pod("web-3", "Running", false), {always}, 201},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecideEviction(c.pod, c.budgets, Pods()).code, c.want) << c.name;
  }
  // An unready pod while the budget is not met stays.
  std::vector<json::object> short_pods = {Pod("web-1", "Running", true), Pod("web-3", "Running", false)};
  EXPECT_EQ(DecideEviction(Pod("web-3", "Running", false), {tight}, short_pods).code, 429);

  const EvictionVerdict refused = DecideEviction(Pod("web-1", "Running", true), {tight}, Pods());
  EXPECT_EQ(refused.reason, "TooManyRequests");
  EXPECT_EQ(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  EXPECT_EQ(refused.cause, "The disruption budget web-pdb needs 2 healthy pods and has 2 currently");
  EXPECT_THAT(DecideEviction(Pod("web-1", "Running", true), {tight, loose}, Pods()).message,
              HasSubstr("more than one PodDisruptionBudget"));
}

}  // namespace
}  // namespace spillway::sim
