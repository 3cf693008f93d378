#include "sim/nodeautoscaler/scale_plan.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace spillway::sim {
namespace {

struct Bin {
  int64_t cpu = 0, memory = 0, pods = 0;  // Room left.
};

Bin EmptyNode(const NodeGroup& group) { return Bin{group.cpu_milli, group.memory_bytes, group.pods}; }

bool Fits(const Bin& bin, int64_t cpu, int64_t memory) { return bin.pods > 0 && bin.cpu >= cpu && bin.memory >= memory; }

void Take(Bin& bin, int64_t cpu, int64_t memory) {
  bin.cpu -= cpu;
  bin.memory -= memory;
  --bin.pods;
}

bool Selects(const std::map<std::string, std::string>& labels, const PendingPod& pod) {
  for (const auto& [key, value] : pod.node_selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

// A group's candidate scale-up: the pods first-fit onto at most `room` new nodes.
struct Packing {
  const GroupState* state = nullptr;
  int nodes = 0;
  std::vector<const PendingPod*> pods;
  int64_t cpu = 0, memory = 0;
  double Waste() const {
    const NodeGroup& g = state->group;
    return 1.0 - double(cpu) / (double(nodes) * g.cpu_milli) + 1.0 - double(memory) / (double(nodes) * g.memory_bytes);
  }
};

Packing Pack(const GroupState& state, const std::vector<const PendingPod*>& pods) {
  Packing packing;
  packing.state = &state;
  const int room = state.group.max - state.ready - state.provisioning;
  const std::map<std::string, std::string> labels = TemplateLabels(state.group);
  std::vector<Bin> bins;
  for (const PendingPod* pod : pods) {
    if (!Selects(labels, *pod) || !Fits(EmptyNode(state.group), pod->cpu_milli, pod->memory_bytes)) continue;
    auto bin = std::find_if(bins.begin(), bins.end(), [&](const Bin& b) { return Fits(b, pod->cpu_milli, pod->memory_bytes); });
    if (bin == bins.end()) {
      if (static_cast<int>(bins.size()) >= room) continue;
      bins.push_back(EmptyNode(state.group));
      bin = bins.end() - 1;
    }
    Take(*bin, pod->cpu_milli, pod->memory_bytes);
    packing.pods.push_back(pod);
    packing.cpu += pod->cpu_milli;
    packing.memory += pod->memory_bytes;
  }
  packing.nodes = static_cast<int>(bins.size());
  return packing;
}

// Whether `a` is the expander's better choice than `b`.
bool Better(const Packing& a, const Packing& b, Expander expander) {
  if (expander == Expander::kPriority && a.state->group.priority != b.state->group.priority) {
    return a.state->group.priority > b.state->group.priority;
  }
  const double wa = a.Waste(), wb = b.Waste();
  if (wa != wb) return wa < wb;
  if (a.pods.size() != b.pods.size()) return a.pods.size() > b.pods.size();
  return a.state->group.name < b.state->group.name;
}

}  // namespace

std::map<std::string, std::string> TemplateLabels(const NodeGroup& group) {
  return {{"alibabacloud.com/nodepool-id", group.name},
          {"kubernetes.io/os", "linux"},
          {"topology.kubernetes.io/zone", group.zone}};
}

std::optional<ScaleUp> PlanScaleUp(const std::vector<PendingPod>& pending, const std::vector<GroupState>& groups,
                                   Expander expander, const std::vector<NodeRoom>& room) {
  std::vector<const PendingPod*> pods;
  for (const PendingPod& pod : pending) {
    if (pod.priority >= kExpendablePodsPriorityCutoff) pods.push_back(&pod);
  }
  // Largest first, as a bin packer does; the key keeps ties deterministic.
  std::sort(pods.begin(), pods.end(), [](const PendingPod* a, const PendingPod* b) {
    return std::tie(b->cpu_milli, b->memory_bytes, a->key) < std::tie(a->cpu_milli, a->memory_bytes, b->key);
  });
  // Registered nodes' room, then nodes being provisioned, take what fits
  // them first: those pods wait for the scheduler, or for those nodes.
  std::vector<const PendingPod*> rest;
  std::vector<std::pair<std::map<std::string, std::string>, Bin>> upcoming;
  for (const NodeRoom& node : room) upcoming.emplace_back(node.labels, Bin{node.cpu_milli, node.memory_bytes, node.pods});
  for (const GroupState& state : groups) {
    for (int i = 0; i < state.provisioning; ++i) upcoming.emplace_back(TemplateLabels(state.group), EmptyNode(state.group));
  }
  for (const PendingPod* pod : pods) {
    auto bin = std::find_if(upcoming.begin(), upcoming.end(), [&](const auto& u) {
      return Selects(u.first, *pod) && Fits(u.second, pod->cpu_milli, pod->memory_bytes);
    });
    if (bin == upcoming.end()) {
      rest.push_back(pod);
    } else {
      Take(bin->second, pod->cpu_milli, pod->memory_bytes);
    }
  }
  std::optional<Packing> best;
  for (const GroupState& state : groups) {
    Packing packing = Pack(state, rest);
    if (packing.nodes == 0) continue;
    if (!best.has_value() || Better(packing, *best, expander)) best = std::move(packing);
  }
  if (!best.has_value()) return std::nullopt;
  ScaleUp up;
  up.group = best->state->group.name;
  up.from = best->state->ready + best->state->provisioning;
  up.to = up.from + best->nodes;
  for (const PendingPod* pod : best->pods) up.pods.push_back(pod->key);
  std::sort(up.pods.begin(), up.pods.end());
  return up;
}

double Utilization(const NodeUse& node) {
  int64_t cpu = 0, memory = 0;
  for (const PodOnNode& pod : node.on_it) {
    if (pod.daemon) continue;
    cpu += pod.cpu_milli;
    memory += pod.memory_bytes;
  }
  const double by_cpu = node.cpu_milli > 0 ? double(cpu) / node.cpu_milli : 0;
  const double by_memory = node.memory_bytes > 0 ? double(memory) / node.memory_bytes : 0;
  return std::max(by_cpu, by_memory);
}

std::map<std::string, absl::Time> UpdateUnneeded(const std::vector<NodeUse>& nodes,
                                                 const std::map<std::string, absl::Time>& unneeded_since,
                                                 absl::Time now, double threshold) {
  std::map<std::string, absl::Time> out;
  for (const NodeUse& node : nodes) {
    if (node.group.empty() || node.deleting || Utilization(node) >= threshold) continue;
    auto it = unneeded_since.find(node.name);
    out[node.name] = it == unneeded_since.end() ? now : it->second;
  }
  return out;
}

ScaleDown PlanScaleDown(const std::vector<NodeUse>& nodes, const std::map<std::string, absl::Time>& unneeded_since,
                        const std::map<std::string, int>& group_sizes, const std::map<std::string, int>& group_mins,
                        absl::Time now, const ScaleDownOptions& options) {
  ScaleDown down;
  std::map<std::string, int> sizes = group_sizes;
  auto above_min = [&](const std::string& group) {
    auto min = group_mins.find(group);
    return sizes[group] > (min == group_mins.end() ? 0 : min->second);
  };
  // The room on every regular node that stays, for the pods that must move.
  std::map<std::string, Bin> room;
  for (const NodeUse& node : nodes) {
    if (node.deleting) continue;
    Bin bin{node.cpu_milli, node.memory_bytes, node.pods};
    for (const PodOnNode& pod : node.on_it) Take(bin, pod.cpu_milli, pod.memory_bytes);
    room[node.name] = bin;
  }
  bool moved_pods = false;
  for (const NodeUse& node : nodes) {
    auto since = unneeded_since.find(node.name);
    if (since == unneeded_since.end() || now - since->second < options.unneeded_time || node.deleting) continue;
    if (!above_min(node.group)) {
      down.kept.push_back(absl::StrCat(node.name, ": node group ", node.group, " is at its minimum size"));
      continue;
    }
    std::vector<const PodOnNode*> movers;
    std::string blocked;
    for (const PodOnNode& pod : node.on_it) {
      if (pod.daemon) continue;
      if (!pod.blocked.empty()) blocked = absl::StrCat("pod ", pod.key, " ", pod.blocked);
      movers.push_back(&pod);
    }
    if (!blocked.empty()) {
      down.kept.push_back(absl::StrCat(node.name, ": ", blocked));
      continue;
    }
    if (!movers.empty() && moved_pods) continue;  // One non-empty node per scan.
    // Every pod must fit on the other nodes' room (first fit, in name order).
    std::map<std::string, Bin> trial = room;
    trial.erase(node.name);
    for (const std::string& gone : down.nodes) trial.erase(gone);
    bool fits = true;
    for (const PodOnNode* pod : movers) {
      auto bin = std::find_if(trial.begin(), trial.end(),
                              [&](const auto& b) { return Fits(b.second, pod->cpu_milli, pod->memory_bytes); });
      if (bin == trial.end()) {
        fits = false;
        down.kept.push_back(absl::StrCat(node.name, ": pod ", pod->key, " would fit no other node"));
        break;
      }
      Take(bin->second, pod->cpu_milli, pod->memory_bytes);
    }
    if (!fits) continue;
    room = std::move(trial);
    down.nodes.push_back(node.name);
    --sizes[node.group];
    moved_pods = moved_pods || !movers.empty();
  }
  return down;
}

}  // namespace spillway::sim
