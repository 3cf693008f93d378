#include "autoscaler/elastic_workload.h"

#include "autoscaler/elastic_plan.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoscaler/other_controller.h"
#include "burst/placement.h"
#include "common/http/client.h"
#include "common/json_fields.h"
#include "common/log_format.h"
#include "common/status_macros.h"
#include "glog/logging.h"
#include "kube/decode.h"
#include "kube/json_patch.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;
using kube::json::ForEachField;
using kube::json::Path;
using kube::json::ReadString;
using kube::json::value;

const kube::ResourcePath kWorkloads{"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "", "", ""};

kube::ResourcePath At(kube::ResourcePath path, const std::string& ns, const std::string& name = "",
                      const std::string& sub = "") {
  path.namespace_ = ns;
  path.name = name;
  path.subresource = sub;
  return path;
}

kube::ResourcePath WorkloadPath(const std::string& kind) {
  return {"apps", "v1", kind == "StatefulSet" ? "statefulsets" : "deployments", "", "", ""};
}

// Lenient below metadata: a spec of the wrong shape (an older CRD let it
// through) still reaches the controller, which reports it (InvalidSpec)
// instead of the informer dropping the object unseen.
absl::Status DecodeWorkloadRef(value v, const Path& path, WorkloadRef* ref) {
  return ForEachField(v, path, [ref](absl::string_view key, value item, const Path& child) {
    if (key == "metadata") return kube::DecodeObjectMeta(item, child, &ref->metadata);
    if (key != "spec") return absl::OkStatus();
    (void)ForEachField(item, child, [ref](absl::string_view key, value item, const Path& child) {
      if (key != "sourceTarget") return absl::OkStatus();
      (void)ForEachField(item, child, [ref](absl::string_view key, value item, const Path& child) {
        if (key == "name") (void)ReadString(item, child, &ref->source_name);
        if (key == "kind") (void)ReadString(item, child, &ref->source_kind);
        return absl::OkStatus();
      });
      return absl::OkStatus();
    });
    return absl::OkStatus();
  });
}

kube::Informer<WorkloadRef>::Options InformerOptions(const kube::ResourcePath& path) {
  kube::Informer<WorkloadRef>::Options options;
  options.reflector.path = path;
  return options;
}

// metadata.<key> as a string; "" when absent or not a string.
std::string MetadataString(const json::object& object, std::string_view key) {
  const json::object* meta = json_fields::ObjectAt(object, {"metadata"});
  return meta != nullptr ? json_fields::String(*meta, key) : std::string();
}

std::string Timestamp(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone()); }

// "app=nginx,tier=web" from a selector's matchLabels (the HPA's status.selector).
std::string SelectorString(const json::value& workload) {
  std::vector<std::string> parts;
  const json::value* spec = json_fields::At(workload, {"spec"});
  const json::value* selector = spec != nullptr && spec->is_object() ? spec->get_object().if_contains("selector") : nullptr;
  const json::value* labels = selector != nullptr && selector->is_object() ? selector->get_object().if_contains("matchLabels") : nullptr;
  if (labels != nullptr && labels->is_object()) {
    for (const auto& entry : labels->get_object()) {
      if (entry.value().is_string()) parts.push_back(absl::StrCat(std::string(entry.key()), "=", std::string(entry.value().get_string())));
    }
  }
  return absl::StrJoin(parts, ",");
}

// The unit's pod template: the source's, with the unit's labels, annotations,
// nodeSelector, tolerations and affinity, and the labels that make the unit's
// selector its own.
json::object UnitTemplate(const json::object& source_template, const ElasticUnitSpec& unit,
                          const std::string& workload) {
  json::object pod = source_template;
  json::value& meta = pod["metadata"];
  if (!meta.is_object()) meta = json::object();
  json::value& labels = meta.get_object()["labels"];
  if (!labels.is_object()) labels = json::object();
  for (const auto& entry : unit.labels) labels.get_object()[entry.key()] = entry.value();
  labels.get_object()[kElasticWorkloadLabel] = workload;
  labels.get_object()[kElasticUnitLabel] = unit.name;
  if (!unit.annotations.empty()) {
    json::value& annotations = meta.get_object()["annotations"];
    if (!annotations.is_object()) annotations = json::object();
    for (const auto& entry : unit.annotations) annotations.get_object()[entry.key()] = entry.value();
  }
  json::value& spec = pod["spec"];
  if (!spec.is_object()) spec = json::object();
  if (!unit.node_selector.empty()) {
    json::value& selector = spec.get_object()["nodeSelector"];
    if (!selector.is_object()) selector = json::object();
    for (const auto& entry : unit.node_selector) selector.get_object()[entry.key()] = entry.value();
  }
  if (!unit.tolerations.empty()) {
    json::value& tolerations = spec.get_object()["tolerations"];
    if (!tolerations.is_array()) tolerations = json::array();
    for (const json::value& t : unit.tolerations) tolerations.get_array().push_back(t);
  }
  if (unit.affinity.has_value()) spec.get_object()["affinity"] = *unit.affinity;
  return pod;
}

// The virtual-node tolerations a unit's pods need: those the rule's taint
// keys call for, when the template asks for ECI and does not tolerate them.
void AddVirtualNodeTolerations(json::object& pod_template, const burst::IntentResolver& resolver,
                               const burst::VirtualNodeRule& rule) {
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(json::serialize(pod_template));
  if (!pod.ok()) return;
  absl::StatusOr<burst::PodPolicy> policy = resolver.Resolve(burst::PodContext{*pod, nullptr});
  if (!policy.ok() || (policy->intent != burst::Intent::kBurst && policy->intent != burst::Intent::kEciOnly)) {
    return;
  }
  json::value& spec = pod_template["spec"];
  if (!spec.is_object()) spec = json::object();
  for (const kube::Toleration& toleration : burst::MissingVirtualNodeTolerations(*pod, rule.taint_keys())) {
    json::value& tolerations = spec.get_object()["tolerations"];
    if (!tolerations.is_array()) tolerations = json::array();
    tolerations.get_array().push_back(kube::TolerationJson(toleration));
  }
}

}  // namespace

ElasticWorkloadController::ElasticWorkloadController(kube::RestClient& client, kube::EventRecorder& events,
                                                     const Clock& clock, AutoscalerMetrics& metrics,
                                                     Options options)
    : client_(client),
      events_(events),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      workloads_(client, InformerOptions(kWorkloads), &DecodeWorkloadRef),
      deployments_(client, InformerOptions(WorkloadPath("Deployment")), &DecodeWorkloadRef),
      statefulsets_(client, InformerOptions(WorkloadPath("StatefulSet")), &DecodeWorkloadRef),
      controller_("elastic_workload", clock, metrics,
                  [this](const std::string& key) { return Reconcile(key); }) {
  kube::Informer<WorkloadRef>::Handler own;
  own.on_add = [this](const WorkloadRef& w) { controller_.Enqueue(kube::ObjectKey(w.metadata)); };
  own.on_update = [this](const WorkloadRef&, const WorkloadRef& w) { controller_.Enqueue(kube::ObjectKey(w.metadata)); };
  own.on_delete = own.on_add;
  workloads_.AddHandler(own);
  // A source or unit changed: its ElasticWorkload reconciles.
  auto related = [this](const std::string& kind) {
    return [this, kind](const WorkloadRef& w) {
      for (const kube::OwnerReference& owner : w.metadata.owner_references) {
        if (owner.kind == "ElasticWorkload") controller_.Enqueue(w.metadata.namespace_ + "/" + owner.name);
      }
      for (const auto& workload : workloads_.List()) {
        if (workload->metadata.namespace_ == w.metadata.namespace_ && workload->source_name == w.metadata.name &&
            workload->source_kind == kind) {
          controller_.Enqueue(kube::ObjectKey(workload->metadata));
        }
      }
    };
  };
  using Watched = std::pair<kube::Informer<WorkloadRef>*, const char*>;
  for (const Watched& watched : {Watched{&deployments_, "Deployment"}, Watched{&statefulsets_, "StatefulSet"}}) {
    kube::Informer<WorkloadRef>* informer = watched.first;
    const std::string kind = watched.second;
    kube::Informer<WorkloadRef>::Handler handler;
    handler.on_add = related(kind);
    handler.on_update = [f = related(kind)](const WorkloadRef&, const WorkloadRef& w) { f(w); };
    handler.on_delete = related(kind);
    informer->AddHandler(std::move(handler));
  }
}

ElasticWorkloadController::~ElasticWorkloadController() { Stop(); }

void ElasticWorkloadController::Start() {
  workloads_.Start();
  deployments_.Start();
  statefulsets_.Start();
  controller_.Start();
}

void ElasticWorkloadController::Stop() {
  workloads_.Stop();
  deployments_.Stop();
  statefulsets_.Stop();
  controller_.Stop();
}

bool ElasticWorkloadController::HasSynced() const {
  return workloads_.HasSynced() && deployments_.HasSynced() && statefulsets_.HasSynced();
}

void ElasticWorkloadController::EnqueueAll() {
  for (const auto& workload : workloads_.List()) controller_.Enqueue(kube::ObjectKey(workload->metadata));
}

absl::Status ElasticWorkloadController::SetReady(const std::string& ns, const std::string& name,
                                                 json::object workload, bool ready, const std::string& reason,
                                                 const std::string& message) {
  json::value& status = workload["status"];
  if (!status.is_object()) status = json::object();
  json::array conditions{json::object{{"type", "Ready"},
                                      {"status", ready ? "True" : "False"},
                                      {"reason", reason},
                                      {"message", message},
                                      {"lastTransitionTime", Timestamp(clock_.Now())}}};
  const json::value* old = status.get_object().if_contains("conditions");
  if (old != nullptr && old->is_array() && !old->get_array().empty() && old->get_array()[0].is_object() &&
      json_fields::String(old->get_array()[0].get_object(), "status") == (ready ? "True" : "False") &&
      json_fields::String(old->get_array()[0].get_object(), "message") == message) {
    return absl::OkStatus();  // Unchanged: no write, no event.
  }
  status.get_object()["conditions"] = std::move(conditions);
  status.get_object()["observedGeneration"] = json_fields::IntAt(workload["metadata"], {"generation"});
  if (!ready) {
    (void)events_.Record({"autoscaling.alibabacloud.com/v1beta1", "ElasticWorkload", ns, name,
                          MetadataString(workload, "uid")},
                         kube::EventType::kWarning, reason, message);
  }
  return client_.Update(At(kWorkloads, ns, name, "status"), workload).status();
}

absl::Status ElasticWorkloadController::Reconcile(const std::string& key) {
  if (!options_.may_act()) return absl::OkStatus();
  const absl::Time start = absl::Now();
  absl::Status status;
  try {
    status = ReconcileOnce(key);
  } catch (const std::exception& e) {
    // A field of an unexpected type that a check missed: an error for this
    // key (retried with backoff, logged), never an exception through the
    // work queue's thread.
    status = absl::InternalError(absl::StrCat("ElasticWorkload ", key, " holds a field of an unexpected type: ", e.what()));
  }
  metrics_.ObserveElasticReconcile(absl::ToDoubleSeconds(absl::Now() - start));
  return status;
}

absl::Status ElasticWorkloadController::ReconcileOnce(const std::string& key) {
  const size_t slash = key.find('/');
  const std::string ns = key.substr(0, slash);
  const std::string name = key.substr(slash + 1);
  absl::StatusOr<json::object> got = client_.Get(At(kWorkloads, ns, name));
  if (got.status().code() == absl::StatusCode::kNotFound) {
    metrics_.ForgetWorkload(ns, name);
    return absl::OkStatus();
  }
  SPILLWAY_RETURN_IF_ERROR(got.status());
  json::object workload = *std::move(got);
  if (!workload["metadata"].is_object()) return absl::InternalError("the API server answered an object without metadata");
  json::object& meta = workload["metadata"].get_object();
  const kube::ObjectReference self{"autoscaling.alibabacloud.com/v1beta1", "ElasticWorkload", ns, name,
                                   MetadataString(workload, "uid")};
  // Two controllers splitting one workload fight over its units: if another
  // writes its status, leave it (no finalizer, no scaling, no status).
  if (std::optional<std::string> other = OtherStatusWriter(workload, http::kUserAgent)) {
    ReportOtherController(self, *other);
    return absl::OkStatus();
  }
  if (meta.contains("deletionTimestamp")) return ReconcileDeletion(ns, name, workload);

  // The finalizer first, so a deletion can always return the source to full size.
  const json::value* finalizers = meta.if_contains("finalizers");
  bool has_finalizer = false;
  if (finalizers != nullptr && finalizers->is_array()) {
    for (const json::value& f : finalizers->get_array()) has_finalizer = has_finalizer || f == kElasticWorkloadFinalizer;
  }
  if (!has_finalizer) {
    json::array list = finalizers != nullptr && finalizers->is_array() ? finalizers->get_array() : json::array();
    list.push_back(json::value(kElasticWorkloadFinalizer));
    json::object patch{
        {"metadata", json::object{{"resourceVersion", MetadataString(workload, "resourceVersion")}, {"finalizers", list}}}};
    return client_.Patch(At(kWorkloads, ns, name), kube::PatchType::kMerge, patch).status();  // Re-queued by the watch.
  }

  absl::StatusOr<ElasticWorkloadSpec> spec = ParseElasticWorkloadSpec(workload["spec"]);
  if (!spec.ok()) return SetReady(ns, name, workload, false, "InvalidSpec", std::string(spec.status().message()));
  const kube::ResourcePath source_path = At(WorkloadPath(spec->source_kind), ns, spec->source_name);
  absl::StatusOr<json::object> source = client_.Get(source_path);
  if (source.status().code() == absl::StatusCode::kNotFound) {
    return SetReady(ns, name, workload, false, "SourceNotFound",
                    absl::StrCat(spec->source_kind, " ", ns, "/", spec->source_name, " does not exist"));
  }
  SPILLWAY_RETURN_IF_ERROR(source.status());
  const ReplicaSplit split = SplitReplicas(*spec);
  int64_t unit_total = 0;
  for (int64_t n : split.units) unit_total += n;
  metrics_.SetWorkloadReplicas(ns, name, split.source, unit_total);
  const json::value source_value = *source;
  const int64_t source_available = AvailableReplicas(*spec, source_value);
  SPILLWAY_RETURN_IF_ERROR(ScaleSource(self, *spec, source_value, split.source, ""));

  json::array units_status;
  absl::StatusOr<ElasticPlan> plan =
      ApplyUnits(self, *spec, split, source_value, source_available, workload.if_contains("status"), &units_status);
  SPILLWAY_RETURN_IF_ERROR(plan.status());
  return WriteStatus(self, workload, *spec, split, *plan, source_value, std::move(units_status));
}

// Reads the units, plans them (PlanElasticWorkload) and applies the plan:
// creates, updates, deletes units no longer in the spec, records Events.
// Appends each unit's status entry to `*units_status`.
absl::StatusOr<ElasticPlan> ElasticWorkloadController::ApplyUnits(
    const kube::ObjectReference& self, const ElasticWorkloadSpec& spec, const ReplicaSplit& split,
    const json::value& source_value, int64_t source_available, const json::value* old_status,
    json::array* units_status) {
  // Units: read what runs, decide (UnitTargets: make-before-break), write.
  const json::object* source_spec_at =
      source_value.is_object() ? json_fields::ObjectAt(source_value.get_object(), {"spec"}) : nullptr;
  if (source_spec_at == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("source ", spec.source_kind, " ", spec.source_name,
                                                      " has no spec object"));
  }
  const json::object& source_spec = *source_spec_at;
  const json::object* template_at = json_fields::ObjectAt(source_spec, {"template"});
  const json::object source_template = template_at != nullptr ? *template_at : json::object();
  auto old_unit_time = [&](const std::string& unit_name, int64_t desired) -> std::string {
    const json::value* list = old_status != nullptr && old_status->is_object() ? old_status->get_object().if_contains("elasticUnitsStatus") : nullptr;
    if (list == nullptr || !list->is_array()) return "";
    for (const json::value& u : list->get_array()) {
      if (u.is_object() && json_fields::String(u.get_object(), "name") == unit_name &&
          json_fields::IntAt(u, {"desiredReplicas"}) == desired) {
        return json_fields::String(u.get_object(), "updateTimestamp");  // "" when absent or not a string.
      }
    }
    return "";
  };
  // Read the units, plan (PlanElasticWorkload), apply.
  std::vector<absl::StatusOr<json::object>> existing_units;
  std::vector<json::object> templates;
  std::vector<UnitObserved> observed;
  for (const ElasticUnitSpec& unit : spec.units) {
    json::object pod_template = UnitTemplate(source_template, unit, self.name);
    if (options_.resolver != nullptr && options_.rule != nullptr) {
      AddVirtualNodeTolerations(pod_template, *options_.resolver, *options_.rule);
    }
    existing_units.push_back(
        client_.Get(At(WorkloadPath(spec.source_kind), self.namespace_, UnitWorkloadName(spec.source_name, unit.name))));
    const absl::StatusOr<json::object>& existing = existing_units.back();
    if (!existing.ok() && existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
    UnitObserved seen;
    if (existing.ok()) {
      seen.exists = true;
      seen.replicas = json_fields::IntAt(json::value(*existing), {"spec", "replicas"});
      const json::value* current_template = json_fields::At(*existing, {"spec", "template"});
      seen.template_matches = current_template != nullptr && *current_template == json::value(pod_template);
    }
    observed.push_back(seen);
    templates.push_back(std::move(pod_template));
  }
  const ElasticPlan plan = PlanElasticWorkload(spec, split, observed, source_available);
  std::vector<std::string> wanted_units;
  for (size_t i = 0; i < plan.units.size(); ++i) {
    const UnitChange& change = plan.units[i];
    wanted_units.push_back(change.workload);
    const kube::ResourcePath unit_path = At(WorkloadPath(spec.source_kind), self.namespace_, change.workload);
    if (change.kind == UnitChange::Kind::kCreate) {
      UnitWorkload unit{spec.source_api_version, spec.source_kind, self.namespace_, change.workload, self.name, self.uid,
                        change.unit, change.to, source_spec, templates[i]};
      SPILLWAY_RETURN_IF_ERROR(client_.Create(At(unit_path, self.namespace_), BuildUnitObject(unit)).status());
    } else if (change.kind == UnitChange::Kind::kUpdate) {
      json::value& unit_spec_value = (*existing_units[i])["spec"];
      if (!unit_spec_value.is_object()) unit_spec_value = json::object();  // A unit someone emptied: rewrite it.
      json::object& unit_spec = unit_spec_value.get_object();
      unit_spec["replicas"] = change.to;
      unit_spec["template"] = templates[i];
      SPILLWAY_RETURN_IF_ERROR(client_.Update(unit_path, *existing_units[i]).status());  // Carries its version.
    }
    if (change.kind != UnitChange::Kind::kNone && change.from != change.to) {
      metrics_.CountElasticScale("unit", change.to > change.from ? "up" : "down");
      LOG(INFO) << "elastic_workload ew=" << self.namespace_ << "/" << self.name << " unit=" << change.workload
                << " action=scale from=" << change.from << " to=" << change.to;
    }
    if (!change.event_reason.empty()) {
      (void)events_.Record(self, kube::EventType::kNormal, change.event_reason, change.event_message);
    }
    std::string stamp = old_unit_time(change.workload, split.units[i]);
    if (stamp.empty()) stamp = Timestamp(clock_.Now());
    units_status->push_back(
        json::object{{"name", change.workload}, {"desiredReplicas", split.units[i]}, {"updateTimestamp", stamp}});
  }
  // Units no longer in the spec go.
  for (const auto& candidate : (spec.source_kind == "StatefulSet" ? statefulsets_ : deployments_).List()) {
    const kube::ObjectMeta& m = candidate->metadata;
    if (m.namespace_ != self.namespace_ || !m.labels.Has(kElasticWorkloadLabel, self.name)) continue;
    if (std::find(wanted_units.begin(), wanted_units.end(), m.name) != wanted_units.end()) continue;
    absl::Status deleted = client_.Delete(At(WorkloadPath(spec.source_kind), self.namespace_, m.name));
    if (!deleted.ok() && deleted.code() != absl::StatusCode::kNotFound) return deleted;
    (void)events_.Record(self, kube::EventType::kNormal, "UnitDeletion",
                         absl::StrCat("ElasticWorkloadUnit ", m.name, " deleted: no longer in the spec"));
  }

  return plan;
}

// Writes the status (what runs, the split, the Ready condition) when it
// changed, with an ElasticWorkloadUpdate Event.
absl::Status ElasticWorkloadController::WriteStatus(const kube::ObjectReference& self, json::object& workload,
                                                    const ElasticWorkloadSpec& spec, const ReplicaSplit& split,
                                                    const ElasticPlan& plan, const json::value& source_value,
                                                    json::array units_status) {
  const json::value* old_status = workload.if_contains("status");
  // Status, written only when it changed.
  std::string source_stamp;
  if (old_status != nullptr && old_status->is_object() && json_fields::IntAt(*old_status, {"sourceTarget", "desiredReplicas"}) == split.source) {
    const json::value* st = old_status->get_object().if_contains("sourceTarget");
    if (st != nullptr && st->is_object()) source_stamp = json_fields::String(st->get_object(), "updateTimestamp");
  }
  if (source_stamp.empty()) source_stamp = Timestamp(clock_.Now());
  const std::string& message = plan.summary;
  // What runs, not what was asked: a min floor may keep more than
  // spec.replicas, and an HPA computes from status.replicas.
  json::object status{{"replicas", plan.running},
                      {"selector", SelectorString(source_value)},
                      {"observedGeneration", json_fields::IntAt(workload["metadata"], {"generation"})},
                      {"sourceTarget", json::object{{"name", spec.source_name},
                                                    {"kind", spec.source_kind},
                                                    {"apiVersion", spec.source_api_version},
                                                    {"desiredReplicas", split.source},
                                                    {"updateTimestamp", source_stamp}}},
                      {"elasticUnitsStatus", units_status},
                      {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}, {"reason", "Split"},
                                                              {"message", message}}}}};
  if (old_status != nullptr && old_status->is_object()) {
    // Keep the condition's transition time when it did not change.
    json::object old_copy = old_status->get_object();
    json::object new_copy = status;
    if (json::value* conditions = old_copy.if_contains("conditions");
        conditions != nullptr && conditions->is_array() && !conditions->get_array().empty() &&
        conditions->get_array()[0].is_object()) {
      conditions->get_array()[0].get_object().erase("lastTransitionTime");
    }
    if (old_copy == new_copy) return absl::OkStatus();
  }
  status["conditions"].as_array()[0].as_object()["lastTransitionTime"] = Timestamp(clock_.Now());
  workload["status"] = status;
  SPILLWAY_RETURN_IF_ERROR(client_.Update(At(kWorkloads, self.namespace_, self.name, "status"), workload).status());
  (void)events_.Record(self, kube::EventType::kNormal, "ElasticWorkloadUpdate",
                       absl::StrCat("ElasticWorkload update: ", message));
  return absl::OkStatus();
}

void ElasticWorkloadController::ReportOtherController(const kube::ObjectReference& self, const std::string& manager) {
  const std::string message = absl::StrCat(
      "this ElasticWorkload's status is also written by \"", manager,
      "\"; Spillway leaves it alone so two controllers do not split one workload. Keep one: "
      "autoscaler.elasticWorkload.enabled: false in Spillway's config, or remove the other controller "
      "(ACK's ack-kubernetes-elastic-workload serves the same CRD)");
  (void)events_.Record(self, kube::EventType::kWarning, "OtherController", message);
  absl::MutexLock lock(&reported_mu_);
  if (reported_other_.insert(absl::StrCat(self.namespace_, "/", self.name)).second) {
    LOG(WARNING) << "elastic_workload ew=" << self.namespace_ << "/" << self.name << " other_controller=" << manager
                 << " action=skip";
  }
}

int64_t ElasticWorkloadController::AvailableReplicas(const ElasticWorkloadSpec& spec,
                                                     const json::value& source) {
  return spec.source_kind == "StatefulSet" ? json_fields::IntAt(source, {"status", "readyReplicas"})
                                           : json_fields::IntAt(source, {"status", "availableReplicas"});
}

absl::Status ElasticWorkloadController::ScaleSource(const kube::ObjectReference& self,
                                                    const ElasticWorkloadSpec& spec, const json::value& source,
                                                    int64_t replicas, absl::string_view why) {
  const int64_t current = json_fields::IntAt(source, {"spec", "replicas"});
  if (current == replicas) return absl::OkStatus();
  // Through the scale subresource, as an HPA: GET, then PUT with its version.
  const kube::ResourcePath scale_path = At(WorkloadPath(spec.source_kind), self.namespace_, spec.source_name, "scale");
  absl::StatusOr<json::object> scale = client_.Get(scale_path);
  SPILLWAY_RETURN_IF_ERROR(scale.status());
  json::value& scale_spec = (*scale)["spec"];
  if (!scale_spec.is_object()) scale_spec = json::object();
  scale_spec.get_object()["replicas"] = replicas;
  SPILLWAY_RETURN_IF_ERROR(client_.Update(scale_path, *scale).status());
  metrics_.CountElasticScale("source", replicas > current ? "up" : "down");
  LOG(INFO) << "elastic_workload ew=" << self.namespace_ << "/" << self.name << " source=" << spec.source_kind << "/"
            << spec.source_name << " action=scale from=" << current << " to=" << replicas
            << (why.empty() ? std::string() : " why=" + LogValue(absl::StripLeadingAsciiWhitespace(why)));
  (void)events_.Record(self, kube::EventType::kNormal, "SourceUpdate",
                       absl::StrCat("Source Target scale from ", current, " to ", replicas, why));
  return absl::OkStatus();
}

absl::Status ElasticWorkloadController::ReconcileDeletion(const std::string& ns, const std::string& name,
                                                          json::object& workload) {
  const json::object* meta = json_fields::ObjectAt(workload, {"metadata"});
  if (meta == nullptr) return absl::InternalError("the API server answered an object without metadata");
  absl::StatusOr<ElasticWorkloadSpec> spec = ParseElasticWorkloadSpec(workload["spec"]);
  if (spec.ok()) {
    // The source takes the whole desired count back before the units go.
    const kube::ResourcePath source_path = At(WorkloadPath(spec->source_kind), ns, spec->source_name);
    absl::StatusOr<json::object> source = client_.Get(source_path);
    if (source.ok()) {
      const json::value source_value = *source;
      const kube::ObjectReference self{"autoscaling.alibabacloud.com/v1beta1", "ElasticWorkload", ns, name,
                                       MetadataString(workload, "uid")};
      SPILLWAY_RETURN_IF_ERROR(ScaleSource(self, *spec, source_value, spec->replicas,
                                           " (the ElasticWorkload is being deleted)"));
      if (AvailableReplicas(*spec, source_value) < spec->replicas) {
        controller_.EnqueueAfter(ns + "/" + name, absl::Seconds(2));  // Source status changes also re-queue.
        return absl::OkStatus();
      }
    } else if (source.status().code() != absl::StatusCode::kNotFound) {
      return source.status();
    }
    for (const auto& unit : spec->units) {
      absl::Status deleted = client_.Delete(At(WorkloadPath(spec->source_kind), ns, UnitWorkloadName(spec->source_name, unit.name)));
      if (!deleted.ok() && deleted.code() != absl::StatusCode::kNotFound) return deleted;
    }
  }
  json::array kept;
  if (const json::value* finalizers = meta->if_contains("finalizers"); finalizers != nullptr && finalizers->is_array()) {
    for (const json::value& f : finalizers->get_array()) {
      if (f != kElasticWorkloadFinalizer) kept.push_back(f);
    }
  }
  json::object patch{
      {"metadata", json::object{{"resourceVersion", MetadataString(workload, "resourceVersion")}, {"finalizers", kept}}}};
  absl::StatusOr<json::object> patched = client_.Patch(At(kWorkloads, ns, name), kube::PatchType::kMerge, patch);
  if (patched.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return patched.status();
}

}  // namespace spillway::autoscaler
