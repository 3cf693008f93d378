#include "sim/nodeautoscaler/cluster_autoscaler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "kube/decode.h"
#include "kube/quantity.h"
#include "sim/cluster/object_facts.h"
#include "sim/kubelet/kubelets.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

constexpr char kComponent[] = "cluster-autoscaler";
constexpr char kToBeDeletedTaint[] = "ToBeDeletedByClusterAutoscaler";
constexpr char kSafeToEvict[] = "cluster-autoscaler.kubernetes.io/safe-to-evict";

std::string LabelOf(const json::object& object, const char* key) {
  const json::object* labels = json_fields::ObjectAt(object, {"metadata", "labels"});
  return labels == nullptr ? "" : json_fields::String(*labels, key);
}

bool Gone(const json::object& pod) {
  const std::string_view phase = StringView(pod, {"status", "phase"});
  return Terminating(pod) || phase == "Succeeded" || phase == "Failed";
}

std::string KeyOf(const json::object& object) { return absl::StrCat(NamespaceOf(object), "/", NameOf(object)); }

kube::Resources RequestsOf(const json::object& pod) {
  absl::StatusOr<kube::Pod> parsed = kube::ParsePod(json::serialize(pod));
  return parsed.ok() ? parsed->EffectiveRequests() : kube::Resources{};
}

// A pod the scheduler could not place: what cluster-autoscaler acts on.
bool Unschedulable(const json::object& pod) {
  if (Gone(pod) || !StringView(pod, {"spec", "nodeName"}).empty()) return false;
  const json::object* condition = Condition(pod, "PodScheduled");
  return condition != nullptr && json_fields::String(*condition, "status") == "False" &&
         json_fields::String(*condition, "reason") == "Unschedulable";
}

PendingPod PendingOf(const json::object& pod) {
  PendingPod pending;
  pending.key = KeyOf(pod);
  const kube::Resources requests = RequestsOf(pod);
  pending.cpu_milli = requests.cpu_milli;
  pending.memory_bytes = requests.memory_bytes;
  pending.priority = static_cast<int32_t>(json_fields::IntAt(pod, {"spec", "priority"}));
  if (const json::object* selector = json_fields::ObjectAt(pod, {"spec", "nodeSelector"})) {
    for (const auto& [key, value] : *selector) {
      if (value.is_string()) pending.node_selector[std::string(key)] = std::string(value.get_string());
    }
  }
  return pending;
}

PodOnNode OnNodeOf(const json::object& pod) {
  PodOnNode on;
  on.key = KeyOf(pod);
  const kube::Resources requests = RequestsOf(pod);
  on.cpu_milli = requests.cpu_milli;
  on.memory_bytes = requests.memory_bytes;
  const std::string controller = ControllerOf(pod).first;
  on.daemon = controller == "DaemonSet";
  const json::object* annotations = json_fields::ObjectAt(pod, {"metadata", "annotations"});
  const std::string safe_to_evict = annotations != nullptr ? json_fields::String(*annotations, kSafeToEvict) : "";
  if (safe_to_evict == "false") {
    on.blocked = absl::StrCat("has ", kSafeToEvict, ": \"false\"");
  } else if (controller.empty() && safe_to_evict != "true") {  // "true": evictable even without a controller.
    on.blocked = "is not replicated (it has no controller)";
  }
  return on;
}

}  // namespace

ClusterAutoscaler::ClusterAutoscaler(kube::RestClient& client, ClusterReader& reader, Clock& clock,
                                     NodeAutoscaling options)
    : client_(client), reader_(reader), clock_(clock), options_(std::move(options)) {}

absl::Status ClusterAutoscaler::Sync() {
  const absl::Time now = clock_.Now();
  if (options_.groups.empty() || now < next_scan_) return absl::OkStatus();
  next_scan_ = now + options_.scan_interval;
  SPILLWAY_RETURN_IF_ERROR(RegisterProvisioned(now));
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> nodes, reader_.List(PathOf("", "v1", "nodes")));
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> pods, reader_.List(PathOf("", "v1", "pods")));
  std::map<std::string, int> ready;
  for (const ObjectRef& node : nodes) {
    const std::string group = LabelOf(*node, kNodePoolLabel);
    if (!group.empty()) ++ready[group];
  }
  // A node registered this scan is not in the watch cache yet: it is still
  // upcoming, or the same pods would ask for it twice.
  std::set<std::string> seen;
  for (const ObjectRef& node : nodes) seen.insert(NameOf(*node));
  SPILLWAY_RETURN_IF_ERROR(ScaleUp(pods, RoomOn(nodes, pods), ready, seen, now));
  return ScaleDown(nodes, pods, now);
}

std::vector<NodeRoom> ClusterAutoscaler::RoomOn(const std::vector<ObjectRef>& nodes,
                                                const std::vector<ObjectRef>& pods) const {
  std::map<std::string, NodeRoom> room;
  for (const ObjectRef& ref : nodes) {
    const json::object& node = *ref;
    const json::value* taints = json_fields::At(node, {"spec", "taints"});
    // Virtual nodes (tainted), draining ones and any other tainted node: the
    // pods that wait for a regular node would not go there.
    if (draining_.count(NameOf(node)) > 0 || (taints != nullptr && taints->is_array() && !taints->get_array().empty())) {
      continue;
    }
    NodeRoom& r = room[NameOf(node)];
    if (const json::object* labels = json_fields::ObjectAt(node, {"metadata", "labels"})) {
      for (const auto& [key, value] : *labels) {
        if (value.is_string()) r.labels[std::string(key)] = std::string(value.get_string());
      }
    }
    if (const json::object* allocatable = json_fields::ObjectAt(node, {"status", "allocatable"})) {
      r.cpu_milli = kube::ParseQuantityMilli(json_fields::String(*allocatable, "cpu")).value_or(0);
      r.memory_bytes = kube::ParseQuantity(json_fields::String(*allocatable, "memory")).value_or(0);
      r.pods = kube::ParseQuantity(json_fields::String(*allocatable, "pods")).value_or(110);
    }
  }
  for (const ObjectRef& ref : pods) {
    auto r = room.find(std::string(StringView(*ref, {"spec", "nodeName"})));
    if (r == room.end() || Gone(*ref)) continue;
    const kube::Resources requests = RequestsOf(*ref);
    r->second.cpu_milli -= requests.cpu_milli;
    r->second.memory_bytes -= requests.memory_bytes;
    --r->second.pods;
  }
  std::vector<NodeRoom> out;
  for (auto& [name, r] : room) out.push_back(std::move(r));
  return out;
}

absl::Status ClusterAutoscaler::RegisterProvisioned(absl::Time now) {
  for (NodeLifetime& life : lifetimes_) {
    if (life.registered != absl::InfiniteFuture() || now - life.asked < options_.provisioning_delay) continue;
    for (const NodeGroup& group : options_.groups) {
      if (group.name != life.group) continue;
      SimNode node;
      node.name = life.name;
      node.zone = group.zone;
      node.cpu_milli = group.cpu_milli;
      node.memory_bytes = group.memory_bytes;
      node.pods = group.pods;
      node.labels = {{kNodePoolLabel, group.name}};
      absl::Status created = client_.Create(PathOf("", "v1", "nodes"), SimNodeObject(node, now)).status();
      if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
      life.registered = now;
    }
  }
  return absl::OkStatus();
}

absl::Status ClusterAutoscaler::ScaleUp(const std::vector<ObjectRef>& pods, const std::vector<NodeRoom>& room,
                                        const std::map<std::string, int>& ready, const std::set<std::string>& seen,
                                        absl::Time now) {
  std::vector<PendingPod> pending;
  std::map<std::string, const json::object*> by_key;
  for (const ObjectRef& ref : pods) {
    if (!Unschedulable(*ref)) continue;
    pending.push_back(PendingOf(*ref));
    by_key[pending.back().key] = &*ref;
  }
  if (pending.empty()) return absl::OkStatus();
  std::vector<GroupState> groups;
  std::vector<GroupState> empty_groups;  // Each at zero: could any node of it hold the pod?
  for (const NodeGroup& group : options_.groups) {
    auto it = ready.find(group.name);
    int provisioning = 0;
    for (const NodeLifetime& life : lifetimes_) {
      const bool upcoming = life.registered == absl::InfiniteFuture() ||
                            (life.removed == absl::InfiniteFuture() && seen.count(life.name) == 0);
      provisioning += life.group == group.name && upcoming;
    }
    groups.push_back({group, it == ready.end() ? 0 : it->second, provisioning});
    empty_groups.push_back({group, 0, 0});
  }
  for (const PendingPod& pod : pending) {
    if (PlanScaleUp({pod}, empty_groups, options_.expander).has_value() || !told_no_group_.insert(pod.key).second) continue;
    SPILLWAY_RETURN_IF_ERROR(Event(*by_key[pod.key], "v1", "Pod", "NotTriggerScaleUp",
                                   absl::StrCat("pod didn't trigger scale-up: ", options_.groups.size(),
                                                " node group(s) cannot hold it (resources, node selector)"),
                                   now));
  }
  std::optional<sim::ScaleUp> up = PlanScaleUp(pending, groups, options_.expander, room);
  if (!up.has_value()) return absl::OkStatus();
  int max = 0;
  for (const NodeGroup& group : options_.groups) max = group.name == up->group ? group.max : max;
  for (int i = up->from; i < up->to; ++i) {
    lifetimes_.push_back({absl::StrCat(up->group, "-", next_index_[up->group]++), up->group, now,
                          absl::InfiniteFuture(), absl::InfiniteFuture()});
  }
  const std::string message =
      absl::StrCat("pod triggered scale-up: [{", up->group, " ", up->from, "->", up->to, " (max: ", max, ")}]");
  for (const std::string& key : up->pods) SPILLWAY_RETURN_IF_ERROR(Event(*by_key[key], "v1", "Pod", "TriggeredScaleUp", message, now));
  return absl::OkStatus();
}

absl::Status ClusterAutoscaler::ScaleDown(const std::vector<ObjectRef>& nodes, const std::vector<ObjectRef>& pods,
                                          absl::Time now) {
  std::map<std::string, std::vector<const json::object*>> pods_on;
  for (const ObjectRef& ref : pods) {
    const std::string_view node = StringView(*ref, {"spec", "nodeName"});
    if (!node.empty() && !Gone(*ref)) pods_on[std::string(node)].push_back(&*ref);
  }
  std::vector<NodeUse> uses;
  std::map<std::string, int> sizes, mins;
  for (const NodeGroup& group : options_.groups) mins[group.name] = group.min;
  for (const ObjectRef& ref : nodes) {
    const json::object& node = *ref;
    if (LabelOf(node, "type") == "virtual-kubelet") continue;  // Never capacity, never scaled.
    NodeUse use;
    use.name = NameOf(node);
    use.group = LabelOf(node, kNodePoolLabel);
    if (const json::object* allocatable = json_fields::ObjectAt(node, {"status", "allocatable"})) {
      use.cpu_milli = kube::ParseQuantityMilli(json_fields::String(*allocatable, "cpu")).value_or(0);
      use.memory_bytes = kube::ParseQuantity(json_fields::String(*allocatable, "memory")).value_or(0);
      use.pods = kube::ParseQuantity(json_fields::String(*allocatable, "pods")).value_or(110);
    }
    for (const json::object* pod : pods_on[use.name]) use.on_it.push_back(OnNodeOf(*pod));
    use.deleting = draining_.count(use.name) > 0;
    if (!use.group.empty()) ++sizes[use.group];
    uses.push_back(std::move(use));
  }
  unneeded_since_ = UpdateUnneeded(uses, unneeded_since_, now, options_.scale_down.utilization_threshold);
  for (const std::string& node : PlanScaleDown(uses, unneeded_since_, sizes, mins, now, options_.scale_down).nodes) {
    draining_.insert(node);
    for (const ObjectRef& ref : nodes) {
      if (NameOf(*ref) != node) continue;
      json::array taints;
      if (const json::value* current = json_fields::At(*ref, {"spec", "taints"}); current != nullptr && current->is_array()) {
        taints = current->get_array();
      }
      taints.push_back(json::object{{"key", kToBeDeletedTaint}, {"value", std::to_string(absl::ToUnixSeconds(now))},
                                    {"effect", "NoSchedule"}});
      SPILLWAY_RETURN_IF_ERROR(client_
                                   .Patch(PathOf("", "v1", "nodes", "", node), kube::PatchType::kMerge,
                                          json::object{{"spec", json::object{{"taints", std::move(taints)}}}})
                                   .status());
      SPILLWAY_RETURN_IF_ERROR(Event(*ref, "v1", "Node", "ScaleDown", "marked the node as toBeDeleted/unschedulable", now));
    }
  }
  for (auto it = draining_.begin(); it != draining_.end();) {
    const std::string node = *it;
    ++it;
    SPILLWAY_RETURN_IF_ERROR(Drain(node, pods_on[node], now));
  }
  return absl::OkStatus();
}

absl::Status ClusterAutoscaler::Drain(const std::string& node, const std::vector<const json::object*>& pods,
                                      absl::Time now) {
  int left = 0;
  for (const json::object* pod : pods) {
    if (ControllerOf(*pod).first == "DaemonSet") continue;
    ++left;
    absl::Status evicted = client_.Evict(NamespaceOf(*pod), NameOf(*pod));
    if (absl::IsUnavailable(evicted) || absl::IsNotFound(evicted)) continue;  // A budget says not yet; retried.
    SPILLWAY_RETURN_IF_ERROR(evicted);
    SPILLWAY_RETURN_IF_ERROR(Event(*pod, "v1", "Pod", "ScaleDown", "deleting pod for node scale down", now));
  }
  if (left > 0) return absl::OkStatus();  // Deleted once its pods are gone (next scan).
  absl::Status deleted = client_.Delete(PathOf("", "v1", "nodes", "", node));
  if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
  draining_.erase(node);
  unneeded_since_.erase(node);
  for (NodeLifetime& life : lifetimes_) {
    if (life.name == node && life.removed == absl::InfiniteFuture()) life.removed = now;
  }
  return absl::OkStatus();
}

absl::Status ClusterAutoscaler::Event(const json::object& object, const std::string& api_version,
                                      const std::string& kind, const std::string& reason, const std::string& message,
                                      absl::Time now) {
  const std::string ns = NamespaceOf(object).empty() ? "default" : NamespaceOf(object);
  const json::object event = EventAbout(object, api_version, kind, "Normal", reason, message, kComponent, "", now);
  return client_.Create(PathOf("", "v1", "events", ns), event).status();
}

}  // namespace spillway::sim
