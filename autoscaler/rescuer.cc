#include "autoscaler/rescuer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "burst/placement.h"
#include "glog/logging.h"
#include "kube/decode.h"
#include "kube/json_patch.h"
#include "burst/placement.h"

namespace spillway::autoscaler {
namespace json = boost::json;

bool IsResourceShortage(absl::string_view message) {
  return absl::StrContains(message, "Insufficient ") || absl::StrContains(message, "Too many pods");
}

Rescuer::Rescuer(kube::RestClient& client, kube::ClusterInformers& informers,
                 const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                 kube::EventRecorder& events, const Clock& clock, AutoscalerMetrics& metrics,
                 Options options)
    : client_(client),
      informers_(informers),
      resolver_(resolver),
      rule_(rule),
      events_(events),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      controller_(
          "rescue", clock, metrics, [this](const std::string& key) { return Reconcile(key); },
          /*workers=*/4) {
  kube::Informer<kube::PodRecord>::Handler handler;
  auto consider = [this](const kube::PodRecord& pod) {
    if (!pod.unschedulable() || !pod.node_name().empty() || pod.deleting()) return;
    const std::string key = pod.Key();
    {
      absl::MutexLock lock(&mu_);
      seen_unschedulable_.try_emplace(key, clock_.Now());
    }
    controller_.Enqueue(key);
  };
  handler.on_add = consider;
  handler.on_update = [consider](const kube::PodRecord&, const kube::PodRecord& pod) { consider(pod); };
  handler.on_delete = [this](const kube::PodRecord& pod) {
    absl::MutexLock lock(&mu_);
    seen_unschedulable_.erase(pod.Key());
  };
  informers_.pods().AddHandler(std::move(handler));
}

void Rescuer::EnqueueAll() {
  for (const auto& pod : informers_.pods().List()) {
    if (pod->unschedulable() && pod->node_name().empty()) controller_.Enqueue(pod->Key());
  }
}

absl::Status Rescuer::Skip(const std::string& key, absl::string_view outcome, absl::string_view why) {
  metrics_.CountRescue(outcome);
  VLOG(1) << "rescue pod=" << key << " outcome=" << outcome << " reason=" << why;
  absl::MutexLock lock(&mu_);
  seen_unschedulable_.erase(key);
  return absl::OkStatus();
}

bool Rescuer::InScope(const kube::PodRecord& pod) const {
  const std::string ns(pod.namespace_());
  std::vector<std::string> excluded(options_.config.excluded_namespaces().begin(),
                                    options_.config.excluded_namespaces().end());
  if (excluded.empty()) excluded = {"kube-system", options_.own_namespace};
  if (std::find(excluded.begin(), excluded.end(), ns) != excluded.end()) return false;
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(ns);
  auto says = [&](absl::string_view value) {
    return pod.labels().Has(kRescueLabel, value) ||
           (space != nullptr && space->metadata.labels.Has(kRescueLabel, value));
  };
  if (options_.config.scope() == "opt-in") return says("enabled") && !pod.labels().Has(kRescueLabel, "disabled");
  return !says("disabled");
}

absl::Status Rescuer::Reconcile(const std::string& key) {
  if (!options_.may_act()) return absl::OkStatus();  // A standby replica: the leader acts.
  std::shared_ptr<const kube::PodRecord> cached = informers_.pods().Get(key);
  if (cached == nullptr || !cached->unschedulable() || !cached->node_name().empty() ||
      cached->deleting()) {
    absl::MutexLock lock(&mu_);
    seen_unschedulable_.erase(key);
    return absl::OkStatus();
  }
  if (cached->annotations().Find(kRescuedAnnotation).has_value()) {
    return Skip(key, "already_rescued", "rescued before; never twice");
  }
  if (!IsResourceShortage(cached->scheduling_message())) {
    return Skip(key, "not_resource_shortage", cached->scheduling_message());
  }
  if (!InScope(*cached)) return Skip(key, "out_of_scope", "namespace or label outside the rescue scope");
  if (options_.config.grace_seconds() > 0 && !cached->unschedulable_since().empty()) {
    absl::Time since;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, std::string(cached->unschedulable_since()), &since, &error)) {
      const absl::Time due = since + absl::Seconds(options_.config.grace_seconds());
      if (clock_.Now() < due) {
        controller_.EnqueueAfter(key, due - clock_.Now());
        return absl::OkStatus();
      }
    }
  }

  // The cache has what decides scope; judging ECI needs the whole pod, and
  // the write needs its current resourceVersion.
  const std::string ns(cached->namespace_());
  const std::string name(cached->name());
  const kube::ResourcePath path{"", "v1", "pods", ns, name, ""};
  absl::StatusOr<std::string> text = client_.CallRaw("GET", path.Url(), "");
  if (text.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  json::value live = json::parse(*text, ec);
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(*std::move(text));
  if (ec || !live.is_object() || !pod.ok()) {
    return Skip(key, "error", pod.ok() ? "the pod is not a JSON object" : pod.status().message());
  }
  if (!pod->node_name.empty()) return absl::OkStatus();  // Scheduled meanwhile.
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(ns);
  absl::StatusOr<burst::PodPolicy> policy = resolver_.Resolve(burst::PodContext{*pod, space.get()});
  if (!policy.ok()) return Skip(key, "pinned_to_ecs", policy.status().message());
  if (policy->intent == burst::Intent::kEcs) return Skip(key, "pinned_to_ecs", policy->reason);
  if (policy->intent == burst::Intent::kEciOnly) {
    return Skip(key, "pinned_to_ecs", "already ECI-only; its placement is the extender's");
  }
  if (!policy->eci_runnable.ok()) {
    (void)events_.Record({"v1", "Pod", ns, name, pod->metadata.uid}, kube::EventType::kWarning,
                         "NotRescuedToECI", std::string(policy->eci_runnable.message()));
    return Skip(key, "eci_cannot_run", policy->eci_runnable.message());
  }
  bool admitted = false;
  bool any_virtual = false;
  for (const auto& node : informers_.nodes().List()) {
    if (!rule_.IsVirtual(*node)) continue;
    any_virtual = true;
    admitted = admitted || burst::PodAdmitsNode(*pod, *node);
  }
  if (!any_virtual) return Skip(key, "no_virtual_node", "the cluster has no virtual node");
  if (!admitted) return Skip(key, "pinned_to_ecs", "its nodeSelector or affinity admits no virtual node");
  if (options_.quota != nullptr) {
    if (absl::Status room = options_.quota->Admit(ns, pod->EffectiveRequests()); !room.ok()) {
      (void)events_.Record({"v1", "Pod", ns, name, pod->metadata.uid}, kube::EventType::kWarning,
                           "NotRescuedToECI", std::string(room.message()));
      return Skip(key, "quota", room.message());
    }
  }

  // The JSON patch: guarded by resourceVersion; tolerations and annotations
  // are appended to, never replaced.
  const json::object& object = live.get_object();
  const json::object& meta = object.at("metadata").as_object();
  const std::string stamp = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone());
  json::array patch{json::object{{"op", "test"}, {"path", "/metadata/resourceVersion"},
                                 {"value", meta.at("resourceVersion")}}};
  const json::value* spec = object.if_contains("spec");
  const bool has_tolerations = spec != nullptr && spec->is_object() &&
                               spec->get_object().if_contains("tolerations") != nullptr &&
                               spec->get_object().at("tolerations").is_array();
  std::vector<std::string> added_tolerations;
  for (const std::string& taint_key : rule_.taint_keys()) {
    if (burst::ToleratesTaintKey(*pod, taint_key)) continue;
    json::object toleration{{"key", taint_key}, {"operator", "Exists"}, {"effect", "NoSchedule"}};
    if (has_tolerations || !added_tolerations.empty()) {
      patch.push_back(json::object{{"op", "add"}, {"path", "/spec/tolerations/-"}, {"value", toleration}});
    } else {
      patch.push_back(json::object{{"op", "add"}, {"path", "/spec/tolerations"}, {"value", json::array{toleration}}});
    }
    added_tolerations.push_back(taint_key);
  }
  const json::value* annotations = meta.if_contains("annotations");
  if (annotations == nullptr || !annotations->is_object()) {
    patch.push_back(json::object{{"op", "add"}, {"path", "/metadata/annotations"}, {"value", json::object()}});
  }
  patch.push_back(json::object{{"op", "add"},
                               {"path", "/metadata/annotations/" + kube::PointerToken(burst::kBurstResourceAnnotation)},
                               {"value", "eci"}});
  patch.push_back(json::object{{"op", "add"},
                               {"path", "/metadata/annotations/" + kube::PointerToken(kRescuedAnnotation)},
                               {"value", stamp}});
  if (!options_.may_act()) return absl::OkStatus();  // Lost the lease while judging.
  absl::StatusOr<json::object> patched = client_.Patch(path, kube::PatchType::kJson, patch);
  if (!patched.ok()) {
    const absl::StatusCode code = patched.status().code();
    if (code == absl::StatusCode::kNotFound) return absl::OkStatus();
    if (code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kAborted) {
      metrics_.CountRescue("conflict");  // Changed meanwhile: re-read and re-judge.
    }
    return patched.status();
  }
  absl::Time seen = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = seen_unschedulable_.find(key);
    if (it != seen_unschedulable_.end()) {
      seen = it->second;
      seen_unschedulable_.erase(it);
    }
  }
  metrics_.ObserveRescueLatency(absl::ToDoubleSeconds(clock_.Now() - seen));
  metrics_.CountRescue("rescued");
  const std::string message = absl::StrCat(
      "regular nodes lack resources (", cached->scheduling_message(), "); handed to ECI: ",
      added_tolerations.empty() ? "" : absl::StrCat("tolerates ", absl::StrJoin(added_tolerations, ", "), ", "),
      "alibabacloud.com/burst-resource=eci");
  LOG(INFO) << "rescue pod=" << key << " outcome=rescued reason=" << cached->scheduling_message();
  (void)events_.Record({"v1", "Pod", ns, name, pod->metadata.uid}, kube::EventType::kNormal,
                       "RescuedToECI", message);
  return absl::OkStatus();
}

}  // namespace spillway::autoscaler
