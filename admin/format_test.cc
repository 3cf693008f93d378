#include "admin/format.h"

#include "absl/strings/str_cat.h"
#include "boost/json.hpp"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::ExplainResponse Pending() {
  v1::ExplainResponse e;
  e.set_namespace_("shop");
  e.set_pod("web-1");
  e.set_phase("Pending");
  e.mutable_intent()->set_intent("eci");
  e.mutable_intent()->set_source("pod annotation alibabacloud.com/burst-resource=eci");
  e.set_summary("Pending, not scheduled yet.");
  v1::NodeDecision& node = *e.add_nodes();
  node.set_node("virtual-kubelet-cn-hangzhou-j");
  node.set_virtual_(true);
  node.add_scheduler_hints("node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}");
  v1::NodeDecision& other = *e.add_nodes();
  other.set_node("virtual-kubelet-cn-hangzhou-k");
  other.set_virtual_(true);
  other.set_verdict("fail");
  other.set_score(1);
  other.set_reason("regular nodes first: a regular node can still take the pod");
  v1::NodeDecision& ecs = *e.add_nodes();
  ecs.set_node("ecs-1");
  ecs.set_verdict("pass");
  ecs.set_score(10);
  e.mutable_rescue()->set_outcome("waiting");
  e.mutable_rescue()->set_why("within the grace period");
  return e;
}

TEST(FormatExplainTest, PrintsTheVerdictPerNodeAsATable) {
  const std::string text = FormatExplain(Pending());
  EXPECT_THAT(text, HasSubstr("Pod:        shop/web-1\n"));
  EXPECT_THAT(text, HasSubstr("Node:       (not scheduled)\n"));
  EXPECT_THAT(text, HasSubstr("Intent:     eci (pod annotation alibabacloud.com/burst-resource=eci)\n"));
  EXPECT_THAT(text, HasSubstr("Rescue:     waiting: within the grace period (this replica is standby)\n"));
  EXPECT_THAT(text, HasSubstr(
      "  NODE                           KIND     EXTENDER  SCORE  WHY\n"
      "  virtual-kubelet-cn-hangzhou-j  virtual  -         -      kube-scheduler: node(s) had untolerated taint "
      "{virtual-kubelet.io/provider: alibabacloud}\n"
      "  virtual-kubelet-cn-hangzhou-k  virtual  fail      1      regular nodes first: a regular node can still "
      "take the pod\n"
      "  ecs-1                          regular  pass      10     -\n"));
  EXPECT_THAT(text, HasSubstr("Events:\n  <none>\n"));
}

TEST(FormatExplainTest, ALargeClusterSharesRowsBetweenNodesJudgedAlike) {
  v1::ExplainResponse e = Pending();
  for (int i = 2; i <= 30; ++i) {
    v1::NodeDecision& node = *e.add_nodes();
    node.set_node(absl::StrCat("ecs-", i));
    node.set_verdict("pass");
    node.set_score(10);
  }
  const std::string text = FormatExplain(e);
  EXPECT_THAT(text, HasSubstr(
      "  NODE                           KIND     EXTENDER  SCORE  WHY\n"
      "  virtual-kubelet-cn-hangzhou-j  virtual  -         -      kube-scheduler: node(s) had untolerated taint "
      "{virtual-kubelet.io/provider: alibabacloud}\n"
      "  virtual-kubelet-cn-hangzhou-k  virtual  fail      1      regular nodes first: a regular node can still "
      "take the pod\n"
      "  ecs-1 and 29 more              regular  pass      10     -\n\n"));
}

TEST(FormatStatusTest, PrintsQuotaCoolDownsAndSplit) {
  v1::StatusResponse s;
  s.set_version("0.7.0");
  v1::ComponentStatus& c = *s.add_components();
  c.set_name("extender");
  c.set_ready(false);
  c.set_not_ready("caches not synced");
  s.mutable_eci_quota()->set_enforced(true);
  s.mutable_eci_quota()->set_cpu_milli_used(1500);
  s.mutable_eci_quota()->set_cpu_milli_cap(4000);
  s.mutable_eci_quota()->set_pods_used(3);
  v1::CoolDown& cd = *s.add_cool_downs();
  cd.set_node("vk-j");
  cd.set_until("2026-12-02T03:00:00Z");
  cd.set_reason("NoStock");
  s.mutable_eci_profile()->set_config_map("kube-system/eci-profile");
  v1::ElasticWorkloadSplit& ew = *s.add_elastic_workloads();
  ew.set_namespace_("default");
  ew.set_name("ew");
  ew.set_replicas(6);
  ew.set_source_kind("Deployment");
  ew.set_source_name("web");
  ew.set_source_min(2);
  ew.set_source_max(4);
  ew.set_source_desired_replicas(4);
  v1::ElasticUnitSplit& unit = *ew.add_units();
  unit.set_name("web-unit-virtual-kubelet");
  unit.set_desired_replicas(2);
  const std::string text = FormatStatus(s);
  EXPECT_THAT(text, HasSubstr("  extender  no     caches not synced\n"));
  EXPECT_THAT(text, HasSubstr("ECI quota:  cpu 1500/4000m, memory 0 (no cap), pods 3 (no cap)\n"));
  EXPECT_THAT(text, HasSubstr("  vk-j until 2026-12-02T03:00:00Z: NoStock\n"));
  EXPECT_THAT(text, HasSubstr("eci-profile kube-system/eci-profile: no selectors in force\n"));
  EXPECT_THAT(text, HasSubstr("  default/ew       6         Deployment/web  2..4      4          "
                              "web-unit-virtual-kubelet=2\n"));
}

// Issue 24.3: whether a pod on ECI would move home, and the moves in flight.
TEST(FormatExplainTest, SaysWhetherAPodOnEciWouldMoveHome) {
  v1::ExplainResponse e = Pending();
  e.set_node("virtual-kubelet-cn-hangzhou-j");
  e.set_node_is_virtual(true);
  e.mutable_repatriation()->set_outcome("waiting");
  e.mutable_repatriation()->set_reason("room_unstable");
  e.mutable_repatriation()->set_why("ECS room for it has not been stable for 1m");
  e.mutable_repatriation()->set_acting(true);
  EXPECT_THAT(FormatExplain(e),
              HasSubstr("Home:       waiting (room_unstable): ECS room for it has not been stable for 1m\n"));
  e.mutable_repatriation()->set_outcome("not_judged");
  EXPECT_THAT(FormatExplain(e), Not(HasSubstr("Home:")));

  v1::StatusResponse s;
  v1::RepatriationMove& move = *s.add_repatriations();
  move.set_pod("shop/web-1");
  move.set_workload("shop/ReplicaSet/web-7d9");
  move.set_node("np-burst-0");
  move.set_started_unix(1'800'000'000);
  const std::string text = FormatStatus(s);
  EXPECT_THAT(text, HasSubstr("MOVING HOME"));
  EXPECT_THAT(text, HasSubstr("shop/web-1"));
  EXPECT_THAT(text, HasSubstr("np-burst-0"));
}

TEST(FormatMessageTest, JsonAndYamlCarryTheSameFields) {
  v1::ExplainResponse e = Pending();
  absl::StatusOr<std::string> json = FormatMessage(e, "json");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"schedulerHints\": [\n"));
  // Issue 23.3: counts and sizes are numbers, as kubectl prints them (proto3's
  // JSON writes int64 as a string).
  EXPECT_THAT(*json, HasSubstr("\"score\": 10"));
  EXPECT_THAT(*json, Not(HasSubstr("\"score\": \"10\"")));
  absl::StatusOr<std::string> yaml = FormatMessage(e, "yaml");
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_THAT(*yaml, HasSubstr("namespace: \"shop\"\n"));
  EXPECT_THAT(*yaml, HasSubstr("  - node: \"ecs-1\"\n"));
  EXPECT_THAT(*yaml, HasSubstr("score: 10\n"));
  absl::StatusOr<std::string> wide = FormatMessage(e, "wide");
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(wide.status().message(), "-o wide: use json or yaml (or leave -o out for text)");
}

TEST(FormatMessageTest, StatusCountsAndSizesAreNumbers) {
  v1::StatusResponse s;
  v1::QuotaStatus& quota = *s.mutable_eci_quota();
  quota.set_enforced(true);
  quota.set_cpu_milli_used(1500);
  quota.set_memory_bytes_cap(int64_t{6400} << 40);
  v1::ElasticWorkloadSplit& ew = *s.add_elastic_workloads();
  ew.set_name("web");
  ew.set_replicas(6);
  ew.add_units()->set_desired_replicas(2);
  absl::StatusOr<std::string> json = FormatMessage(s, "json");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"cpuMilliUsed\": 1500,\n"));
  EXPECT_THAT(*json, HasSubstr("\"memoryBytesCap\": 7036874417766400,\n"));
  EXPECT_THAT(*json, HasSubstr("\"replicas\": 6,\n"));
  EXPECT_THAT(*json, HasSubstr("\"desiredReplicas\": 2\n"));
  EXPECT_THAT(*json, HasSubstr("\"gaps\": []"));
  // Valid JSON, indented two spaces per level.
  const boost::json::value parsed = boost::json::parse(*json);
  EXPECT_EQ(parsed.at("eciQuota").at("cpuMilliUsed").as_int64(), 1500);
  EXPECT_EQ(json->substr(0, 4), "{\n  ");
  absl::StatusOr<std::string> yaml = FormatMessage(s, "yaml");
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_THAT(*yaml, HasSubstr("cpuMilliUsed: 1500\n"));
}

}  // namespace
}  // namespace spillway::admin
