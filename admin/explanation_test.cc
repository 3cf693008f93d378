#include "admin/explanation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::admin {
namespace {


v1::ExplainResponse Explanation(const std::string& intent, const std::string& node, bool node_is_virtual) {
  v1::ExplainResponse e;
  e.set_namespace_("shop");
  e.set_pod("web-1");
  e.set_node(node);
  e.set_node_is_virtual(node_is_virtual);
  e.mutable_intent()->set_intent(intent);
  e.mutable_intent()->set_source(intent == "none" ? "no ECI request" : "pod annotation alibabacloud.com/burst-resource=eci");
  return e;
}

TEST(SummarizeTest, SaysWhyThePodIsWhereItIs) {
  struct Case {
    std::string name;
    v1::ExplainResponse explanation;
    std::string want;
  };
  v1::ExplainResponse invalid = Explanation("", "", false);
  invalid.mutable_intent()->set_error("alibabacloud.com/burst-resource: \"gpu\" is not one of eci, eci_only, ecs");
  v1::ExplainResponse pending = Explanation("eci", "", false);
  pending.set_scheduling_message("0/3 nodes are available: 2 Insufficient cpu.");
  for (auto [name, is_virtual, verdict, hint] : std::vector<std::tuple<std::string, bool, std::string, std::string>>{
           {"ecs-1", false, "pass", ""}, {"ecs-2", false, "pass", ""}, {"vk-j", true, "fail", ""},
           {"vk-k", true, "", "node(s) had untolerated taint {a: b}"}}) {
    v1::NodeDecision& d = *pending.add_nodes();
    d.set_node(name);
    d.set_virtual_(is_virtual);
    d.set_verdict(verdict);
    if (!hint.empty()) d.add_scheduler_hints(hint);
  }
  pending.mutable_rescue()->set_outcome("quota");
  pending.mutable_rescue()->set_why("the ECI quota has no room");
  const std::vector<Case> cases = {
      {"invalid request", invalid,
       "The pod's ECI request is invalid: alibabacloud.com/burst-resource: \"gpu\" is not one of eci, eci_only, ecs. "
       "The extender fails every node with this message until the pod is fixed."},
      {"asked for ECI, on ECI", Explanation("eci", "vk-j", true),
       "Runs on virtual node vk-j (an ECI instance): it asked for regular nodes first, ECI when they are full "
       "(pod annotation alibabacloud.com/burst-resource=eci)."},
      {"asked for nothing, on ECI", Explanation("none", "vk-j", true),
       "Runs on virtual node vk-j (an ECI instance) although it asked for nothing, so it may use regular nodes "
       "only: something bound it without the extender (spec.nodeName, or a scheduler that does not call "
       "Spillway)."},
      {"asked for nothing, on ECS", Explanation("none", "ecs-1", false),
       "Runs on regular node ecs-1: it asked for nothing, so it may use regular nodes only."},
      {"pending", pending,
       "Pending, not scheduled yet; kube-scheduler's last attempt said: 0/3 nodes are available: 2 Insufficient cpu. It asked "
       "for regular nodes first, ECI when they are full (pod annotation alibabacloud.com/burst-resource=eci). Now 2 "
       "of 2 regular and 0 of 2 virtual nodes would pass kube-scheduler's own filters and the extender. Rescue: "
       "quota — the ECI quota has no room."},
  };
  for (const Case& c : cases) EXPECT_EQ(Summarize(c.explanation), c.want) << c.name;
}

}  // namespace
}  // namespace spillway::admin
