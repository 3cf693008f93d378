#include "autoscaler/rescuer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "burst/architecture.h"
#include "burst/placement.h"
#include "common/json_fields.h"
#include "common/log_format.h"
#include "glog/logging.h"
#include "kube/decode.h"
#include "kube/json_patch.h"
#include "kube/json_string_map.h"

namespace spillway::autoscaler {
namespace json = boost::json;

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
  VLOG(1) << "rescue pod=" << key << " outcome=" << outcome << " reason=" << LogValue(why);
  absl::MutexLock lock(&mu_);
  seen_unschedulable_.erase(key);
  return absl::OkStatus();
}

bool Rescuer::InScope(const std::string& ns, const kube::StringMap& pod_labels) const {
  std::vector<std::string> excluded(options_.config.excluded_namespaces().begin(),
                                    options_.config.excluded_namespaces().end());
  if (excluded.empty()) excluded = {"kube-system", options_.own_namespace};
  if (std::find(excluded.begin(), excluded.end(), ns) != excluded.end()) return false;
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(ns);
  auto says = [&](absl::string_view value) {
    return pod_labels.Has(kRescueLabel, value) ||
           (space != nullptr && space->metadata.labels.Has(kRescueLabel, value));
  };
  if (options_.config.scope() == "opt-in") return says("enabled") && !pod_labels.Has(kRescueLabel, "disabled");
  return !says("disabled");
}

std::optional<RescueVerdict> Rescuer::Screen(bool rescued_before, const std::string& message,
                                             bool in_scope) const {
  if (rescued_before) return RescueVerdict{"already_rescued", "rescued before; never twice"};
  if (!IsResourceShortage(message) && !MentionsUntoleratedTaint(message, rule_.taint_keys())) {
    return RescueVerdict{"not_virtual_resolvable", message};
  }
  if (!in_scope) return RescueVerdict{"out_of_scope", "namespace or label outside the rescue scope"};
  return std::nullopt;
}

std::optional<absl::Time> Rescuer::GraceEnds(const std::string& unschedulable_since) const {
  if (options_.config.grace_seconds() <= 0 || unschedulable_since.empty()) return std::nullopt;
  absl::Time since;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, unschedulable_since, &since, &error)) return std::nullopt;
  const absl::Time due = since + absl::Seconds(options_.config.grace_seconds());
  if (clock_.Now() >= due) return std::nullopt;
  return due;
}

RescueVerdict Rescuer::Explain(const kube::Pod& pod) const {
  if (!pod.node_name.empty() || !pod.unschedulable) {
    return {"not_unschedulable",
            pod.node_name.empty()
                ? "kube-scheduler has not marked the pod PodScheduled=False/Unschedulable; the rescue acts only then"
                : "the pod is bound to node " + pod.node_name};
  }
  {
    absl::MutexLock lock(&mu_);
    if (other_rescuer_.has_value()) {
      return {"other_controller", absl::StrCat("another rescuer runs (Deployment ", *other_rescuer_,
                                               "); Spillway's stands down until one is turned off")};
    }
  }
  const bool rescued = pod.metadata.annotations.Find(kRescuedAnnotation).has_value();
  if (std::optional<RescueVerdict> skip =
          Screen(rescued, pod.scheduling_message, InScope(pod.metadata.namespace_, pod.metadata.labels))) {
    return *skip;
  }
  // A pod the rescue would never take says so at once; one it would take
  // waits out the grace period first.
  const RescuePlan plan = PlanRescue(Read(pod, pod.scheduling_message));
  if (std::optional<absl::Time> due = GraceEnds(pod.unschedulable_since); due.has_value() && plan.writes()) {
    return {"waiting", absl::StrCat("within the grace period (rescue.graceSeconds) until ",
                                    absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *due, absl::UTCTimeZone()), "; then ",
                                    plan.outcome)};
  }
  return {plan.outcome, plan.why};
}

std::optional<std::string> Rescuer::OtherRescuer() {
  {
    absl::MutexLock lock(&mu_);
    if (clock_.Now() - other_looked_ < absl::Minutes(5)) return other_rescuer_;
    other_looked_ = clock_.Now();
  }
  // Names only: the list is paged and its items are not kept.
  std::optional<std::string> found;
  kube::ObjectReference where;
  kube::ListOptions list;
  list.limit = 500;
  for (int page = 0; page < 100 && !found.has_value(); ++page) {
    absl::StatusOr<json::object> deployments = client_.List({"apps", "v1", "deployments", "", "", ""}, list);
    if (!deployments.ok()) {
      LOG(WARNING) << "rescue: could not list Deployments to look for another rescuer: " << deployments.status();
      break;
    }
    const json::value* items = json_fields::At(*deployments, {"items"});
    if (items == nullptr || !items->is_array()) break;
    for (const json::value& item : items->get_array()) {
      const json::object* meta = item.is_object() ? json_fields::ObjectAt(item.get_object(), {"metadata"}) : nullptr;
      const std::string name = meta != nullptr ? json_fields::String(*meta, "name") : "";
      if (absl::StrContains(name, "virtual-kubelet-autoscaler")) {
        where = {"apps/v1", "Deployment", json_fields::String(*meta, "namespace"), name,
                 json_fields::String(*meta, "uid")};
        found = absl::StrCat(where.namespace_, "/", name);
        break;
      }
    }
    const json::object* meta = json_fields::ObjectAt(*deployments, {"metadata"});
    list.continue_token = meta != nullptr ? json_fields::String(*meta, "continue") : "";
    if (list.continue_token.empty()) break;
  }
  absl::MutexLock lock(&mu_);
  other_rescuer_ = found;
  if (found.has_value() && !other_reported_) {
    other_reported_ = true;
    const std::string message = absl::StrCat(
        "Spillway's Unschedulable rescue does the same job as this add-on (ack-virtual-kubelet-autoscaler): two "
        "rescuers would patch the same pods, so Spillway's stands down. Keep one: uninstall the add-on, or set "
        "autoscaler.rescue.enabled: false in Spillway's config");
    LOG(WARNING) << "rescue other_controller=" << *found << ": " << message;
    (void)events_.Record(where, kube::EventType::kWarning, "OtherController", message);
  }
  if (!found.has_value()) other_reported_ = false;
  return found;
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
  if (std::optional<std::string> other = OtherRescuer()) {
    return Skip(key, "other_controller",
                absl::StrCat("another rescuer runs (Deployment ", *other,
                             "): turn one off, it or autoscaler.rescue.enabled"));
  }
  // What the cache decides, before reading the live pod.
  const std::string message(cached->scheduling_message());
  if (std::optional<RescueVerdict> skip =
          Screen(cached->annotations().Find(kRescuedAnnotation).has_value(), message,
                 InScope(std::string(cached->namespace_()), cached->labels()))) {
    return Skip(key, skip->outcome, skip->why);
  }
  if (std::optional<absl::Time> due = GraceEnds(std::string(cached->unschedulable_since()))) {
    controller_.EnqueueAfter(key, *due - clock_.Now());
    return absl::OkStatus();
  }
  // Judging ECI needs the whole pod, and the write its current resourceVersion.
  const kube::ResourcePath path{"", "v1", "pods", std::string(cached->namespace_()), std::string(cached->name()), ""};
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
  const RescuePlan plan = PlanRescue(Read(*pod, message));
  return Apply(key, *pod, live.get_object(), plan);
}

RescueInput Rescuer::Read(const kube::Pod& pod, const std::string& message) const {
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(pod.metadata.namespace_);
  RescueInput input{pod, resolver_.Resolve(burst::PodContext{pod, space.get()}), message, rule_.taint_keys(),
                    false, false, absl::OkStatus()};
  for (const auto& node : informers_.nodes().List()) {
    if (!rule_.IsVirtual(*node)) continue;
    input.any_virtual_node = true;
    input.some_virtual_node_admits = input.some_virtual_node_admits ||
                                     (burst::PodAdmitsNode(pod, *node) && !burst::ArchitectureMismatch(pod, *node));
  }
  if (options_.quota != nullptr) input.quota = options_.quota->Admit(pod.metadata.namespace_, pod.EffectiveRequests());
  return input;
}

void Rescuer::AddProfileEffect(const kube::Pod& pod, const json::object& meta, bool* has_annotations,
                               json::array& patch) const {
  if (options_.eci_profile == nullptr) return;
  const json::object* annotations = json_fields::ObjectAt(meta, {"annotations"});
  const json::object* labels = json_fields::ObjectAt(meta, {"labels"});
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(pod.metadata.namespace_);
  const burst::ProfileEffect effect = burst::EffectFor(
      *options_.eci_profile->Get(), labels != nullptr ? kube::StringMapOf(*labels) : kube::StringMap(),
      annotations != nullptr ? kube::StringMapOf(*annotations) : kube::StringMap(),
      space != nullptr ? &space->metadata.labels : nullptr, /*headed_to_eci=*/true);
  for (const auto& [key, value] : effect.annotations) {
    if (key != burst::kBurstResourceAnnotation && key != kRescuedAnnotation) {
      kube::AddMapEntry(patch, "/metadata/annotations", has_annotations, key, value);
    }
  }
  bool has_labels = labels != nullptr;
  for (const auto& [key, value] : effect.labels) kube::AddMapEntry(patch, "/metadata/labels", &has_labels, key, value);
}

absl::Status Rescuer::Apply(const std::string& key, const kube::Pod& pod, const json::object& live,
                            const RescuePlan& plan) {
  const kube::ObjectReference reference{"v1", "Pod", pod.metadata.namespace_, pod.metadata.name, pod.metadata.uid};
  if (!plan.writes()) {
    if (plan.event.has_value()) {
      (void)events_.Record(reference, plan.event->warning ? kube::EventType::kWarning : kube::EventType::kNormal,
                           plan.event->reason, plan.event->message);
    }
    return Skip(key, plan.outcome, plan.why);
  }
  // Guarded by resourceVersion; tolerations and annotations are appended to,
  // never replaced.
  const json::object& meta = live.at("metadata").as_object();
  json::array patch{json::object{{"op", "test"}, {"path", "/metadata/resourceVersion"},
                                 {"value", meta.at("resourceVersion")}}};
  const json::value* spec = live.if_contains("spec");
  bool has_tolerations = spec != nullptr && spec->is_object() &&
                         spec->get_object().if_contains("tolerations") != nullptr &&
                         spec->get_object().at("tolerations").is_array();
  for (const kube::Toleration& toleration : plan.add_tolerations) {
    kube::AddListItem(patch, "/spec/tolerations", &has_tolerations, kube::TolerationJson(toleration));
  }
  const json::value* annotations = meta.if_contains("annotations");
  bool has_annotations = annotations != nullptr && annotations->is_object();
  if (plan.add_burst_annotation) {
    kube::AddMapEntry(patch, "/metadata/annotations", &has_annotations, burst::kBurstResourceAnnotation, "eci");
  }
  kube::AddMapEntry(patch, "/metadata/annotations", &has_annotations, kRescuedAnnotation,
                    absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone()));
  AddProfileEffect(pod, meta, &has_annotations, patch);
  if (!options_.may_act()) return absl::OkStatus();  // Lost the lease while judging.
  const kube::ResourcePath path{"", "v1", "pods", pod.metadata.namespace_, pod.metadata.name, ""};
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
  metrics_.CountRescue(plan.outcome);
  LOG(INFO) << "rescue pod=" << key << " outcome=" << plan.outcome << " reason=" << LogValue(plan.why);
  if (plan.event.has_value()) {
    (void)events_.Record(reference, plan.event->warning ? kube::EventType::kWarning : kube::EventType::kNormal,
                         plan.event->reason, plan.event->message);
  }
  return absl::OkStatus();
}

}  // namespace spillway::autoscaler
