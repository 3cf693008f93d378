// The API server's admission (ApiServer's members; the class is in
// api_server.h): schema pruning, metadata and kind validation through the
// kind's strategy, custom resources against their CRD's schema and rules,
// and mutating webhooks called by URL or through a Service's EndpointSlices.
#include "sim/apiserver/api_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "glog/logging.h"
#include "sim/apiserver/responses.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "sim/apiserver/builtin_schema.h"
#include "sim/apiserver/schema.h"
#include "sim/apiserver/validation.h"

namespace spillway::sim {

namespace json = boost::json;

absl::Status ApiServer::Admit(const ResourceInfo& info, FieldValidation validation, json::object& object,
                              std::vector<std::string>& warnings, const json::object* old) {
  if (!info.custom) {
    // Decoding comes first in kube-apiserver: a Strict refusal is a 400
    // before any validation.
    SPILLWAY_RETURN_IF_ERROR(
        ReportUnknownFields(info.type, validation, PruneUnknownBuiltinFields(info.type, object), warnings));
  }
  const std::string name = [&] {
    const json::value* meta = object.if_contains("metadata");
    const json::value* n = meta != nullptr && meta->is_object() ? meta->get_object().if_contains("name") : nullptr;
    return n != nullptr && n->is_string() ? std::string(n->get_string()) : std::string();
  }();
  if (std::vector<std::string> problems = ValidateMetadata(info.strategy->NameIsDnsLabel(), object);
      !problems.empty()) {
    return Invalid(info, name, problems);
  }
  std::vector<std::string> problems;
  info.strategy->Validate(object, problems);
  if (!problems.empty()) return Invalid(info, name, problems);
  if (json::serialize(object).size() > kMaxObjectBytes) {
    return absl::ResourceExhaustedError("etcdserver: request is too large");
  }
  if (!info.custom || !info.schema.is_object()) return absl::OkStatus();
  json::value value = std::move(object);
  const json::value old_value = old != nullptr ? json::value(*old) : json::value();
  SchemaReport report = ValidateCustomResource(info.schema, value, old != nullptr ? &old_value : nullptr);
  object = std::move(value.get_object());
  warnings.insert(warnings.end(), report.warnings.begin(), report.warnings.end());
  if (!report.errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(info.type.kind, ".", info.type.group, " \"", name,
                                                   "\" is invalid: ", absl::StrJoin(report.errors, ", ")));
  }
  return ReportUnknownFields(info.type, validation, report.unknown_fields, warnings);
}

absl::Status ApiServer::CallMutatingWebhooks(const ResourceType& type, const std::string& ns, Persist persist,
                                             json::object& object, std::vector<std::string>* warnings) {
  const ResourceInfo* configurations_info =
      FindResource("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations");
  if (type.plural == configurations_info->type.plural && type.group == configurations_info->type.group) {
    return absl::OkStatus();
  }
  std::vector<json::object> configurations =
      store_.List(configurations_info->type, "", kube::LabelSelector(), FieldSelector()).items;
  if (configurations.empty()) return absl::OkStatus();
  AdmissionRequest request{&type, "CREATE", ns, json::object(), persist == Persist::kDryRun, nullptr};
  if (!ns.empty()) {
    absl::StatusOr<json::object> space = store_.Get(BuiltinResources()[0].type, "", ns);
    if (space.ok()) {
      const json::value* labels = space->at("metadata").as_object().if_contains("labels");
      if (labels != nullptr && labels->is_object()) request.namespace_labels = labels->get_object();
    }
    // Admission sees the namespace the object will live in.
    json::value& meta = object["metadata"];
    if (meta.is_object()) meta.get_object()["namespace"] = ns;
  }
  request.resolve_service = [this](const std::string& service_ns, const std::string& name, int port) {
    return ResolveService(service_ns, name, port);
  };
  request.clients = &webhook_clients_;
  std::vector<IgnoredWebhookFailure> ignored;
  absl::Status result = RunMutatingWebhooks(configurations, request, object, warnings, &ignored);
  for (const IgnoredWebhookFailure& failure : ignored) {
    ReportIgnoredWebhookFailure(failure, persist);
  }
  return result;
}

// A Service's endpoint as kube-apiserver's service resolver finds it: the
// Service's port by number, then the same-named port of an EndpointSlice
// labelled kubernetes.io/service-name=<name>, at a ready endpoint's address.
absl::StatusOr<ServiceEndpoint> ApiServer::ResolveService(const std::string& ns, const std::string& name, int port) {
  const std::string service_name = absl::StrCat(ns, "/", name);
  absl::StatusOr<json::object> service = store_.Get(FindResource("", "v1", "services")->type, ns, name);
  if (!service.ok()) {
    return absl::UnavailableError(absl::StrCat("clientConfig.service ", service_name, ": service not found"));
  }
  std::string port_name;
  bool found = false;
  const json::value service_value(std::move(*service));  // At() points into it.
  if (const json::value* ports = json_fields::At(service_value, {"spec", "ports"}); ports && ports->is_array()) {
    for (const json::value& p : ports->get_array()) {
      if (!p.is_object() || json_fields::IntAt(p, {"port"}) != port) continue;
      port_name = json_fields::String(p.get_object(), "name");
      found = true;
    }
  }
  if (!found) {
    return absl::UnavailableError(absl::StrCat("clientConfig.service ", service_name, ": the service has no port ", port));
  }
  absl::StatusOr<kube::LabelSelector> selector = kube::LabelSelector::Parse("kubernetes.io/service-name=" + name);
  if (!selector.ok()) return selector.status();
  const ObjectStore::ListResult slices =
      store_.List(FindResource("discovery.k8s.io", "v1", "endpointslices")->type, ns, *selector, FieldSelector());
  for (const json::object& slice : slices.items) {
    int64_t target = 0;
    if (const json::value* ports = slice.if_contains("ports"); ports != nullptr && ports->is_array()) {
      for (const json::value& p : ports->get_array()) {
        if (p.is_object() && json_fields::String(p.get_object(), "name") == port_name) {
          target = json_fields::IntAt(p, {"port"});
        }
      }
    }
    const json::value* endpoints = slice.if_contains("endpoints");
    if (target <= 0 || target > 65535 || endpoints == nullptr || !endpoints->is_array()) continue;
    for (const json::value& endpoint : endpoints->get_array()) {
      const json::value* ready = json_fields::At(endpoint, {"conditions", "ready"});
      if (ready != nullptr && ready->is_bool() && !ready->get_bool()) continue;
      const json::value* addresses = json_fields::At(endpoint, {"addresses"});
      if (addresses == nullptr || !addresses->is_array() || addresses->get_array().empty() ||
          !addresses->get_array()[0].is_string()) {
        continue;
      }
      return ServiceEndpoint{std::string(addresses->get_array()[0].get_string()), static_cast<uint16_t>(target)};
    }
  }
  return absl::UnavailableError(absl::StrCat("clientConfig.service ", service_name,
                                             ": no ready endpoint in its EndpointSlices (kubernetes.io/service-name=",
                                             name, ")"));
}

// A webhook call failed and failurePolicy: Ignore let the request through:
// logged, and (unless a dry run) a Warning Event on the configuration in
// "default", counted up on repeats, so it is never skipped silently.
void ApiServer::ReportIgnoredWebhookFailure(const IgnoredWebhookFailure& failure, Persist persist) {
  const std::string message =
      absl::StrCat("failed calling webhook \"", failure.webhook, "\": ", failure.message,
                   "; failurePolicy Ignore let the request through unchanged");
  LOG(WARNING) << "admission configuration=" << failure.configuration << " webhook=" << failure.webhook
               << " ignored=true error=\"" << failure.message << "\"";
  if (persist == Persist::kDryRun) return;
  const ResourceType& events = FindResource("", "v1", "events")->type;
  const std::string now = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone());
  const std::string name = absl::StrCat(failure.configuration, ".", absl::Hex(absl::Hash<std::string>()(failure.webhook)));
  absl::StatusOr<json::object> counted = store_.Modify(events, "default", name, [&](json::object& event) {
    event["count"] = json_fields::IntAt(json::value(event), {"count"}) + 1;
    event["lastTimestamp"] = now;
    event["message"] = message;
    return absl::OkStatus();
  });
  if (counted.ok()) return;
  (void)store_.Create(
      events, "default",
      json::object{{"apiVersion", "v1"},
                   {"kind", "Event"},
                   {"metadata", json::object{{"name", name}, {"namespace", "default"}}},
                   {"involvedObject", json::object{{"apiVersion", "admissionregistration.k8s.io/v1"},
                                                   {"kind", "MutatingWebhookConfiguration"},
                                                   {"name", failure.configuration}}},
                   {"reason", "FailedCallingWebhook"},
                   {"message", message},
                   {"type", "Warning"},
                   {"source", json::object{{"component", "kube-apiserver"}}},
                   {"firstTimestamp", now},
                   {"lastTimestamp", now},
                   {"count", 1}});
}

}  // namespace spillway::sim
