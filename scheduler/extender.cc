#include "scheduler/extender.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "burst/architecture.h"
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

const kube::Node* Extender::Find(absl::string_view name, const NodeSnapshot* snapshot) {
  if (snapshot == nullptr) return nullptr;
  auto it = snapshot->find(name);
  return it != snapshot->end() ? it->second.get() : nullptr;
}

std::shared_ptr<const NodeSnapshot> Extender::NodeSnapshotNow() const {
  return view_ != nullptr ? view_->Nodes() : nullptr;
}

NodeClasses Extender::ClassifyNodes(const ExtenderArgs& args, const NodeSnapshot* snapshot) const {
  if (snapshot == nullptr && args.node_names != nullptr && args.node_names->compact() != nullptr) {
    return ClassifyCompact(*args.node_names->compact(), nullptr);
  }
  NodeClasses classes = ClassifyEach(args, snapshot, nullptr);
  ListClasses(classes);
  return classes;
}

NodeClasses Extender::ClassifyNodes(const ExtenderArgs& args, const VirtualNodeIndex& index) const {
  if (args.node_names != nullptr && args.node_names->compact() != nullptr) {
    return ClassifyCompact(*args.node_names->compact(), &index);
  }
  NodeClasses classes = ClassifyEach(args, index.snapshot(), &index);
  ListClasses(classes);
  return classes;
}

NodeClasses Extender::ClassifyCompact(const CompactNames& names, const VirtualNodeIndex* index) const {
  NodeClasses classes;
  classes.is_virtual.resize(names.size());
  // A name can be virtual only if it begins as a virtual node's name or a
  // virtual name prefix does: in a cluster those are a byte or two ('v' for
  // virtual-kubelet-...), and the other names are never read. Each found
  // name is classified as ClassifyEach would.
  std::vector<CompactNames::Found> found;
  names.FindStartingWith(index != nullptr ? index->first_bytes() | rule_.prefix_first_bytes()
                                          : rule_.prefix_first_bytes(),
                         &found);
  for (const auto& [i, token] : found) {
    const absl::string_view name = token.substr(1, token.size() - 2);
    const VirtualNodeIndex::VirtualNode* known = index != nullptr ? index->FindVirtual(name) : nullptr;
    if (known == nullptr) {
      if (!rule_.IsVirtualName(name)) continue;
      if (index != nullptr && index->Contains(name)) continue;  // A regular node with a virtual-looking name.
      if (index != nullptr) VLOG(1) << "node=" << name << " not in the node cache; classifying it by name";
    } else if (known->architecture != burst::kDefaultEciArchitecture) {
      classes.other_architecture.emplace_back(i, known->architecture);
    }
    classes.is_virtual[i] = 1;
    classes.virtual_indices.push_back(i);
  }
  classes.regular_count = names.size() - classes.virtual_indices.size();
  return classes;
}

void Extender::ListClasses(NodeClasses& classes) {
  const std::vector<uint8_t>& is_virtual = classes.is_virtual;  // Each 0 or 1; few are 1.
  classes.virtual_indices.clear();
  for (size_t i = 0; i < is_virtual.size(); ++i) {
    if (is_virtual[i]) classes.virtual_indices.push_back(i);
  }
  classes.regular_count = is_virtual.size() - classes.virtual_indices.size();
}

NodeClasses Extender::ClassifyEach(const ExtenderArgs& args, const NodeSnapshot* snapshot,
                                   const VirtualNodeIndex* index) const {
  NodeClasses classes;
  classes.is_virtual.resize(args.NodeCount());
  auto mark_virtual = [&](size_t i, const kube::Node& node) {
    classes.is_virtual[i] = 1;
    std::string arch = burst::NodeArchitecture(node);
    if (arch != burst::kDefaultEciArchitecture) classes.other_architecture.emplace_back(i, std::move(arch));
  };
  auto classify = [&](size_t i, const kube::Node& node) {
    if (rule_.IsVirtual(node)) mark_virtual(i, node);
  };
  if (args.nodes != nullptr) {
    for (size_t i = 0; i < classes.is_virtual.size(); ++i) classify(i, args.Candidate(i).node);
    return classes;
  }
  const NodeNameList& names = *args.node_names;
  if (index != nullptr) {
    // The same answers as the lookup below, reading only the virtual nodes:
    // a name the snapshot lacks is classified by name.
    auto classify_name = [&](size_t i, absl::string_view name) {
      if (const VirtualNodeIndex::VirtualNode* found = index->FindVirtual(name)) {
        classes.is_virtual[i] = 1;
        if (found->architecture != burst::kDefaultEciArchitecture) {
          classes.other_architecture.emplace_back(i, found->architecture);
        }
      } else if (rule_.MayBeVirtualName(name) && rule_.IsVirtualName(name) && !index->Contains(name)) {
        VLOG(1) << "node=" << name << " not in the node cache; classifying it by name";
        classes.is_virtual[i] = 1;
      }
    };
    for (size_t i = 0; i < names.size(); ++i) classify_name(i, names.name(i));
    return classes;
  }
  if (snapshot == nullptr) {
    // Standalone: by name only. Most names fail the inline first-byte test.
    for (size_t i = 0; i < names.size(); ++i) {
      classes.is_virtual[i] = rule_.MayBeVirtualName(names.name(i)) && rule_.IsVirtualName(names.name(i));
    }
    return classes;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    const absl::string_view name = names.name(i);
    if (const kube::Node* node = Find(name, snapshot)) {
      classify(i, *node);
    } else {
      VLOG(1) << "node=" << name << " not in the node cache; classifying it by name";
      classes.is_virtual[i] = rule_.IsVirtualName(name);
    }
  }
  return classes;
}

namespace {

// The reasons that follow from the policy alone, as indices into
// result.reasons (-1: none applies).
struct PolicyReasons {
  int virtual_reason = -1;
  bool virtual_resolvable = false;
  int regular_reason = -1;
};

// Why a virtual node of the default architecture fails, and why a regular
// node does, from the policy, the candidates and the ECI quota.
PolicyReasons ReasonsFromPolicy(const ExtenderArgs& args, const PodPolicy& policy, const NodeClasses& classes,
                                const ClusterView* view, FilterResult& result) {
  PolicyReasons out;
  const size_t regular_candidates = classes.regular_count;
  if (!policy.MayUseVirtualNodes()) {
    if (policy.intent == Intent::kBurst || policy.intent == Intent::kEciOnly) {
      result.reasons.push_back(absl::StrCat("virtual node: ", policy.eci_runnable.message()));
    } else {
      result.reasons.push_back(absl::StrCat(
          "virtual node: pod did not ask for elastic container instances (", policy.reason,
          "); set annotation alibabacloud.com/burst-resource: eci to burst onto ECI"));
    }
    out.virtual_reason = 0;
  } else if (policy.intent == Intent::kBurst && regular_candidates > 0) {
    result.reasons.push_back(absl::StrCat(
        "virtual node: burst-resource: eci uses regular nodes first and ", regular_candidates,
        " regular node(s) can still take the pod"));
    out.virtual_reason = 0;
    out.virtual_resolvable = true;
  } else if (absl::Status quota = view != nullptr ? view->AssumeEci(args.pod) : absl::OkStatus(); !quota.ok()) {
    // Quota frees up as ECI pods finish: failed, not unresolvable.
    result.reasons.push_back(absl::StrCat("virtual node: ", quota.message()));
    out.virtual_reason = 0;
    out.virtual_resolvable = true;
  }
  if (!policy.MayUseRegularNodes()) {
    out.regular_reason = static_cast<int>(result.reasons.size());
    result.reasons.push_back(
        absl::StrCat("regular node: pod runs on elastic container instances only (", policy.reason, ")"));
  }
  return out;
}

// Marks each virtual node of an architecture the pod did not choose with its
// reason (one per architecture) in `node_reason`.
void ReasonsFromArchitecture(const kube::Pod& pod, const NodeClasses& classes, FilterResult& result,
                             std::vector<int>& node_reason) {
  if (classes.other_architecture.empty() || burst::ChoosesArchitecture(pod)) return;
  absl::flat_hash_map<absl::string_view, int> by_architecture;
  for (const auto& [i, arch] : classes.other_architecture) {
    auto [it, inserted] = by_architecture.try_emplace(arch, static_cast<int>(result.reasons.size()));
    if (inserted) result.reasons.push_back(*burst::ArchitectureMismatch(pod, arch));
    node_reason[i] = it->second;
  }
}

}  // namespace

void Extender::ReasonsFromCooling(const ExtenderArgs& args, const std::vector<uint8_t>& usable_virtual,
                                  FilterResult& result, std::vector<int>& node_reason) const {
  // A virtual node whose zone ran out of stock is avoided while another
  // virtual candidate can take the pod.
  std::vector<std::pair<size_t, std::string>> cooling;
  size_t fresh_virtual = 0;
  for (size_t i = 0; i < usable_virtual.size(); ++i) {
    if (!usable_virtual[i]) continue;
    if (std::optional<std::string> why = view_->VirtualNodeCooling(args.NodeName(i))) {
      cooling.emplace_back(i, *std::move(why));
    } else {
      ++fresh_virtual;
    }
  }
  // The only virtual candidates are never cooled away: the pod must go somewhere.
  if (fresh_virtual == 0) return;
  for (auto& [i, why] : cooling) {
    node_reason[i] = static_cast<int>(result.reasons.size());
    result.reasons.push_back(std::move(why));
  }
}

namespace {

// The result when every regular node shares one verdict and every virtual
// node another, built from the classes' index lists (ascending, as the
// per-node loop would build them); false, leaving `result` alone, when both
// classes would fail into the same list (their order then interleaves).
// `passed_as_rest`: regular nodes that pass are left as "the rest"
// (FilterResult::passed_are_the_rest) rather than listed.
bool SharedVerdicts(const PolicyReasons& reasons, const NodeClasses& classes, bool passed_as_rest,
                    FilterResult& result) {
  const bool regular_pass = reasons.regular_reason < 0;
  const bool virtual_pass = reasons.virtual_reason < 0;
  if (!regular_pass && !virtual_pass && !reasons.virtual_resolvable) return false;
  const size_t count = classes.is_virtual.size();
  if (regular_pass && passed_as_rest) {
    result.passed_are_the_rest = true;
  } else if (regular_pass && virtual_pass) {
    result.passed.resize(count);
    for (size_t i = 0; i < count; ++i) result.passed[i] = i;
  } else if (regular_pass) {
    // The regular nodes: every index but the virtual ones, in runs.
    result.passed.resize(classes.regular_count);
    size_t* out = result.passed.data();
    size_t from = 0;
    for (size_t next : classes.virtual_indices) {
      for (size_t i = from; i < next; ++i) *out++ = i;
      from = next + 1;
    }
    for (size_t i = from; i < count; ++i) *out++ = i;
  } else if (virtual_pass) {
    result.passed = classes.virtual_indices;
  }
  if (!regular_pass) {
    result.unresolvable.reserve(classes.regular_count);
    for (size_t i = 0; i < count; ++i) {
      if (!classes.is_virtual[i]) result.unresolvable.push_back({i, reasons.regular_reason});
    }
  }
  if (!virtual_pass) {
    auto& into = reasons.virtual_resolvable ? result.failed : result.unresolvable;
    into.reserve(into.size() + classes.virtual_indices.size());
    for (size_t i : classes.virtual_indices) into.push_back({i, reasons.virtual_reason});
  }
  return true;
}

}  // namespace

FilterResult Extender::Filter(const ExtenderArgs& args, const absl::StatusOr<PodPolicy>& policy,
                              const NodeClasses& classes) const {
  FilterResult result;
  const size_t count = args.NodeCount();
  if (!policy.ok()) {
    result.reasons.push_back(std::string(policy.status().message()));
    for (size_t i = 0; i < count; ++i) result.unresolvable.push_back({i, 0});
    return result;
  }
  // Reasons are computed once per request and shared by the nodes they cover.
  const PolicyReasons reasons = ReasonsFromPolicy(args, *policy, classes, view_, result);
  // Node-specific reasons, unresolvable ones (architecture) and resolvable ones (stock).
  // (Only where virtual nodes may pass: then sized, one entry per node.)
  std::vector<int> unresolvable_reason;
  std::vector<int> failed_reason;
  if (reasons.virtual_reason < 0) {
    unresolvable_reason.assign(count, -1);
    failed_reason.assign(count, -1);
    ReasonsFromArchitecture(args.pod, classes, result, unresolvable_reason);
    if (view_ != nullptr) {
      std::vector<uint8_t> usable_virtual = classes.is_virtual;
      for (size_t i = 0; i < count; ++i) usable_virtual[i] = usable_virtual[i] && unresolvable_reason[i] < 0;
      ReasonsFromCooling(args, usable_virtual, result, failed_reason);
    }
  }

  // Most requests have no node-specific reason: each class of node then
  // shares one verdict, taken from the class's index list.
  const bool node_specific = result.reasons.size() > (reasons.virtual_reason >= 0 ? 1u : 0u) +
                                                         (reasons.regular_reason >= 0 ? 1u : 0u);
  const bool compact_names = args.node_names != nullptr && args.node_names->compact() != nullptr;
  if (!node_specific && SharedVerdicts(reasons, classes, compact_names, result)) return result;
  result.passed.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (node_specific && unresolvable_reason[i] >= 0) {
      result.unresolvable.push_back({i, unresolvable_reason[i]});
      continue;
    }
    if (node_specific && failed_reason[i] >= 0) {
      result.failed.push_back({i, failed_reason[i]});
      continue;
    }
    const bool is_virtual = classes.is_virtual[i];
    const int reason = is_virtual ? reasons.virtual_reason : reasons.regular_reason;
    if (reason < 0) {
      result.passed.push_back(i);
    } else if (is_virtual && reasons.virtual_resolvable) {
      result.failed.push_back({i, reason});
    } else {
      result.unresolvable.push_back({i, reason});
    }
  }
  return result;
}

HostScores Extender::Prioritize(const ExtenderArgs& args, const absl::StatusOr<PodPolicy>& policy,
                                const NodeClasses& classes) const {
  HostScores scores;
  scores.reserve(args.NodeCount());
  for (size_t i = 0; i < args.NodeCount(); ++i) {
    int64_t score = 0;
    if (policy.ok()) {
      if (classes.is_virtual[i]) {
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
  // A virtual node of an architecture the pod did not choose is not for it.
  if (!classes.other_architecture.empty() && !burst::ChoosesArchitecture(args.pod)) {
    for (const auto& entry : classes.other_architecture) scores[entry.first] = 0;
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
    const kube::Node* node = Find(entry.first, snapshot.get());
    const bool is_virtual = node != nullptr ? rule_.IsVirtual(*node) : rule_.IsVirtualName(entry.first);
    bool allowed = is_virtual ? policy->MayUseVirtualNodes() : policy->MayUseRegularNodes();
    if (allowed && is_virtual && node != nullptr) {
      allowed = !burst::ArchitectureMismatch(args.pod, *node).has_value();
    }
    if (allowed) result.kept.push_back(&entry);
  }
  return result;
}

}  // namespace spillway::scheduler
