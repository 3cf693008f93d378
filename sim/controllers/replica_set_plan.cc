#include "sim/controllers/replica_set_plan.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace spillway::sim {
namespace {

int PhaseOrder(const std::string& phase) {
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  return 2;  // Running
}

// Durations compared by the integer part of their log2 in nanoseconds, as
// with the LogarithmicScaleDown feature (on by default since 1.22): pods
// that became ready (or were created) at similar times count as equal.
int64_t LogBucket(absl::Duration age) {
  const double ns = absl::ToDoubleNanoseconds(age);
  return ns < 1 ? 0 : static_cast<int64_t>(std::log2(ns));
}

struct Ranked {
  const OwnedPod* pod;
  int related_on_node;  // Active pods of the set on the same node (itself included).
};

// True when `a` should go before `b`.
bool Less(const Ranked& ra, const Ranked& rb, absl::Time now) {
  const OwnedPod& a = *ra.pod;
  const OwnedPod& b = *rb.pod;
  // 1. Unassigned before assigned.
  if (a.node.empty() != b.node.empty()) return a.node.empty();
  // 2. Pending before Unknown before Running.
  if (PhaseOrder(a.phase) != PhaseOrder(b.phase)) return PhaseOrder(a.phase) < PhaseOrder(b.phase);
  // 3. Not ready before ready.
  if (a.ready != b.ready) return !a.ready;
  // 4. Lower pod-deletion-cost first.
  if (a.deletion_cost != b.deletion_cost) return a.deletion_cost < b.deletion_cost;
  // 5. Doubled up: more of the set's pods on the same node first.
  if (ra.related_on_node != rb.related_on_node) return ra.related_on_node > rb.related_on_node;
  // 6. Ready for less time first (by log2 bucket).
  if (a.ready && b.ready && a.ready_since.has_value() && b.ready_since.has_value()) {
    const int64_t ba = LogBucket(now - *a.ready_since);
    const int64_t bb = LogBucket(now - *b.ready_since);
    if (ba != bb) return ba < bb;
  }
  // 7. More restarts first.
  if (a.restarts != b.restarts) return a.restarts > b.restarts;
  // 8. Newer first (by log2 bucket of age).
  const int64_t ca = LogBucket(now - a.created);
  const int64_t cb = LogBucket(now - b.created);
  if (ca != cb) return ca < cb;
  // Equal in every rank: the real controller leaves the order to its sort;
  // here newest then name, so a simulation replays the same.
  if (a.created != b.created) return a.created > b.created;
  return a.name < b.name;
}

}  // namespace

std::vector<OwnedPod> ActivePods(const std::vector<OwnedPod>& pods) {
  std::vector<OwnedPod> active;
  for (const OwnedPod& pod : pods) {
    if (pod.terminating || pod.phase == "Succeeded" || pod.phase == "Failed") continue;
    active.push_back(pod);
  }
  return active;
}

ReplicaSetDiff PlanReplicaSet(int desired, const std::vector<OwnedPod>& pods, absl::Time now) {
  const std::vector<OwnedPod> active = ActivePods(pods);
  const int have = static_cast<int>(active.size());
  ReplicaSetDiff diff;
  if (have < desired) {
    diff.create = std::min(desired - have, kBurstReplicas);
    return diff;
  }
  if (have == desired) return diff;
  std::map<std::string, int> per_node;
  for (const OwnedPod& pod : active) {
    if (!pod.node.empty()) ++per_node[pod.node];
  }
  std::vector<Ranked> ranked;
  ranked.reserve(active.size());
  for (const OwnedPod& pod : active) {
    ranked.push_back({&pod, pod.node.empty() ? 0 : per_node[pod.node]});
  }
  const size_t victims = static_cast<size_t>(std::min(have - desired, kBurstReplicas));
  std::partial_sort(ranked.begin(), ranked.begin() + victims, ranked.end(),
                    [now](const Ranked& a, const Ranked& b) { return Less(a, b, now); });
  for (size_t i = 0; i < victims; ++i) diff.remove.push_back(ranked[i].pod->name);
  return diff;
}

}  // namespace spillway::sim
