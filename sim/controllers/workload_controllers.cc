#include "sim/controllers/workload_controllers.h"

#include <functional>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "glog/logging.h"
#include "sim/cluster/object_facts.h"
#include "sim/cluster/parallel_writes.h"
#include "sim/controllers/deployment_plan.h"
#include "sim/controllers/replica_set_plan.h"
#include "sim/controllers/stateful_set_plan.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

constexpr char kHashLabel[] = "pod-template-hash";

kube::ResourcePath Path(const char* group, const char* plural, const std::string& ns = "",
                        const std::string& name = "", const char* sub = "") {
  return kube::ResourcePath{group, "v1", plural, ns, name, sub};
}



int SpecReplicas(const json::object& object) {
  const json::value* replicas = json_fields::At(object, {"spec", "replicas"});
  return replicas != nullptr && replicas->is_int64() ? static_cast<int>(replicas->get_int64()) : 1;
}

int StatusInt(const json::object& object, const char* key) {
  return static_cast<int>(json_fields::IntAt(object, {"status", key}));
}

json::object OwnerReference(const char* api_version, const char* kind, const json::object& owner) {
  return json::object{{"apiVersion", api_version}, {"kind", kind}, {"name", NameOf(owner)},
                      {"uid", UidOf(owner)}, {"controller", true}, {"blockOwnerDeletion", true}};
}

// Merges `status` into the object's status subresource when it differs.
absl::Status PatchStatusIfChanged(kube::RestClient& client, kube::ResourcePath path, const json::object& object,
                                  const json::object& status) {
  const json::object* live = json_fields::ObjectAt(object, {"status"});
  bool same = live != nullptr;
  for (const auto& [key, value] : status) {
    if (!same) break;
    const json::value* had = live->if_contains(key);
    same = had != nullptr && *had == value;
  }
  if (same) return absl::OkStatus();
  path.subresource = "status";
  absl::Status patched = client.Patch(path, kube::PatchType::kMerge, json::object{{"status", status}}).status();
  // Deleted since the cache showed it (a user's delete, the garbage
  // collector): nothing to report on.
  return absl::IsNotFound(patched) ? absl::OkStatus() : patched;
}

// A pod's metadata from its owner's template, as kube's GetPodFromTemplate
// makes it: labels, annotations and finalizers only. A template's
// metadata.name (Alibaba's examples set one) never names the pods.
json::object PodMetadataFrom(const json::object& pod_template) {
  json::object meta;
  if (const json::object* m = json_fields::ObjectAt(pod_template, {"metadata"})) {
    for (const char* key : {"labels", "annotations", "finalizers"}) {
      if (const json::value* value = m->if_contains(key)) meta[key] = *value;
    }
  }
  return meta;
}

// A create the cluster answered with a refusal (admission, validation,
// quota, a taken name) rather than a transport failure.
bool RefusedByCluster(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsPermissionDenied(status) || absl::IsAlreadyExists(status) ||
         absl::IsFailedPrecondition(status) || absl::IsNotFound(status) || absl::IsResourceExhausted(status);
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkloadControllers>> WorkloadControllers::Create(kube::RestClient& client,
                                                                                ClusterReader& reader, Clock& clock) {
  std::unique_ptr<WorkloadControllers> controllers(new WorkloadControllers(client, reader, clock));
  std::shared_ptr<ControllerExpectations> expectations = controllers->expectations_;
  SPILLWAY_RETURN_IF_ERROR(reader.AddEventHandler(Path("", "pods"), [expectations](const ObjectEvent& event) {
    const json::object& pod = *event.object;
    const std::string owner = ControllerUid(pod);
    if (owner.empty()) return;
    if (event.type == ObjectEvent::Type::kAdded) expectations->CreationObserved(owner);
    if (event.type == ObjectEvent::Type::kDeleted || Terminating(pod)) {
      expectations->DeletionObserved(owner, NameOf(pod));
    }
  }).status());
  return controllers;
}

void WorkloadControllers::RecordFailedCreate(const json::object& owner, const char* kind, const char* component,
                                             const std::string& message) {
  LOG_EVERY_N(WARNING, 50) << "sim: " << kind << " " << NamespaceOf(owner) << "/" << NameOf(owner) << ": " << message;
  if (recorded_.size() > 10000) recorded_.clear();  // Bounded; a repeat after this is a new Event.
  const std::string key = absl::StrCat(UidOf(owner), "\n", message);
  const std::string ns = NamespaceOf(owner);
  auto it = recorded_.find(key);
  if (it != recorded_.end()) {
    ++it->second.count;
    absl::Status patched =
        client_
            .Patch(Path("", "events", ns, it->second.name), kube::PatchType::kMerge,
                   json::object{{"count", it->second.count}, {"lastTimestamp", KubeTime(clock_.Now())}})
            .status();
    if (patched.ok()) return;
    recorded_.erase(it);
  }
  absl::StatusOr<json::object> event =
      client_.Create(Path("", "events", ns),
                     EventAbout(owner, "apps/v1", kind, "Warning", "FailedCreate", message, component, "", clock_.Now()));
  if (event.ok()) recorded_[key] = Recorded{NameOf(*event), 1};
}

absl::Status SlowStartBatch(int count, const std::function<absl::StatusOr<std::string>(int)>& create,
                            std::vector<std::string>& created) {
  int done = 0;
  for (int batch = 1; done < count; batch *= 2) {
    const int size = std::min(batch, count - done);
    std::vector<std::string> names(size);
    const std::vector<absl::Status> results = WriteInParallel(size, [&](size_t i) -> absl::Status {
      absl::StatusOr<std::string> made = create(done + static_cast<int>(i));
      if (!made.ok()) return made.status();
      names[i] = *std::move(made);
      return absl::OkStatus();
    });
    absl::Status first;
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].ok()) {
        created.push_back(std::move(names[i]));
      } else if (first.ok()) {
        first = results[i];
      }
    }
    if (!first.ok()) return first;  // As kube: a failing batch stops the rest.
    done += size;
  }
  return absl::OkStatus();
}

std::string PodTemplateHash(const json::object& pod_template) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : json::serialize(pod_template)) {
    hash ^= c;
    hash *= 16777619u;
  }
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string encoded;
  for (char digit : std::to_string(hash)) encoded.push_back(kAlphabet[static_cast<unsigned char>(digit) % 27]);
  return encoded;
}

absl::Status WorkloadControllers::Sync() {
  SPILLWAY_ASSIGN_OR_RETURN(std::vector<ObjectRef> deployments, reader_.List(Path("apps", "deployments")));
  SPILLWAY_ASSIGN_OR_RETURN(std::vector<ObjectRef> sets, reader_.List(Path("apps", "replicasets")));
  absl::Status first;
  for (const ObjectRef& deployment : deployments) {
    if (Terminating(*deployment)) continue;
    if (absl::Status s = SyncDeployment(*deployment, sets); !s.ok() && first.ok()) first = s;
  }
  // The ReplicaSets as the pass began: one the Deployment pass just made
  // gets its pods on the next pass, whatever the watch has shown meanwhile
  // (the same story on a busy machine).
  SPILLWAY_ASSIGN_OR_RETURN(std::vector<ObjectRef> pods, reader_.List(Path("", "pods")));
  // Pods by their controller's uid, in list order, grouped once: each
  // ReplicaSet walking every pod made a pass O(sets x pods).
  absl::flat_hash_map<std::string_view, std::vector<const ControlledPod*>> by_controller;
  for (const ObjectRef& pod : pods) {
    const ControlledPod& facts = pods_.Get(pod, [](const json::object& object) {
      return ControlledPod{ControllerUid(object), OwnedPodOf(object)};
    });
    if (!facts.controller_uid.empty()) by_controller[facts.controller_uid].push_back(&facts);
  }
  pods_.EndPass();
  static const std::vector<const ControlledPod*> kNone;
  auto owned_by = [&by_controller](const json::object& set) -> const std::vector<const ControlledPod*>& {
    auto it = by_controller.find(StringView(set, {"metadata", "uid"}));
    return it != by_controller.end() ? it->second : kNone;
  };
  for (const ObjectRef& set : sets) {
    if (Terminating(*set)) continue;
    if (absl::Status s = SyncReplicaSet(*set, owned_by(*set)); !s.ok() && first.ok()) first = s;
  }
  SPILLWAY_ASSIGN_OR_RETURN(std::vector<ObjectRef> stateful, reader_.List(Path("apps", "statefulsets")));
  for (const ObjectRef& set : stateful) {
    if (Terminating(*set)) continue;
    if (absl::Status s = SyncStatefulSet(*set, owned_by(*set)); !s.ok() && first.ok()) first = s;
  }
  return first;
}

absl::Status WorkloadControllers::SyncStatefulSet(const json::object& set,
                                                  const std::vector<const ControlledPod*>& pods) {
  const std::string name = NameOf(set);
  const std::string ns = NamespaceOf(set);
  const std::string uid = UidOf(set);
  std::map<int, OrdinalPod> owned;
  int ready = 0;
  for (const ControlledPod* pod : pods) {
    std::optional<int> ordinal = OrdinalOf(name, pod->owned.name);
    if (!ordinal.has_value()) continue;
    const OwnedPod& facts = pod->owned;
    owned[*ordinal] = OrdinalPod{facts.phase == "Running" && facts.ready, facts.terminating};
    ready += facts.ready && !facts.terminating ? 1 : 0;
  }
  const json::value* policy = json_fields::At(set, {"spec", "podManagementPolicy"});
  const bool parallel = policy != nullptr && policy->is_string() && policy->get_string() == "Parallel";
  const StatefulSetDiff diff = PlanStatefulSet(SpecReplicas(set), parallel, owned);
  const json::object* pod_template = json_fields::ObjectAt(set, {"spec", "template"});
  const std::string revision = absl::StrCat(name, "-", pod_template == nullptr ? "" : PodTemplateHash(*pod_template));
  int made = 0;
  for (int ordinal : diff.create) {
    if (pod_template == nullptr) break;
    const std::string pod_name = absl::StrCat(name, "-", ordinal);
    json::object meta = PodMetadataFrom(*pod_template);
    json::value& labels = meta["labels"];
    if (!labels.is_object()) labels = json::object();
    labels.get_object()["statefulset.kubernetes.io/pod-name"] = pod_name;
    labels.get_object()["apps.kubernetes.io/pod-index"] = std::to_string(ordinal);
    labels.get_object()["controller-revision-hash"] = revision;
    meta["name"] = pod_name;
    meta["namespace"] = ns;
    meta["ownerReferences"] = json::array{OwnerReference("apps/v1", "StatefulSet", set)};
    json::object spec;
    if (const json::object* t = json_fields::ObjectAt(*pod_template, {"spec"})) spec = *t;
    spec["hostname"] = pod_name;
    const json::value* service = json_fields::At(set, {"spec", "serviceName"});
    if (service != nullptr && service->is_string() && !service->get_string().empty()) spec["subdomain"] = *service;
    absl::Status created = client_
                               .Create(Path("", "pods", ns), json::object{{"apiVersion", "v1"}, {"kind", "Pod"},
                                                                          {"metadata", std::move(meta)},
                                                                          {"spec", std::move(spec)}})
                               .status();
    if (created.ok() || absl::IsAlreadyExists(created)) {
      ++made;
      continue;
    }
    if (!RefusedByCluster(created)) return created;
    // As kube's StatefulSet controller: the next ordinal waits for this one.
    RecordFailedCreate(set, "StatefulSet", "statefulset-controller",
                       absl::StrCat("create Pod ", pod_name, " in StatefulSet ", name, " failed error: ",
                                    created.message()));
    break;
  }
  for (int ordinal : diff.remove) {
    absl::Status deleted = client_.Delete(Path("", "pods", ns, absl::StrCat(name, "-", ordinal)));
    if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
  }
  int active = 0;
  for (const auto& [ordinal, pod] : owned) active += pod.terminating ? 0 : 1;
  active += made - static_cast<int>(diff.remove.size());
  json::object status{{"observedGeneration", json_fields::IntAt(set, {"metadata", "generation"})},
                      {"replicas", active},
                      {"readyReplicas", ready},
                      {"availableReplicas", ready},
                      {"currentReplicas", active},
                      {"updatedReplicas", active},
                      {"currentRevision", revision},
                      {"updateRevision", revision}};
  return PatchStatusIfChanged(client_, Path("apps", "statefulsets", ns, name), set, status);
}

absl::Status WorkloadControllers::SyncDeployment(const json::object& deployment,
                                                 const std::vector<ObjectRef>& sets) {
  const json::object* pod_template = json_fields::ObjectAt(deployment, {"spec", "template"});
  if (pod_template == nullptr) return absl::OkStatus();
  const std::string hash = PodTemplateHash(*pod_template);
  const std::string uid = UidOf(deployment);
  const json::object* current = nullptr;
  std::vector<const json::object*> owned;
  for (const ObjectRef& set : sets) {
    if (ControllerUid(*set) != uid || Terminating(*set)) continue;
    owned.push_back(set.get());
    if (Label(*set, kHashLabel) == hash) current = set.get();
  }
  const int desired = SpecReplicas(deployment);
  std::vector<ReplicaSetState> olds;
  std::vector<const json::object*> old_sets;
  for (const json::object* set : owned) {
    if (set == current) continue;
    olds.push_back({NameOf(*set), SpecReplicas(*set), StatusInt(*set, "availableReplicas"), StatusInt(*set, "replicas")});
    old_sets.push_back(set);
  }
  const ReplicaSetState now_state =
      current == nullptr ? ReplicaSetState{}
                         : ReplicaSetState{NameOf(*current), SpecReplicas(*current),
                                           StatusInt(*current, "availableReplicas"), StatusInt(*current, "replicas")};
  const json::object* strategy = json_fields::ObjectAt(deployment, {"spec", "strategy"});
  DeploymentPlan plan;
  if (strategy != nullptr && json_fields::String(*strategy, "type") == "Recreate") {
    plan = PlanRecreate(desired, now_state, olds);
  } else {
    const json::object* rolling = strategy == nullptr ? nullptr : json_fields::ObjectAt(*strategy, {"rollingUpdate"});
    auto value = [&](const char* key) {
      const json::value* v = rolling == nullptr ? nullptr : rolling->if_contains(key);
      if (v == nullptr) return std::string("25%");
      return v->is_int64() ? std::to_string(v->get_int64()) : v->is_string() ? std::string(v->get_string()) : "25%";
    };
    plan = PlanRollingUpdate(desired, ScaledValue(value("maxSurge"), desired, true),
                             ScaledValue(value("maxUnavailable"), desired, false), now_state, olds);
  }
  if (current == nullptr) {
    SPILLWAY_RETURN_IF_ERROR(CreateReplicaSet(deployment, hash, plan.current));
  } else if (plan.current != now_state.replicas) {
    SPILLWAY_RETURN_IF_ERROR(ScaleReplicaSet(*current, plan.current));
  }
  for (size_t i = 0; i < old_sets.size(); ++i) {
    if (plan.old_replicas[i] != olds[i].replicas) {
      SPILLWAY_RETURN_IF_ERROR(ScaleReplicaSet(*old_sets[i], plan.old_replicas[i]));
    }
  }
  return WriteDeploymentStatus(deployment, current, owned);
}

absl::Status WorkloadControllers::CreateReplicaSet(const json::object& deployment, const std::string& hash,
                                                   int replicas) {
  json::object pod_template = *json_fields::ObjectAt(deployment, {"spec", "template"});
  json::value& template_meta = pod_template["metadata"];
  if (!template_meta.is_object()) template_meta = json::object();
  json::value& template_labels = template_meta.get_object()["labels"];
  if (!template_labels.is_object()) template_labels = json::object();
  template_labels.get_object()[kHashLabel] = hash;
  json::object selector;
  if (const json::object* s = json_fields::ObjectAt(deployment, {"spec", "selector"})) selector = *s;
  json::value& match = selector["matchLabels"];
  if (!match.is_object()) match = json::object();
  match.get_object()[kHashLabel] = hash;
  json::object set{
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata",
       json::object{{"name", absl::StrCat(NameOf(deployment), "-", hash)},
                    {"namespace", NamespaceOf(deployment)},
                    {"labels", template_labels},
                    {"ownerReferences", json::array{OwnerReference("apps/v1", "Deployment", deployment)}}}},
      {"spec", json::object{{"replicas", replicas}, {"selector", selector}, {"template", pod_template}}}};
  absl::Status created = client_.Create(Path("apps", "replicasets", NamespaceOf(deployment)), set).status();
  return absl::IsAlreadyExists(created) ? absl::OkStatus() : created;
}

absl::Status WorkloadControllers::ScaleReplicaSet(const json::object& set, int replicas) {
  return client_
      .Patch(Path("apps", "replicasets", NamespaceOf(set), NameOf(set)), kube::PatchType::kMerge,
             json::object{{"spec", json::object{{"replicas", replicas}}}})
      .status();
}

absl::Status WorkloadControllers::WriteDeploymentStatus(const json::object& deployment,
                                                        const json::object* current,
                                                        const std::vector<const json::object*>& owned) {
  int replicas = 0, ready = 0, available = 0;
  for (const json::object* set : owned) {
    replicas += StatusInt(*set, "replicas");
    ready += StatusInt(*set, "readyReplicas");
    available += StatusInt(*set, "availableReplicas");
  }
  const int desired = SpecReplicas(deployment);
  const int updated = current == nullptr ? 0 : StatusInt(*current, "replicas");
  const bool complete = updated == desired && replicas == desired && available == desired;
  json::object status{{"observedGeneration", json_fields::IntAt(deployment, {"metadata", "generation"})},
                      {"replicas", replicas},
                      {"updatedReplicas", updated},
                      {"readyReplicas", ready},
                      {"availableReplicas", available},
                      {"unavailableReplicas", std::max(0, desired - available)}};
  // Conditions keep their transition time while their status holds.
  auto condition = [&](const char* type, bool holds, const char* reason, std::string message) {
    std::string since = KubeTime(clock_.Now());
    if (const json::object* old = Condition(deployment, type);
        old != nullptr && json_fields::String(*old, "status") == (holds ? "True" : "False") &&
        json_fields::String(*old, "reason") == reason) {
      since = json_fields::String(*old, "lastTransitionTime");
    }
    return json::object{{"type", type}, {"status", holds ? "True" : "False"}, {"reason", reason},
                        {"message", std::move(message)}, {"lastTransitionTime", since}, {"lastUpdateTime", since}};
  };
  const bool minimum = available >= desired - ScaledValue("25%", desired, false);
  status["conditions"] = json::array{
      condition("Available", minimum, minimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                minimum ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
      condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                complete ? absl::StrCat("ReplicaSet \"", current == nullptr ? "" : NameOf(*current),
                                        "\" has successfully progressed.")
                         : absl::StrCat("ReplicaSet \"", current == nullptr ? "" : NameOf(*current),
                                        "\" is progressing."))};
  return PatchStatusIfChanged(client_, Path("apps", "deployments", NamespaceOf(deployment), NameOf(deployment)),
                              deployment, status);
}

absl::StatusOr<int> WorkloadControllers::CreateReplicaSetPods(const json::object& set, int count,
                                                              std::string* failure) {
  const std::string uid = UidOf(set);
  const std::string ns = NamespaceOf(set);
  json::object meta = PodMetadataFrom(*json_fields::ObjectAt(set, {"spec", "template"}));
  meta["generateName"] = absl::StrCat(NameOf(set), "-");
  meta["namespace"] = ns;
  meta["ownerReferences"] = json::array{OwnerReference("apps/v1", "ReplicaSet", set)};
  json::object pod{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}};
  if (const json::object* spec = json_fields::ObjectAt(set, {"spec", "template", "spec"})) pod["spec"] = *spec;
  // Expected before the creates: their ADDED events may come first.
  expectations_->ExpectCreations(uid, count, clock_.Now());
  std::vector<std::string> created;
  absl::Status status = SlowStartBatch(count, [&](int) -> absl::StatusOr<std::string> {
    SPILLWAY_ASSIGN_OR_RETURN(json::object made, client_.Create(Path("", "pods", ns), pod));
    return NameOf(made);
  }, created);
  expectations_->CreationsFailed(uid, count - static_cast<int>(created.size()));
  if (!status.ok() && !RefusedByCluster(status)) return status;
  if (!status.ok()) {
    *failure = std::string(status.message());
    RecordFailedCreate(set, "ReplicaSet", "replicaset-controller", absl::StrCat("Error creating: ", status.message()));
  }
  return static_cast<int>(created.size());
}

absl::Status WorkloadControllers::SyncReplicaSet(const json::object& set,
                                                 const std::vector<const ControlledPod*>& pods) {
  const std::string uid = UidOf(set);
  std::vector<OwnedPod> owned;
  owned.reserve(pods.size());
  for (const ControlledPod* pod : pods) owned.push_back(pod->owned);
  if (!expectations_->Satisfied(uid, clock_.Now())) return absl::OkStatus();  // The reader lags our last writes.
  const ReplicaSetDiff diff = PlanReplicaSet(SpecReplicas(set), owned, clock_.Now());
  const std::string ns = NamespaceOf(set);
  std::string failure;  // A create the cluster refused: the ReplicaFailure condition.
  int created = 0;
  if (diff.create > 0 && json_fields::ObjectAt(set, {"spec", "template"}) != nullptr) {
    SPILLWAY_ASSIGN_OR_RETURN(created, CreateReplicaSetPods(set, diff.create, &failure));
  }
  if (!diff.remove.empty()) expectations_->ExpectDeletions(uid, diff.remove, clock_.Now());
  for (const std::string& victim : diff.remove) {
    absl::Status deleted = client_.Delete(Path("", "pods", ns, victim));
    if (deleted.ok() || absl::IsNotFound(deleted)) continue;
    expectations_->DeletionFailed(uid, victim);
    return deleted;
  }
  const std::vector<OwnedPod> active = ActivePods(owned);
  int ready = 0;
  for (const OwnedPod& pod : active) ready += pod.ready ? 1 : 0;
  const int replicas = static_cast<int>(active.size()) + created - static_cast<int>(diff.remove.size());
  json::object status{{"replicas", replicas},
                      {"fullyLabeledReplicas", replicas},
                      {"readyReplicas", ready},
                      {"availableReplicas", ready},  // minReadySeconds 0: ready is available.
                      {"observedGeneration", json_fields::IntAt(set, {"metadata", "generation"})}};
  if (!failure.empty()) {
    status["conditions"] = json::array{json::object{{"type", "ReplicaFailure"}, {"status", "True"},
                                                    {"reason", "FailedCreate"}, {"message", failure},
                                                    {"lastTransitionTime", KubeTime(clock_.Now())}}};
  } else if (Condition(set, "ReplicaFailure") != nullptr) {
    status["conditions"] = json::array();
  }
  return PatchStatusIfChanged(client_, Path("apps", "replicasets", ns, NameOf(set)), set, status);
}

}  // namespace spillway::sim
