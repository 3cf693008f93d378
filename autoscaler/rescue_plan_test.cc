#include "autoscaler/rescue_plan.h"

#include <algorithm>
#include <iterator>

#include "autoscaler/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kShortage[] = "0/3 nodes are available: 2 Insufficient cpu, 1 node(s) had untolerated taint "
                             "{virtual-kubelet.io/provider: alibabacloud}.";
constexpr char kTaintOnly[] = "0/1 nodes are available: 1 node(s) had untolerated taint "
                              "{virtual-kubelet.io/provider: alibabacloud}.";

burst::PodPolicy Policy(burst::Intent intent, absl::Status runnable = absl::OkStatus()) {
  burst::PodPolicy policy;
  policy.intent = intent;
  policy.reason = intent == burst::Intent::kEciOnly ? "pod label alibabacloud.com/eci=true" : "no ECI request";
  policy.eci_runnable = runnable;
  return policy;
}

struct Case {
  const char* name;
  absl::StatusOr<burst::PodPolicy> policy;
  const char* message;
  bool tolerant;
  bool virtual_node;
  bool admits;
  absl::Status quota;
  const char* outcome;
  bool tolerations;
  bool burst_annotation;
  const char* event_reason;  // nullptr: none.
};

TEST(PlanRescueTest, EveryOutcome) {
  const absl::Status ok = absl::OkStatus();
  const absl::Status hostpath = absl::InvalidArgumentError("uses hostPath volume 'logs'");
  const Case cases[] = {
      {"shortage", Policy(burst::Intent::kNone), kShortage, false, true, true, ok, "rescued", true, true, "RescuedToECI"},
      {"burst pod short", Policy(burst::Intent::kBurst), kShortage, false, true, true, ok, "rescued", true, true, "RescuedToECI"},
      {"tolerant burst pod", Policy(burst::Intent::kBurst), kShortage, true, true, true, ok, "rescued", false, true, "RescuedToECI"},
      {"eci-only, taint", Policy(burst::Intent::kEciOnly), kTaintOnly, false, true, true, ok, "eci_only_tolerated", true, false, "RescuedToECI"},
      {"eci-only, short", Policy(burst::Intent::kEciOnly), kShortage, false, true, true, ok, "eci_only_tolerated", true, false, "RescuedToECI"},
      {"eci-only, tolerant", Policy(burst::Intent::kEciOnly), kShortage, true, true, true, ok, "eci_only_tolerant", false, false, nullptr},
      {"not resolvable", Policy(burst::Intent::kNone), "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.", false, true, true, ok, "not_virtual_resolvable", false, false, nullptr},
      {"ecs", Policy(burst::Intent::kEcs), kShortage, false, true, true, ok, "asked_for_ecs", false, false, nullptr},
      {"invalid", absl::InvalidArgumentError("request type must be eci, eci_only or ecs"), kShortage, false, true, true, ok, "invalid_request", false, false, "InvalidBurstRequest"},
      {"cannot run", Policy(burst::Intent::kNone, hostpath), kShortage, false, true, true, ok, "eci_cannot_run", false, false, "NotRescuedToECI"},
      {"eci-only cannot run", Policy(burst::Intent::kEciOnly, hostpath), kTaintOnly, false, true, true, ok, "eci_cannot_run", false, false, "NotRescuedToECI"},
      {"no virtual node", Policy(burst::Intent::kNone), kShortage, false, false, false, ok, "no_virtual_node", false, false, nullptr},
      {"selector", Policy(burst::Intent::kNone), kShortage, false, true, false, ok, "selector_mismatch", false, false, "NotRescuedToECI"},
      {"quota", Policy(burst::Intent::kNone), kShortage, false, true, true, absl::ResourceExhaustedError("ECI quota: cpu cap"), "quota", false, false, "NotRescuedToECI"},
  };
  for (const Case& c : cases) {
    kube::Pod pod;
    if (c.tolerant) pod.tolerations.push_back({"virtual-kubelet.io/provider", "Exists", "", ""});
    RescueInput input{pod, c.policy, c.message, {"virtual-kubelet.io/provider"}, false, false, absl::OkStatus()};
    input.any_virtual_node = c.virtual_node;
    input.some_virtual_node_admits = c.admits;
    input.quota = c.quota;
    const RescuePlan plan = PlanRescue(input);
    EXPECT_EQ(plan.outcome, c.outcome) << c.name;
    // Every outcome is a label value the counter starts with.
    EXPECT_NE(std::find(std::begin(kRescueOutcomes), std::end(kRescueOutcomes), plan.outcome),
              std::end(kRescueOutcomes))
        << c.name;
    if (c.tolerations) {
      ASSERT_THAT(plan.add_tolerations, ::testing::SizeIs(1)) << c.name;
      EXPECT_EQ(plan.add_tolerations[0].key, "virtual-kubelet.io/provider") << c.name;
      EXPECT_EQ(plan.add_tolerations[0].operator_, "Exists") << c.name;
      EXPECT_EQ(plan.add_tolerations[0].effect, "NoSchedule") << c.name;
    } else {
      EXPECT_THAT(plan.add_tolerations, IsEmpty()) << c.name;
    }
    EXPECT_EQ(plan.add_burst_annotation, c.burst_annotation) << c.name;
    if (c.event_reason == nullptr) {
      EXPECT_FALSE(plan.event.has_value()) << c.name;
    } else {
      ASSERT_TRUE(plan.event.has_value()) << c.name;
      EXPECT_EQ(plan.event->reason, c.event_reason) << c.name;
    }
  }
}

TEST(PlanRescueTest, TheEciOnlyEventSaysWhatHappenedAndWhy) {
  kube::Pod pod;
  RescueInput input{pod, Policy(burst::Intent::kEciOnly), kTaintOnly, {"virtual-kubelet.io/provider"}, false, false, absl::OkStatus()};
  input.any_virtual_node = true;
  input.some_virtual_node_admits = true;
  const RescuePlan plan = PlanRescue(input);
  ASSERT_TRUE(plan.event.has_value());
  EXPECT_THAT(plan.event->message, HasSubstr("asked for ECI only (pod label alibabacloud.com/eci=true)"));
  EXPECT_THAT(plan.event->message, HasSubstr("did the admission webhook run?"));
}

TEST(RescueMessageTest, WhatAVirtualNodeWouldResolve) {
  EXPECT_TRUE(IsResourceShortage("0/2 nodes are available: 2 Too many pods."));
  EXPECT_TRUE(IsResourceShortage("0/2 nodes are available: 2 Insufficient memory."));
  EXPECT_FALSE(IsResourceShortage("0/2 nodes are available: 2 node(s) had volume node affinity conflict."));
  const std::vector<std::string> keys = {"virtual-kubelet.io/provider"};
  EXPECT_TRUE(MentionsUntoleratedTaint(kTaintOnly, keys));
  EXPECT_TRUE(MentionsUntoleratedTaint(
      "0/1 nodes are available: 1 node(s) had taint {virtual-kubelet.io/provider: alibabacloud}, that the pod "
      "didn't tolerate.", keys));
  EXPECT_FALSE(MentionsUntoleratedTaint("0/1 nodes are available: 1 node(s) had untolerated taint "
                                        "{node.kubernetes.io/not-ready: }.", keys));
}

}  // namespace
}  // namespace spillway::autoscaler
