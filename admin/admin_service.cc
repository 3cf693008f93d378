#include "admin/admin_service.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "admin/explanation.h"
#include "burst/placement.h"
#include "common/json_fields.h"
#include "common/version.h"
#include "kube/decode.h"
#include "kube/names.h"

namespace spillway::admin {
namespace {

namespace json = boost::json;
using json_fields::String;

constexpr char kNoCluster[] =
    "no cluster access: this spillway serve runs standalone (give it --kubeconfig, or run it in a pod with a "
    "ServiceAccount)";
// Events shown per pod, the most recent.
constexpr size_t kMaxEvents = 20;

std::string EventTime(const json::object& event) {
  for (const char* key : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
    std::string value = String(event, key);
    if (!value.empty()) return value;
  }
  const json::object* meta = json_fields::ObjectAt(event, {"metadata"});
  return meta != nullptr ? String(*meta, "creationTimestamp") : "";
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

grpc::Status AdminService::Explain(grpc::ServerContext*, const v1::ExplainRequest* request,
                                   v1::ExplainResponse* response) {
  absl::StatusOr<v1::ExplainResponse> explained = ExplainPod(request->namespace_(), request->pod());
  if (!explained.ok()) return ToGrpc(explained.status());
  *response = *std::move(explained);
  return grpc::Status::OK;
}

grpc::Status AdminService::Status(grpc::ServerContext*, const v1::StatusRequest*, v1::StatusResponse* response) {
  *response = CurrentStatus();
  return grpc::Status::OK;
}

absl::StatusOr<v1::ExplainResponse> AdminService::ExplainPod(const std::string& ns, const std::string& name) const {
  if (ns.empty() || name.empty()) {
    return absl::InvalidArgumentError("name the pod as NAMESPACE/NAME (both are required)");
  }
  // Kubernetes names are at most 253 characters (namespaces 63): refuse
  // longer ones without echoing them (a 4 MB name came back in the error).
  if (ns.size() > 63 || name.size() > 253) {
    return absl::InvalidArgumentError(absl::StrCat("no pod has such a name: namespaces have at most 63 characters "
                                                   "and pod names at most 253 (got ",
                                                   ns.size(), " and ", name.size(), ")"));
  }
  if (!kube::IsDns1123Label(ns)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", ns, "\" is not a namespace name: ", kube::kDns1123LabelMessage));
  }
  if (!kube::IsDns1123Subdomain(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not a pod name: ", kube::kDns1123SubdomainMessage));
  }
  if (sources_.client == nullptr) return absl::FailedPreconditionError(kNoCluster);
  const kube::ResourcePath path{"", "v1", "pods", ns, name, ""};
  absl::StatusOr<std::string> text = sources_.client->CallRaw("GET", path.Url(), "");
  if (text.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("pod ", ns, "/", name, " not found"));
  }
  if (!text.ok()) {
    return absl::UnavailableError(absl::StrCat("reading pod ", ns, "/", name, ": ", text.status().message()));
  }
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(*std::move(text));
  if (!pod.ok()) return absl::InternalError(absl::StrCat("decoding pod ", ns, "/", name, ": ", pod.status().message()));

  v1::ExplainResponse out;
  out.set_namespace_(ns);
  out.set_pod(name);
  out.set_node(pod->node_name);
  out.set_phase(pod->phase);
  out.set_scheduling_message(pod->scheduling_message);
  if (!pod->node_name.empty() && sources_.informers != nullptr) {
    std::shared_ptr<const kube::Node> node = sources_.informers->nodes().Get(pod->node_name);
    out.set_node_is_virtual(node != nullptr ? sources_.rule.IsVirtual(*node)
                                            : sources_.rule.IsVirtualName(pod->node_name));
  }
  AddIntent(*pod, out);
  AddNodes(*pod, out);
  AddEvents(*pod, out);
  for (const Contributor* contributor : sources_.contributors()) contributor->ExplainPod(*pod, out);
  out.set_summary(Summarize(out));
  return out;
}

void AdminService::AddIntent(const kube::Pod& pod, v1::ExplainResponse& out) const {
  std::shared_ptr<const kube::Namespace> space;
  if (sources_.informers != nullptr) {
    if (!sources_.informers->namespaces().HasSynced()) {
      out.add_gaps("the namespace cache is not synced yet: namespace labels are not read");
    }
    space = sources_.informers->namespaces().Get(pod.metadata.namespace_);
  }
  absl::StatusOr<burst::PodPolicy> policy = sources_.resolver.Resolve(burst::PodContext{pod, space.get()});
  v1::Intent& intent = *out.mutable_intent();
  if (!policy.ok()) {
    intent.set_error(std::string(policy.status().message()));
    return;
  }
  intent.set_intent(std::string(burst::IntentName(policy->intent)));
  intent.set_source(policy->reason);
  if (!policy->eci_runnable.ok()) intent.set_eci_blocker(std::string(policy->eci_runnable.message()));
}

void AdminService::AddNodes(const kube::Pod& pod, v1::ExplainResponse& out) const {
  kube::ClusterInformers* informers = sources_.informers;
  if (informers == nullptr) return;
  // What the pods already bound to each node request.
  absl::flat_hash_map<std::string, burst::NodeLoad> load;
  const bool resources = informers->watches_pods();
  if (resources) {
    load = burst::NodeLoads(informers->pods().List(), pod.Key());
  } else {
    out.add_gaps("resources are not judged: this process keeps no pod cache (run the autoscaler component with it)");
  }
  std::vector<std::shared_ptr<const kube::Node>> nodes = informers->nodes().List();
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a->metadata.name < b->metadata.name; });
  for (const auto& node : nodes) {
    v1::NodeDecision& decision = *out.add_nodes();
    decision.set_node(node->metadata.name);
    decision.set_virtual_(sources_.rule.IsVirtual(*node));
    for (std::string& hint : burst::SchedulerHints(pod, *node)) decision.add_scheduler_hints(std::move(hint));
    if (!resources) continue;
    const burst::NodeLoad& l = load[node->metadata.name];
    for (std::string& hint : burst::ResourceHints(pod, *node, l.used, l.pods)) decision.add_scheduler_hints(std::move(hint));
  }
}

void AdminService::AddEvents(const kube::Pod& pod, v1::ExplainResponse& out) const {
  kube::ListOptions options;
  options.field_selector = absl::StrCat("involvedObject.name=", pod.metadata.name);
  absl::StatusOr<json::object> list =
      sources_.client->List(kube::ResourcePath{"", "v1", "events", pod.metadata.namespace_, "", ""}, options);
  if (!list.ok()) {
    out.add_gaps(absl::StrCat("the pod's Events could not be read: ", list.status().message()));
    return;
  }
  std::vector<const json::object*> events;
  if (const json::value* items = list->if_contains("items"); items != nullptr && items->is_array()) {
    for (const json::value& item : items->get_array()) {
      if (!item.is_object()) continue;
      const json::object* involved = json_fields::ObjectAt(item.get_object(), {"involvedObject"});
      // A field selector the server ignores, or an older pod of the same name.
      if (involved == nullptr || String(*involved, "kind") != "Pod" ||
          String(*involved, "name") != pod.metadata.name ||
          (!pod.metadata.uid.empty() && !String(*involved, "uid").empty() &&
           String(*involved, "uid") != pod.metadata.uid)) {
        continue;
      }
      events.push_back(&item.get_object());
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const json::object* a, const json::object* b) { return EventTime(*a) < EventTime(*b); });
  if (events.size() > kMaxEvents) events.erase(events.begin(), events.end() - kMaxEvents);
  for (const json::object* event : events) {
    v1::PodEvent& e = *out.add_events();
    e.set_type(String(*event, "type"));
    e.set_reason(String(*event, "reason"));
    e.set_message(String(*event, "message"));
    const json::object* source = json_fields::ObjectAt(*event, {"source"});
    e.set_source(source != nullptr ? String(*source, "component") : "");
    if (e.source().empty()) e.set_source(String(*event, "reportingComponent"));
    e.set_count(static_cast<int32_t>(std::max<int64_t>(1, json_fields::Int(*event, "count"))));
    e.set_last_seen(EventTime(*event));
  }
}

v1::StatusResponse AdminService::CurrentStatus() const {
  v1::StatusResponse out;
  out.set_version(std::string(kVersion));
  for (v1::ComponentStatus& component : sources_.components()) *out.add_components() = std::move(component);
  if (sources_.client == nullptr) out.add_gaps(kNoCluster);
  AddCaches(out);
  AddQuotaAndStock(out);
  AddProfile(out);
  for (const Contributor* contributor : sources_.contributors()) contributor->AddStatus(out);
  AddLeaseHolder(out);
  AddElasticWorkloads(out);
  return out;
}

void AdminService::AddCaches(v1::StatusResponse& out) const {
  kube::ClusterInformers* informers = sources_.informers;
  if (informers == nullptr) return;
  auto add = [&out](const std::string& name, bool synced, size_t size) {
    v1::CacheStatus& cache = *out.add_caches();
    cache.set_name(name);
    cache.set_synced(synced);
    cache.set_size(static_cast<int64_t>(size));
  };
  add("nodes", informers->nodes().HasSynced(), informers->nodes().size());
  add("namespaces", informers->namespaces().HasSynced(), informers->namespaces().size());
  if (informers->watches_pods()) add("pods", informers->pods().HasSynced(), informers->pods().size());
  if (informers->watches_warning_events()) {
    add("warning-events", informers->warning_events().HasSynced(), informers->warning_events().size());
  }
  if (informers->services() != nullptr) {
    add("services", informers->services()->HasSynced(), informers->services()->size());
  }
  if (informers->eci_profile() != nullptr) {
    add("eci-profile", informers->eci_profile()->HasSynced(), informers->eci_profile()->size());
  }
}

void AdminService::AddQuotaAndStock(v1::StatusResponse& out) const {
  v1::QuotaStatus& quota = *out.mutable_eci_quota();
  if (sources_.quota != nullptr) {
    quota.set_enforced(true);
    const burst::EciUsage used = sources_.quota->ClusterUsage();
    const burst::EciCaps caps = sources_.quota->ClusterCaps();
    quota.set_cpu_milli_used(used.cpu_milli);
    quota.set_memory_bytes_used(used.memory_bytes);
    quota.set_pods_used(used.pods);
    quota.set_cpu_milli_cap(caps.cpu_milli.value_or(0));
    quota.set_memory_bytes_cap(caps.memory_bytes.value_or(0));
    quota.set_pods_cap(caps.pods.value_or(0));
  }
  if (sources_.stock == nullptr) return;
  for (const burst::StockCoolDowns::Active& active : sources_.stock->ActiveCoolDowns()) {
    v1::CoolDown& cool_down = *out.add_cool_downs();
    cool_down.set_node(active.node);
    cool_down.set_reason(active.reason);
    cool_down.set_until(absl::FormatTime(absl::RFC3339_sec, active.until, absl::UTCTimeZone()));
  }
}

void AdminService::AddProfile(v1::StatusResponse& out) const {
  v1::ProfileStatus& status = *out.mutable_eci_profile();
  status.set_config_map(sources_.eci_profile_config_map);
  std::shared_ptr<const burst::EciProfile> profile = sources_.eci_profile.Get();
  status.set_resource_version(profile->resource_version);
  for (const burst::ProfileSelector& selector : profile->selectors) {
    v1::ProfileSelectorStatus& s = *status.add_selectors();
    s.set_name(selector.name);
    s.set_schedules(selector.schedules());
    if (selector.namespace_selector) s.set_namespace_selector(selector.namespace_selector->ToString());
    if (selector.object_selector) s.set_object_selector(selector.object_selector->ToString());
    for (const auto& [key, value] : selector.effect_annotations) s.add_effect(absl::StrCat("annotation ", key, "=", value));
    for (const auto& [key, value] : selector.effect_labels) s.add_effect(absl::StrCat("label ", key, "=", value));
  }
}

void AdminService::AddLeaseHolder(v1::StatusResponse& out) const {
  if (sources_.client == nullptr || !out.has_leader() || out.leader().lease().empty()) return;
  const std::string& lease = out.leader().lease();
  const size_t slash = lease.find('/');
  if (slash == std::string::npos) return;
  absl::StatusOr<json::object> object = sources_.client->Get(
      kube::ResourcePath{"coordination.k8s.io", "v1", "leases", lease.substr(0, slash), lease.substr(slash + 1), ""});
  if (!object.ok()) {
    if (object.status().code() != absl::StatusCode::kNotFound) {
      out.add_gaps(absl::StrCat("the Lease ", lease, " could not be read: ", object.status().message()));
    }
    return;
  }
  const json::object* spec = json_fields::ObjectAt(*object, {"spec"});
  if (spec != nullptr) out.mutable_leader()->set_holder(String(*spec, "holderIdentity"));
}

void AdminService::AddElasticWorkloads(v1::StatusResponse& out) const {
  if (sources_.client == nullptr) return;
  absl::StatusOr<json::object> list = sources_.client->List(
      kube::ResourcePath{"autoscaling.alibabacloud.com", "v1beta1", "elasticworkloads", "", "", ""}, {});
  if (!list.ok()) {
    if (list.status().code() != absl::StatusCode::kNotFound) {  // No CRD: no ElasticWorkloads.
      out.add_gaps(absl::StrCat("ElasticWorkloads could not be listed: ", list.status().message()));
    }
    return;
  }
  const json::value* items = list->if_contains("items");
  if (items == nullptr || !items->is_array()) return;
  for (const json::value& item : items->get_array()) {
    if (!item.is_object()) continue;
    const json::object& ew = item.get_object();
    v1::ElasticWorkloadSplit& split = *out.add_elastic_workloads();
    if (const json::object* meta = json_fields::ObjectAt(ew, {"metadata"})) {
      split.set_namespace_(String(*meta, "namespace"));
      split.set_name(String(*meta, "name"));
    }
    split.set_replicas(json_fields::IntAt(ew, {"spec", "replicas"}));
    if (const json::object* source = json_fields::ObjectAt(ew, {"spec", "sourceTarget"})) {
      split.set_source_kind(String(*source, "kind"));
      split.set_source_name(String(*source, "name"));
      split.set_source_min(json_fields::Int(*source, "min"));
      split.set_source_max(json_fields::Int(*source, "max"));
    }
    split.set_source_desired_replicas(json_fields::IntAt(ew, {"status", "sourceTarget", "desiredReplicas"}));
    const json::value* units = json_fields::At(ew, {"status", "elasticUnitsStatus"});
    if (units == nullptr || !units->is_array()) continue;
    for (const json::value& unit : units->get_array()) {
      if (!unit.is_object()) continue;
      v1::ElasticUnitSplit& u = *split.add_units();
      u.set_name(String(unit.get_object(), "name"));
      u.set_desired_replicas(json_fields::Int(unit.get_object(), "desiredReplicas"));
    }
  }
}

}  // namespace spillway::admin
