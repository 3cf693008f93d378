#include "autoscaler/repatriation_plan.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace spillway::autoscaler {
namespace {

Waiting W(const EciCandidate& pod, WaitReason reason, std::string why) { return {pod.key, reason, std::move(why)}; }

std::string Seconds(absl::Duration d) { return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))); }

// Why `pod` may not move at all now (nullopt when it may, room permitting).
std::optional<Waiting> Blocked(const EciCandidate& pod, const std::map<std::string, WorkloadHistory>& history,
                               const std::set<std::string>& moving, const RepatriationOptions& options,
                               absl::Time now) {
  if (!pod.asked_burst) {
    return W(pod, WaitReason::kNotBurst,
             "it did not ask to burst (ECI only, or sent to ECI by a label, namespace or profile)");
  }
  if (!pod.opted_out.empty()) {
    return W(pod, WaitReason::kOptedOut, absl::StrCat("it opted out (", pod.opted_out, ")"));
  }
  if (now - pod.running_since < options.min_age) {
    return W(pod, WaitReason::kTooYoung,
             absl::StrCat("it has run on ECI for ", Seconds(now - pod.running_since), " of the ",
                          Seconds(options.min_age), " a move waits for"));
  }
  if (moving.count(pod.workload) > 0) {
    return W(pod, WaitReason::kMoving, absl::StrCat("another pod of ", pod.workload, " is moving"));
  }
  auto past = history.find(pod.workload);
  if (past != history.end()) {
    if (past->second.in_flight) {
      return W(pod, WaitReason::kMoving, absl::StrCat("another pod of ", pod.workload, " is moving"));
    }
    // A pod brought home and then sent back out means the room was not real:
    // wait out the hysteresis before trying again.
    if (past->second.last_out > past->second.last_home && past->second.last_home != absl::InfinitePast() &&
        now - past->second.last_out < options.hysteresis) {
      return W(pod, WaitReason::kFlapped,
               absl::StrCat(pod.workload, " sent a pod back to ECI ", Seconds(now - past->second.last_out),
                            " ago; it waits ", Seconds(options.hysteresis), " (no flapping)"));
    }
  }
  return std::nullopt;
}

}  // namespace

absl::string_view WaitReasonName(WaitReason reason) {
  switch (reason) {
    case WaitReason::kNotBurst:
      return "not_burst";
    case WaitReason::kOptedOut:
      return "opted_out";
    case WaitReason::kTooYoung:
      return "too_young";
    case WaitReason::kMoving:
      return "moving";
    case WaitReason::kFlapped:
      return "flapped";
    case WaitReason::kNoRoom:
      return "no_room";
    case WaitReason::kRoomUnstable:
      return "room_unstable";
    case WaitReason::kBudget:
      return "budget";
  }
  return "unknown";
}

RepatriationPlan PlanRepatriation(std::vector<EciCandidate> candidates, std::vector<EcsRoom> room,
                                  const std::map<std::string, WorkloadHistory>& history, int moved_last_minute,
                                  const RepatriationOptions& options, absl::Time now) {
  std::sort(candidates.begin(), candidates.end(), [](const EciCandidate& a, const EciCandidate& b) {
    return std::tie(a.running_since, a.key) < std::tie(b.running_since, b.key);
  });
  std::map<std::string, EcsRoom*> by_node;
  for (EcsRoom& r : room) by_node[r.node] = &r;
  RepatriationPlan plan;
  std::set<std::string> moving;  // Workloads given a move in this pass.
  int budget = options.moves_per_minute - moved_last_minute;
  for (const EciCandidate& pod : candidates) {
    if (std::optional<Waiting> blocked = Blocked(pod, history, moving, options, now); blocked.has_value()) {
      plan.waiting.push_back(*std::move(blocked));
      continue;
    }
    EcsRoom* target = nullptr;
    bool unstable = false;
    for (const std::string& node : pod.fits_on) {
      auto it = by_node.find(node);
      if (it == by_node.end()) continue;
      EcsRoom& r = *it->second;
      if (r.pods <= 0 || r.cpu_milli < pod.cpu_milli || r.memory_bytes < pod.memory_bytes) continue;
      if (now - r.free_since < options.stable_for) {
        unstable = true;
        continue;
      }
      target = &r;
      break;
    }
    if (target == nullptr) {
      plan.waiting.push_back(
          unstable ? W(pod, WaitReason::kRoomUnstable,
                       absl::StrCat("ECS room for it has not been stable for ", Seconds(options.stable_for)))
                   : W(pod, WaitReason::kNoRoom, "no ECS node that accepts it has room for it"));
      continue;
    }
    if (budget <= 0) {
      plan.waiting.push_back(W(pod, WaitReason::kBudget,
                               absl::StrCat("the cluster-wide budget of ", options.moves_per_minute,
                                            " moves per minute is spent")));
      continue;
    }
    --budget;
    target->cpu_milli -= pod.cpu_milli;
    target->memory_bytes -= pod.memory_bytes;
    --target->pods;
    moving.insert(pod.workload);
    plan.moves.push_back({pod.key, target->node});
  }
  return plan;
}

}  // namespace spillway::autoscaler
