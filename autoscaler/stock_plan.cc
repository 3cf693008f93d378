#include "autoscaler/stock_plan.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spillway::autoscaler {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
constexpr absl::Duration kMaxBackoff = absl::Minutes(5);
constexpr absl::Duration kBackoffMemory = absl::Minutes(10);
// When nothing says when a cool-down ends (it should not happen), look again after this.
constexpr absl::Duration kDefaultLookAgain = absl::Seconds(30);

std::optional<absl::Time> ParseStamp(const std::string& text) {
  absl::Time when;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, text, &when, &error)) return std::nullopt;
  return when;
}

std::string Clock(absl::Time when) { return absl::FormatTime("%H:%M:%SZ", when, absl::UTCTimeZone()); }

}  // namespace

absl::string_view StockEventTrustName(StockEventTrust trust) {
  switch (trust) {
    case StockEventTrust::kTrusted:
      return "trusted";
    case StockEventTrust::kNotAboutAPod:
      return "not_a_pod";
    case StockEventTrust::kNotFromVirtualKubelet:
      return "not_virtual_kubelet";
    case StockEventTrust::kStale:
      return "stale";
  }
  return "trusted";
}

StockEventTrust JudgeStockEvent(const kube::Event& event, absl::Time now, const burst::StockPolicy& policy,
                                const std::function<bool(absl::string_view)>& is_virtual_node) {
  if (event.involved_kind != "Pod") return StockEventTrust::kNotAboutAPod;
  auto from_virtual_kubelet = [&](absl::string_view component) {
    if (component == "virtual-kubelet") return true;
    absl::string_view node = component;
    return absl::ConsumeSuffix(&node, "/pod-controller") && !node.empty() && is_virtual_node(node);
  };
  if (!from_virtual_kubelet(event.source_component) && !from_virtual_kubelet(event.reporting_controller)) {
    return StockEventTrust::kNotFromVirtualKubelet;
  }
  std::optional<absl::Time> seen;
  for (const std::string* stamp : {&event.series_last_observed, &event.last_timestamp, &event.event_time,
                                   &event.creation_timestamp}) {
    seen = ParseStamp(*stamp);
    if (seen.has_value()) break;
  }
  const std::optional<burst::StockReaction> reaction = policy.For(event.reason);
  if (seen.has_value() && reaction.has_value() && *seen + reaction->cool_down <= now) {
    return StockEventTrust::kStale;
  }
  return StockEventTrust::kTrusted;
}

StockPlan PlanStuckPod(const StuckPod& pod) {
  StockPlan plan;
  if (!pod.has_controller) {
    plan.why = "it has no controller: deleted, it would not come back";
    return plan;
  }
  if (pod.keep.has_value()) {
    plan.why = *pod.keep;
    return plan;
  }
  if (!pod.cooling.has_value() && !pod.waiting) {
    plan.why = "its virtual node is not out of stock";
    return plan;
  }
  if (!pod.cooling.has_value() && !pod.provider_failed) {
    plan.why = absl::StrCat("the cool-down of ", pod.node, " ended and the virtual kubelet is still creating it");
    return plan;
  }
  if (pod.elsewhere.empty()) {
    // Every node it may use is out of stock: a replacement would meet the
    // same stock-out. Look again when the first cool-down ends.
    plan.action = StockPlan::Action::kWait;
    std::vector<std::string> blocked;
    absl::Time first_end = absl::InfiniteFuture();
    for (const burst::StockCoolDowns::Active& cool : pod.blocking) {
      blocked.push_back(absl::StrCat(cool.node, " (", cool.reason, " until ", Clock(cool.until), ")"));
      first_end = std::min(first_end, cool.until);
    }
    plan.look_again_in = first_end == absl::InfiniteFuture() ? kDefaultLookAgain
                                                              : std::max(first_end - pod.now, absl::Seconds(1));
    plan.why = absl::StrCat("every node it may use is avoided for stock or capacity",
                            blocked.empty() ? "" : absl::StrCat(": ", absl::StrJoin(blocked, ", ")));
    // Say what the pod's own node reported, in words: a vSwitch out of IPs
    // is not a stock-out.
    std::string own = "out of ECI stock";
    for (const burst::StockCoolDowns::Active& cool : pod.blocking) {
      if (cool.node == pod.node) own = burst::ReasonInWords(cool.reason);
    }
    if (!pod.waiting) {
      plan.waiting_event = absl::StrCat(
          "Virtual node ", pod.node, " is ", own, " and every other node this pod may use is avoided too",
          blocked.empty() ? "" : absl::StrCat(" (", absl::StrJoin(blocked, ", "), ")"),
          "; Spillway keeps the pod (a replacement would meet the same) and looks again at ",
          Clock(pod.now + plan.look_again_in));
    }
    return plan;
  }
  if (pod.owner_may_delete_at > pod.now) {
    plan.action = StockPlan::Action::kWait;
    plan.look_again_in = pod.owner_may_delete_at - pod.now;
    plan.why = absl::StrCat("its workload lost a pod for stock moments ago; the next deletion waits until ",
                            Clock(pod.owner_may_delete_at));
    return plan;
  }
  plan.action = StockPlan::Action::kDelete;
  std::vector<std::string> shown(pod.elsewhere.begin(),
                                 pod.elsewhere.begin() + std::min<size_t>(pod.elsewhere.size(), 3));
  plan.why = absl::StrCat(pod.cooling.has_value() ? *pod.cooling : absl::StrCat("stock returned to ", pod.node),
                          "; it can run on ", absl::StrJoin(shown, ", "),
                          pod.elsewhere.size() > shown.size() ? absl::StrCat(" and ", pod.elsewhere.size() - shown.size(), " more") : "");
  return plan;
}

absl::Time DeletionBackoff::NextAllowed(const std::string& owner, absl::Time now) const {
  auto it = owners_.find(owner);
  if (it == owners_.end() || now - it->second.last >= kBackoffMemory) return absl::InfinitePast();
  return it->second.last + it->second.delay;
}

void DeletionBackoff::Deleted(const std::string& owner, absl::Time now) {
  auto [it, inserted] = owners_.try_emplace(owner, Entry{now, kFirstBackoff});
  if (!inserted) {
    Entry& entry = it->second;
    entry.delay = now - entry.last >= kBackoffMemory ? kFirstBackoff : std::min(entry.delay * 2, kMaxBackoff);
    entry.last = now;
  }
  // Forget workloads quiet for long (bounded memory).
  if (owners_.size() > 1024) {
    for (auto o = owners_.begin(); o != owners_.end();) {
      if (now - o->second.last >= kBackoffMemory) {
        owners_.erase(o++);
      } else {
        ++o;
      }
    }
  }
}

}  // namespace spillway::autoscaler
