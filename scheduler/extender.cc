#include "scheduler/extender.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace spillway::scheduler {

using burst::Intent;
using burst::PodPolicy;

Extender::Extender(const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                   const ClusterView* view, ScoreValues scores)
    : resolver_(resolver), rule_(rule), view_(view), scores_(scores) {}

absl::StatusOr<PodPolicy> Extender::Resolve(const kube::Pod& pod) const {
  std::shared_ptr<const kube::Namespace> ns;
  if (view_ != nullptr) ns = view_->FindNamespace(pod.metadata.namespace_);
  return resolver_.Resolve(burst::PodContext{pod, ns.get()});
}

bool Extender::IsVirtualByName(absl::string_view name, const NodeSnapshot* snapshot) const {
  if (snapshot != nullptr) {
    auto it = snapshot->find(name);
    if (it != snapshot->end()) return rule_.IsVirtual(*it->second);
    VLOG(1) << "node=" << name << " not in the node cache; classifying it by name";
  }
  return rule_.IsVirtualName(name);
}

std::vector<bool> Extender::ClassifyNodes(const ExtenderArgs& args) const {
  std::vector<bool> is_virtual(args.NodeCount());
  if (args.nodes.has_value()) {
    for (size_t i = 0; i < is_virtual.size(); ++i) {
      is_virtual[i] = rule_.IsVirtual((*args.nodes)[i].node);
    }
    return is_virtual;
  }
  std::shared_ptr<const NodeSnapshot> snapshot;
  if (view_ != nullptr) snapshot = view_->Nodes();
  for (size_t i = 0; i < is_virtual.size(); ++i) {
    is_virtual[i] = IsVirtualByName((*args.node_names)[i], snapshot.get());
  }
  return is_virtual;
}

FilterResult Extender::Filter(const ExtenderArgs& args, const absl::StatusOr<PodPolicy>& policy,
                              const std::vector<bool>& is_virtual) const {
  FilterResult result;
  const size_t count = args.NodeCount();
  if (!policy.ok()) {
    result.reasons.push_back(std::string(policy.status().message()));
    for (size_t i = 0; i < count; ++i) result.unresolvable.push_back({i, 0});
    return result;
  }
  size_t regular_candidates = 0;
  for (bool v : is_virtual) regular_candidates += v ? 0 : 1;

  // Reasons are computed once per request and shared by the nodes they cover.
  int virtual_reason = -1;
  bool virtual_resolvable = false;
  if (!policy->MayUseVirtualNodes()) {
    if (policy->intent == Intent::kBurst || policy->intent == Intent::kEciOnly) {
      result.reasons.push_back(absl::StrCat("virtual node: ", policy->eci_runnable.message()));
    } else {
      result.reasons.push_back(absl::StrCat(
          "virtual node: pod did not ask for elastic container instances (", policy->reason,
          "); set annotation alibabacloud.com/burst-resource: eci to burst onto ECI"));
    }
    virtual_reason = 0;
  } else if (policy->intent == Intent::kBurst && regular_candidates > 0) {
    result.reasons.push_back(absl::StrCat(
        "virtual node: burst-resource: eci uses regular nodes first and ", regular_candidates,
        " regular node(s) can still take the pod"));
    virtual_reason = 0;
    virtual_resolvable = true;
  } else if (absl::Status quota = view_ != nullptr ? view_->AssumeEci(args.pod) : absl::OkStatus();
             !quota.ok()) {
    // Quota frees up as ECI pods finish: failed, not unresolvable.
    result.reasons.push_back(absl::StrCat("virtual node: ", quota.message()));
    virtual_reason = 0;
    virtual_resolvable = true;
  }
  int regular_reason = -1;
  if (!policy->MayUseRegularNodes()) {
    regular_reason = static_cast<int>(result.reasons.size());
    result.reasons.push_back(
        absl::StrCat("regular node: pod runs on elastic container instances only (",
                     policy->reason, ")"));
  }

  // Stock cool-downs: a virtual node whose zone ran out of stock is avoided
  // while another virtual candidate can take the pod.
  std::vector<int> cooling_reason(count, -1);
  if (view_ != nullptr && virtual_reason < 0) {
    std::vector<std::pair<size_t, std::string>> cooling;
    size_t fresh_virtual = 0;
    for (size_t i = 0; i < count; ++i) {
      if (!is_virtual[i]) continue;
      if (std::optional<std::string> why = view_->VirtualNodeCooling(args.NodeName(i))) {
        cooling.emplace_back(i, *std::move(why));
      } else {
        ++fresh_virtual;
      }
    }
    // The only virtual candidates are never cooled away: the pod must go somewhere.
    if (fresh_virtual > 0) {
      for (auto& [i, why] : cooling) {
        cooling_reason[i] = static_cast<int>(result.reasons.size());
        result.reasons.push_back(std::move(why));
      }
    }
  }

  result.passed.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (cooling_reason[i] >= 0) {
      result.failed.push_back({i, cooling_reason[i]});
      continue;
    }
    int reason = is_virtual[i] ? virtual_reason : regular_reason;
    if (reason < 0) {
      result.passed.push_back(i);
    } else if (is_virtual[i] && virtual_resolvable) {
      result.failed.push_back({i, reason});
    } else {
      result.unresolvable.push_back({i, reason});
    }
  }
  return result;
}

HostScores Extender::Prioritize(const ExtenderArgs& args,
                                            const absl::StatusOr<PodPolicy>& policy,
                                            const std::vector<bool>& is_virtual) const {
  HostScores scores;
  scores.reserve(args.NodeCount());
  for (size_t i = 0; i < args.NodeCount(); ++i) {
    int64_t score = 0;
    if (policy.ok()) {
      if (is_virtual[i]) {
        if (policy->MayUseVirtualNodes()) {
          score = policy->intent == Intent::kEciOnly ? scores_.virtual_node_eci_only
                                                     : scores_.virtual_node_burst;
        }
      } else if (policy->MayUseRegularNodes()) {
        score = scores_.regular_node;
      }
    }
    scores.push_back(score);
  }
  return scores;
}

PreemptionResult Extender::Preempt(const PreemptionArgs& args,
                                   const absl::StatusOr<PodPolicy>& policy) const {
  PreemptionResult result;
  if (!policy.ok()) return result;
  std::shared_ptr<const NodeSnapshot> snapshot;
  if (view_ != nullptr) snapshot = view_->Nodes();
  for (const auto& entry : args.node_victims) {
    // A burst pod keeps regular-node victims: preemption only runs when no
    // node passed the filter, which for a burst pod means no virtual node was
    // available either, so freeing a regular node is its only way to run.
    bool allowed = IsVirtualByName(entry.first, snapshot.get()) ? policy->MayUseVirtualNodes()
                                                                 : policy->MayUseRegularNodes();
    if (allowed) result.kept.push_back(&entry);
  }
  return result;
}

}  // namespace spillway::scheduler
