#include "autoscaler/rescue_plan.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "burst/architecture.h"
#include "burst/placement.h"

namespace spillway::autoscaler {
namespace {

RescuePlan Skip(std::string outcome, std::string why) {
  RescuePlan plan;
  plan.outcome = std::move(outcome);
  plan.why = std::move(why);
  return plan;
}

RescuePlan Refuse(std::string outcome, std::string reason, std::string message) {
  RescuePlan plan = Skip(std::move(outcome), message);
  plan.event = RescuePlan::Event{true, std::move(reason), std::move(message)};
  return plan;
}

// The checks every move to ECI passes: ECI can run it, a virtual node exists
// and admits it, the quota has room.
std::optional<RescuePlan> Blocked(const RescueInput& input, const burst::PodPolicy& policy) {
  if (!policy.eci_runnable.ok()) {
    return Refuse("eci_cannot_run", "NotRescuedToECI", std::string(policy.eci_runnable.message()));
  }
  if (!input.any_virtual_node) return Skip("no_virtual_node", "the cluster has no virtual node");
  if (!input.some_virtual_node_admits) {
    return Refuse("selector_mismatch", "NotRescuedToECI",
                  "no virtual node admits it: its nodeSelector or required node affinity excludes every virtual "
                  "node, or the only ones are not x86 and the pod chooses no architecture");
  }
  if (!input.quota.ok()) return Refuse("quota", "NotRescuedToECI", std::string(input.quota.message()));
  return std::nullopt;
}

// The virtual nodes' tolerations, and the Arm virtual nodes' for a pod that
// requires arm64 (burst/architecture.h).
std::vector<kube::Toleration> MissingTolerations(const RescueInput& input) {
  std::vector<kube::Toleration> missing = burst::MissingVirtualNodeTolerations(input.pod, input.taint_keys);
  if (std::optional<kube::Toleration> arch = burst::MissingArchitectureToleration(input.pod)) missing.push_back(*arch);
  return missing;
}

// "a, b": the keys of `tolerations`, for a reason.
std::string Keys(const std::vector<kube::Toleration>& tolerations) {
  return absl::StrJoin(tolerations, ", ",
                       [](std::string* out, const kube::Toleration& t) { absl::StrAppend(out, t.key); });
}

}  // namespace

bool IsResourceShortage(absl::string_view message) {
  return absl::StrContains(message, "Insufficient ") || absl::StrContains(message, "Too many pods");
}

bool MentionsUntoleratedTaint(absl::string_view message, const std::vector<std::string>& taint_keys) {
  for (const std::string& key : taint_keys) {
    // kube-scheduler >= 1.25: "untolerated taint {key: value}"; older: "had taint {key: value}, that the
    // pod didn't tolerate".
    if (absl::StrContains(message, absl::StrCat("taint {", key, ":")) ||
        absl::StrContains(message, absl::StrCat("taint {", key, "}"))) {
      return true;
    }
  }
  return false;
}

RescuePlan PlanRescue(const RescueInput& input) {
  if (!input.policy.ok()) {
    return Refuse("invalid_request", "InvalidBurstRequest", std::string(input.policy.status().message()));
  }
  const burst::PodPolicy& policy = *input.policy;
  if (policy.intent == burst::Intent::kEcs) return Skip("asked_for_ecs", policy.reason);
  if (policy.intent == burst::Intent::kEciOnly) {
    std::vector<kube::Toleration> missing = MissingTolerations(input);
    if (missing.empty()) {
      return Skip("eci_only_tolerant", "already tolerates the virtual nodes; its placement is the extender's");
    }
    if (std::optional<RescuePlan> blocked = Blocked(input, policy)) return *blocked;
    RescuePlan plan = Skip("eci_only_tolerated", policy.reason);
    plan.event = RescuePlan::Event{
        false, "RescuedToECI",
        absl::StrCat("asked for ECI only (", policy.reason, ") but did not tolerate the virtual-node taint, so "
                     "no virtual node was offered (did the admission webhook run?); tolerates ",
                     Keys(missing), " now")};
    plan.add_tolerations = std::move(missing);
    return plan;
  }
  if (!IsResourceShortage(input.scheduling_message)) {
    return Skip("not_virtual_resolvable", input.scheduling_message);
  }
  if (std::optional<RescuePlan> blocked = Blocked(input, policy)) return *blocked;
  RescuePlan plan = Skip("rescued", input.scheduling_message);
  plan.add_tolerations = MissingTolerations(input);
  plan.add_burst_annotation = true;
  plan.event = RescuePlan::Event{
      false, "RescuedToECI",
      absl::StrCat("regular nodes lack resources (", input.scheduling_message, "); handed to ECI: ",
                   plan.add_tolerations.empty() ? ""
                                                : absl::StrCat("tolerates ", Keys(plan.add_tolerations), ", "),
                   "alibabacloud.com/burst-resource=eci")};
  return plan;
}

}  // namespace spillway::autoscaler
