#include "sim/apiserver/api_server.h"

#include "sim/apiserver/builtin_schema.h"
#include "sim/apiserver/discovery.h"
#include "sim/apiserver/builtin_types.h"
#include "sim/apiserver/crd.h"
#include "sim/apiserver/disruption.h"
#include "sim/apiserver/field_manager.h"
#include "sim/apiserver/hpa_v1.h"
#include "sim/apiserver/openapi_v2.h"
#include "sim/apiserver/protobuf_codec.h"
#include "sim/apiserver/tables.h"
#include "sim/apiserver/validation.h"
#include "sim/apiserver/watch_stream.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "kube/label_selector.h"
#include "sim/apiserver/admission.h"
#include "sim/apiserver/field_selector.h"
#include "sim/apiserver/patch.h"
#include "sim/apiserver/resources.h"
#include "sim/apiserver/schema.h"
#include "common/json_fields.h"
#include "common/status_macros.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

http::Response JsonResponse(int status, const json::value& body) {
  http::Response response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

// A meta/v1 Status, the body of every error.
// `extra` adds or replaces fields (a list's metadata.continue, details).
http::Response StatusResponse(int code, std::string_view reason, std::string_view message,
                              json::object extra = {}) {
  json::object status{{"kind", "Status"},  {"apiVersion", "v1"}, {"metadata", json::object()},
                      {"status", "Failure"}, {"message", message}, {"reason", reason},
                      {"code", code}};
  for (auto& [key, value] : extra) status[key] = std::move(value);
  return JsonResponse(code, status);
}

// kube-apiserver's refusal of a dryRun value other than All.
std::string DryRunRefusal(const std::string& value) {
  return absl::StrCat("Invalid dryRun value: \"", value, "\": supported values: \"All\"");
}

// What kube-apiserver's decoding does to a built-in before anything else
// looks at it: type checks, base64 data, canonical quantities.
absl::Status DecodeBuiltin(const ResourceInfo& info, json::object& object) {
  SPILLWAY_RETURN_IF_ERROR(CheckBuiltinTypes(info.type, object));
  SPILLWAY_RETURN_IF_ERROR(info.strategy->CheckDecodable(object));
  return CanonicalizeQuantities(info.type, object);
}

// A write's options from the query, as kube-apiserver checks them: a
// fieldManager over 128 bytes is 422 (InvalidArgument), a dryRun other than
// All is 400 (FailedPrecondition); dryRun=All is a dry run.
absl::StatusOr<Persist> WriteOptionsOf(const std::string& method, const std::map<std::string, std::string>& query) {
  if (auto manager = query.find("fieldManager");
      manager != query.end() && manager->second.size() > kMaxFieldManagerLength) {
    const char* options = method == "POST" ? "CreateOptions" : method == "PUT" ? "UpdateOptions" : "PatchOptions";
    return absl::InvalidArgumentError(absl::StrCat(options,
                                                   ".meta.k8s.io \"\" is invalid: fieldManager: Too long: must have "
                                                   "at most ",
                                                   kMaxFieldManagerLength, " bytes"));
  }
  auto dry = query.find("dryRun");
  if (dry == query.end() || dry->second.empty()) return Persist::kYes;
  if (dry->second != "All") return absl::FailedPreconditionError(DryRunRefusal(dry->second));
  return Persist::kDryRun;
}

http::Response BadRequest(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnimplemented) {
    return StatusResponse(415, "UnsupportedMediaType", std::string(status.message()));
  }
  return StatusResponse(400, "BadRequest", std::string(status.message()));
}

http::Response ErrorResponse(const absl::Status& status) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return StatusResponse(404, "NotFound", message);
    case absl::StatusCode::kAlreadyExists:
      return StatusResponse(409, "AlreadyExists", message);
    case absl::StatusCode::kAborted:
      return StatusResponse(409, "Conflict", message);
    case absl::StatusCode::kInvalidArgument:
      return StatusResponse(422, "Invalid", message);
    case absl::StatusCode::kOutOfRange:
      return StatusResponse(410, "Expired", message);
    case absl::StatusCode::kFailedPrecondition:
      return StatusResponse(400, "BadRequest", message);
    case absl::StatusCode::kPermissionDenied:
      return StatusResponse(403, "Forbidden", message);
    case absl::StatusCode::kUnimplemented:
      return StatusResponse(415, "UnsupportedMediaType", message);
    case absl::StatusCode::kResourceExhausted:
      return StatusResponse(413, "RequestEntityTooLarge", message);
    default:
      return StatusResponse(500, "InternalError", message);
  }
}

// %XX escapes; in a query (not a path) '+' is a space too.
std::string PercentDecode(std::string_view text, bool query = true) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (query && text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      if (absl::SimpleHexAtoi(absl::string_view(text.data() + i + 1, 2), &value)) {
        out.push_back(static_cast<char>(value));
        i += 2;
      } else {
        out.push_back('%');
      }
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  for (absl::string_view pair : absl::StrSplit(absl::string_view(query.data(), query.size()), '&',
                                               absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string key = PercentDecode(std::string_view(pair.data(), std::min(eq, pair.size())));
    std::string value =
        eq == absl::string_view::npos
            ? ""
            : PercentDecode(std::string_view(pair.data() + eq + 1, pair.size() - eq - 1));
    params[key] = value;
  }
  return params;
}


// The value at a ".spec.replicas"-style path, or nullptr.
const json::value* AtPath(const json::object& object, const std::string& path) {
  const json::value* at = nullptr;
  const json::object* current = &object;
  for (absl::string_view part : absl::StrSplit(path, '.', absl::SkipEmpty())) {
    if (current == nullptr) return nullptr;
    at = current->if_contains(json::string_view(part.data(), part.size()));
    if (at == nullptr) return nullptr;
    current = at->is_object() ? &at->get_object() : nullptr;
  }
  return at;
}

// Sets the value at a ".spec.replicas"-style path, creating objects on the way.
void SetPath(json::object& object, const std::string& path, json::value value) {
  std::vector<std::string> parts = absl::StrSplit(path, '.', absl::SkipEmpty());
  json::object* current = &object;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    json::value& next = (*current)[parts[i]];
    if (!next.is_object()) next = json::object();
    current = &next.get_object();
  }
  if (!parts.empty()) (*current)[parts.back()] = std::move(value);
}

// The autoscaling/v1 Scale view of a scalable object: spec.replicas,
// status.replicas and the selector as a string. Built-in workloads derive the
// selector from .spec.selector.matchLabels; custom resources name their paths.
json::object ScaleOf(const json::object& object, const ResourceInfo& info) {
  const json::object& meta = object.at("metadata").as_object();
  const ScalePaths paths = info.scale.value_or(ScalePaths{});
  auto count = [&](const std::string& path) -> int64_t {
    const json::value* v = AtPath(object, path);
    return v != nullptr && v->is_int64() ? v->get_int64() : 0;
  };
  std::string selector;
  if (info.scale.has_value()) {
    const json::value* v = paths.label_selector.empty() ? nullptr : AtPath(object, paths.label_selector);
    if (v != nullptr && v->is_string()) selector = std::string(v->get_string());
  } else if (const json::value* labels = AtPath(object, ".spec.selector.matchLabels");
             labels != nullptr && labels->is_object()) {
    for (const auto& entry : labels->get_object()) {
      if (!entry.value().is_string()) continue;
      absl::StrAppend(&selector, selector.empty() ? "" : ",", std::string(entry.key()), "=",
                      std::string(entry.value().get_string()));
    }
  }
  json::object scale_meta;
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (const json::value* v = meta.if_contains(field)) scale_meta[field] = *v;
  }
  return json::object{{"kind", "Scale"},
                      {"apiVersion", "autoscaling/v1"},
                      {"metadata", scale_meta},
                      {"spec", json::object{{"replicas", count(paths.spec_replicas)}}},
                      {"status", json::object{{"replicas", count(paths.status_replicas)},
                                              {"selector", selector}}}};
}

// Whether an Accept header lets us answer JSON, the only encoding we write
// (a client asking for protobuf alone gets 406, not a body it cannot read).
bool AcceptsJson(std::string_view accept) {
  if (accept.empty()) return true;
  return accept.find("json") != std::string_view::npos || accept.find("*/*") != std::string_view::npos ||
         accept.find("application/*") != std::string_view::npos;
}

// Whether `kubectl get` gets a server-side Table: built-ins with a printer,
// custom resources with printer columns.
bool HasTable(const ResourceInfo& info) {
  return info.custom ? !info.printer_columns.empty() : info.strategy->TablePrinter() != nullptr;
}

// A meta.k8s.io/v1 Table of `items` with a custom resource's printer
// columns (kubectl asks for one with Accept: application/json;as=Table).
json::object TableOf(const ResourceInfo& info, const std::vector<json::object>& items,
                     const std::string& resource_version, absl::Time now) {
  json::array columns{json::object{{"name", "Name"}, {"type", "string"}, {"format", "name"},
                                   {"description", "Name must be unique within a namespace."}, {"priority", 0}}};
  for (const PrinterColumn& column : info.printer_columns) {
    columns.push_back(json::object{{"name", column.name}, {"type", column.type}, {"format", ""},
                                   {"description", ""}, {"priority", column.priority}});
  }
  const Printer* builtin = info.custom ? nullptr : info.strategy->TablePrinter();
  if (builtin != nullptr) {
    for (const TableColumn& column : builtin->columns) {
      columns.push_back(json::object{{"name", column.name}, {"type", column.type}, {"format", ""},
                                     {"description", ""}, {"priority", column.priority}});
    }
  }
  json::array rows;
  for (const json::object& item : items) {
    const json::value object = item;
    json::array cells{object.at("metadata").at("name")};
    for (const PrinterColumn& column : info.printer_columns) {
      cells.push_back(PrinterColumnValue(object, column.json_path, column.type, now));
    }
    if (builtin != nullptr) {
      for (json::value& cell : builtin->cells(item, now)) {
        cells.push_back(std::move(cell));
      }
    }
    rows.push_back(json::object{{"cells", cells},
                                {"object", json::object{{"kind", "PartialObjectMetadata"},
                                                        {"apiVersion", "meta.k8s.io/v1"},
                                                        {"metadata", object.at("metadata")}}}});
  }
  return json::object{{"kind", "Table"},
                      {"apiVersion", "meta.k8s.io/v1"},
                      {"metadata", json::object{{"resourceVersion", resource_version}}},
                      {"columnDefinitions", columns},
                      {"rows", rows}};
}

enum class WriteKind { kPut, kMergePatch, kStrategicMergePatch, kJsonPatch };

// The write a PUT or PATCH request asks for, from its method and content type;
// Unimplemented for server-side apply.
absl::StatusOr<WriteKind> WriteKindOf(const std::string& method, const std::string& content_type) {
  if (method == "PUT") return WriteKind::kPut;
  if (absl::StrContains(content_type, "json-patch")) return WriteKind::kJsonPatch;
  if (absl::StrContains(content_type, "strategic-merge-patch")) return WriteKind::kStrategicMergePatch;
  if (absl::StrContains(content_type, "merge-patch")) return WriteKind::kMergePatch;
  return absl::UnimplementedError(absl::StrCat(
      "PATCH with content type \"", content_type,
      "\" is not served by the embedded API server; use application/merge-patch+json, "
      "application/strategic-merge-patch+json or application/json-patch+json"));
}

// Rewrites the stored `object` into what a PUT or a PATCH of `sub` asks for:
// "" for the object itself, "status" or "scale". Where status is a
// subresource, writes to the object itself keep the stored status. A PUT's
// metadata.resourceVersion is left in place for the store's conflict check.
absl::Status ApplyWrite(const std::string& sub, WriteKind kind, const ResourceInfo& info,
                        const json::value& body, json::object& object) {
  const bool has_status_subresource =
      std::find(info.subresources.begin(), info.subresources.end(), "status") != info.subresources.end();
  json::value desired = sub == "scale" ? json::value(ScaleOf(object, info)) : json::value(object);
  switch (kind) {
    case WriteKind::kPut:
      desired = body;
      break;
    case WriteKind::kMergePatch:
      MergePatch(desired, body);
      break;
    case WriteKind::kStrategicMergePatch:
      if (absl::Status s = StrategicMergePatch(desired, body, PatchRootType(info.type.group, info.type.version, info.type.kind));
          !s.ok()) {
        return s;
      }
      break;
    case WriteKind::kJsonPatch:
      if (absl::Status s = JsonPatch(desired, body); !s.ok()) return s;
      break;
  }
  if (!desired.is_object()) return absl::InvalidArgumentError("the patched object is not a JSON object");
  const bool patch = kind != WriteKind::kPut;
  json::object& want = desired.get_object();
  if (sub.empty()) {
    std::optional<json::value> stored_status;
    if (const json::value* status = object.if_contains("status")) stored_status = *status;
    object = std::move(want);
    if (has_status_subresource) {
      if (stored_status.has_value()) {
        object["status"] = *stored_status;
      } else {
        object.erase("status");
      }
    }
    return absl::OkStatus();
  }
  if (sub == "scale") {
    const json::value* spec = want.if_contains("spec");
    const json::value* replicas =
        spec != nullptr && spec->is_object() ? spec->get_object().if_contains("replicas") : nullptr;
    if (replicas == nullptr || !replicas->is_int64() || replicas->get_int64() < 0) {
      return absl::InvalidArgumentError("spec.replicas: must be a non-negative integer");
    }
    SetPath(object, info.scale.value_or(ScalePaths{}).spec_replicas, replicas->get_int64());
  } else {
    const json::value* status = want.if_contains("status");
    object["status"] = status != nullptr ? *status : json::value(json::object());
  }
  if (!patch) {
    const json::value* meta = want.if_contains("metadata");
    const json::value* version =
        meta != nullptr && meta->is_object() ? meta->get_object().if_contains("resourceVersion") : nullptr;
    if (version != nullptr && version->is_string()) {
      object["metadata"].as_object()["resourceVersion"] = *version;
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

absl::BitGen SeededBitGen(std::optional<uint64_t> seed) {
  if (!seed.has_value()) return absl::BitGen();
  std::seed_seq sequence{static_cast<uint32_t>(*seed), static_cast<uint32_t>(*seed >> 32)};
  return absl::BitGen(sequence);
}

ObjectStore::Options StoreOptions(const ApiServerOptions& options) {
  ObjectStore::Options store;
  store.watch_window = options.watch_window;
  store.seed = options.seed;
  return store;
}

}  // namespace

ApiServer::ApiServer(const ApiServerOptions& options)
    : clock_(options.clock != nullptr ? *options.clock : Clock::Real()),
      event_ttl_(options.event_ttl),
      random_(SeededBitGen(options.seed)),
      store_(StoreOptions(options), [this] { return clock_.Now(); }, random_) {}

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options) {
  std::unique_ptr<ApiServer> api(new ApiServer(options));
  const ResourceInfo& namespaces = *FindResource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json::object ns{{"metadata", json::object{{"name", name}}}};
    namespaces.strategy->Default(ns);  // Finalizer, phase and the kubernetes.io/metadata.name label.
    if (absl::StatusOr<json::object> created = api->store_.Create(namespaces.type, "", ns);
        !created.ok()) {
      return created.status();
    }
  }
  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  // The API answers bodies over 3 MiB with its own 413 (a Status, as
  // kube-apiserver words it); the transport refuses what is far beyond.
  server_options.max_body_bytes = 2 * kMaxRequestBytes;
  ApiServer* raw = api.get();
  absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(
      server_options, [raw](http::Request& request) { return raw->Handle(request); });
  if (!server.ok()) return server.status();
  api->server_ = std::move(*server);
  return api;
}

// "<Kind>[.<group>] "<name>" is invalid: <problem>" (or "[p1, p2]"), as
// kube-apiserver words a 422.
absl::Status Invalid(const ResourceInfo& info, const std::string& name, const std::vector<std::string>& problems) {
  const std::string kind = info.type.group.empty() ? info.type.kind : absl::StrCat(info.type.kind, ".", info.type.group);
  const std::string joined = problems.size() == 1 ? problems[0] : absl::StrCat("[", absl::StrJoin(problems, ", "), "]");
  return absl::InvalidArgumentError(absl::StrCat(kind, " \"", name, "\" is invalid: ", joined));
}

// Adds `warnings` as Warning headers: RFC 7234 warn-code 299, as
// kube-apiserver sends admission and field-validation warnings.
http::Response WithWarnings(http::Response response, const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) {
    std::string quoted;
    for (char c : warning) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    response.headers.emplace_back("Warning", absl::StrCat("299 - \"", quoted, "\""));
  }
  return response;
}

// The fieldValidation of a write (Warn when absent), or the 422 kube-apiserver
// gives for another value.
absl::StatusOr<FieldValidation> FieldValidationOf(const std::string& method,
                                                  const std::map<std::string, std::string>& query) {
  auto given = query.find("fieldValidation");
  if (given == query.end() || given->second.empty()) return FieldValidation::kWarn;
  if (given->second == "Strict") return FieldValidation::kStrict;
  if (given->second == "Warn") return FieldValidation::kWarn;
  if (given->second == "Ignore") return FieldValidation::kIgnore;
  const char* options = method == "POST" ? "CreateOptions" : method == "PUT" ? "UpdateOptions" : "PatchOptions";
  if (method != "POST" && method != "PUT" && method != "PATCH") return FieldValidation::kWarn;
  return absl::InvalidArgumentError(absl::StrCat(options, ".meta.k8s.io \"\" is invalid: fieldValidation: ",
                                                 "Unsupported value: \"", given->second,
                                                 "\": supported values: \"Ignore\", \"Warn\", \"Strict\""));
}

// The Strict refusal and the Warn warnings for dropped fields, worded as
// kube-apiserver's decoder words them.
absl::Status ReportUnknownFields(const ResourceType& type, FieldValidation validation,
                                 const std::vector<std::string>& unknown, std::vector<std::string>& warnings) {
  if (unknown.empty() || validation == FieldValidation::kIgnore) return absl::OkStatus();
  if (validation == FieldValidation::kStrict) {
    return absl::FailedPreconditionError(absl::StrCat(
        type.kind, " in version \"", type.version, "\" cannot be handled as a ", type.kind,
        ": strict decoding error: unknown field \"", absl::StrJoin(unknown, "\", unknown field \""), "\""));
  }
  for (const std::string& field : unknown) warnings.push_back(absl::StrCat("unknown field \"", field, "\""));
  return absl::OkStatus();
}

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

void ApiServer::RefreshCustomResources() {
  const ResourceInfo* crds = FindResource("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  ObjectStore::ListResult listed = store_.List(crds->type, "", kube::LabelSelector(), FieldSelector());
  std::vector<ResourceInfo> custom;
  for (const json::object& crd : listed.items) {
    const json::value* meta = crd.if_contains("metadata");
    if (meta != nullptr && meta->is_object() && meta->get_object().contains("deletionTimestamp")) continue;
    absl::StatusOr<std::vector<ResourceInfo>> defined = ResourcesFromCrd(crd);
    if (!defined.ok()) continue;  // Refused at admission; cannot be stored.
    for (ResourceInfo& info : *defined) custom.push_back(std::move(info));
  }
  // Custom resources whose definition went are deleted with it.
  for (const auto& old : registry_.All()) {
    if (!old->custom) continue;
    const bool kept = std::any_of(custom.begin(), custom.end(), [&](const ResourceInfo& info) {
      return info.type.group == old->type.group && info.type.plural == old->type.plural;
    });
    if (kept) continue;
    for (const json::object& item : store_.List(old->type, "", kube::LabelSelector(), FieldSelector()).items) {
      const json::object& meta = item.at("metadata").as_object();
      const json::value* item_ns = meta.if_contains("namespace");
      (void)store_.Delete(old->type, item_ns != nullptr && item_ns->is_string() ? std::string(item_ns->get_string()) : "",
                          std::string(meta.at("name").as_string()));
    }
  }
  registry_.SetCustomResources(std::move(custom));
  crd_generation_.fetch_add(1);
}

void ApiServer::ExpireWatches() {
  watch_generation_.fetch_add(1);
  store_.NotifyListeners();
}

void ApiServer::SetInterceptor(Interceptor interceptor) {
  absl::MutexLock lock(&interceptor_mu_);
  interceptor_ = std::move(interceptor);
}

// Health, /version, /api, /apis and OpenAPI; nullopt for other paths.
std::optional<http::Response> ApiServer::WellKnown(std::string_view path, std::string_view accept,
                                                   const std::vector<std::string>& segments,
                                                   const std::vector<std::shared_ptr<const ResourceInfo>>& all) {
  if (path == "/healthz" || path == "/readyz" || path == "/livez") {
    http::Response ok;
    ok.content_type = "text/plain";
    ok.body = "ok";
    return ok;
  }
  if (path == "/version") {
    // Every field of version.Info: clients (the Python one) require them all.
    return JsonResponse(200, json::object{{"major", "1"},
                                          {"minor", "32"},
                                          {"gitVersion", kKubernetesVersion},
                                          {"gitCommit", "0000000000000000000000000000000000000000"},
                                          {"gitTreeState", "clean"},
                                          {"buildDate", "2026-11-22T00:00:00Z"},
                                          {"goVersion", "go1.23.0"},
                                          {"compiler", "gc"},
                                          {"platform", "linux/amd64"}});
  }
  if (path == "/api") {
    return JsonResponse(200, json::object{{"kind", "APIVersions"},
                                          {"versions", json::array{"v1"}},
                                          {"serverAddressByClientCIDRs", json::array()}});
  }
  if (path == "/apis") {
    json::array groups;
    for (const std::string& group : registry_.Groups()) {
      if (!group.empty()) groups.push_back(GroupDocument(all, group));
    }
    for (json::value& group : groups) group.as_object().erase("kind");
    return JsonResponse(200, json::object{{"kind", "APIGroupList"},
                                          {"apiVersion", "v1"},
                                          {"groups", groups}});
  }
  if (!segments.empty() && segments[0] == "openapi") {
    if (segments.size() == 2 && segments[1] == "v2") {
      if (accept.find("protobuf") != std::string_view::npos) {
        http::Response response;
        response.content_type = kOpenApiV2ProtobufType;
        response.body = OpenApiV2Protobuf(kKubernetesVersion);
        return response;
      }
      return JsonResponse(200, OpenApiV2Json(kKubernetesVersion));
    }
    if (segments.size() == 2 && segments[1] == "v3") {
      json::object paths;
      // The hash changes with the custom resources, so kubectl refetches.
      const std::string hash = absl::StrCat("?hash=spillway-", crd_generation_.load());
      paths["api/v1"] = json::object{{"serverRelativeURL", "/openapi/v3/api/v1" + hash}};
      for (const auto& info : all) {
        if (info->type.group.empty()) continue;
        const std::string gv = info->GroupVersion();
        paths["apis/" + gv] = json::object{{"serverRelativeURL", "/openapi/v3/apis/" + gv + hash}};
      }
      return JsonResponse(200, json::object{{"paths", paths}});
    }
    if (segments.size() >= 4 && segments[1] == "v3") {
      std::string gv = segments[2] == "api" ? segments[3]
                                            : (segments.size() >= 5 ? segments[3] + "/" + segments[4] : "");
      json::object doc = OpenApiDocument(all, gv);
      if (doc.at("paths").as_object().empty()) {
        return StatusResponse(404, "NotFound", absl::StrCat("no OpenAPI document for ", gv));
      }
      return JsonResponse(200, doc);
    }
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }

  return std::nullopt;
}

// A test's injected answer, if it has one for this request.
std::optional<http::Response> ApiServer::Intercept(http::Request& request) {
  Interceptor interceptor;
  {
    absl::MutexLock lock(&interceptor_mu_);
    interceptor = interceptor_;
  }
  if (!interceptor) return std::nullopt;
  return interceptor(request);
}

// The last write to an Event: its creation or the latest managedFields time.
absl::Time LastWritten(const json::object& event) {
  const json::object* meta = json_fields::ObjectAt(event, {"metadata"});
  absl::Time last = absl::InfinitePast();
  if (meta == nullptr) return last;
  auto consider = [&last](const std::string& text) {
    absl::Time t;
    std::string error;
    if (!text.empty() && absl::ParseTime(absl::RFC3339_full, text, &t, &error)) last = std::max(last, t);
  };
  consider(json_fields::String(*meta, "creationTimestamp"));
  if (const json::value* fields = meta->if_contains("managedFields"); fields != nullptr && fields->is_array()) {
    for (const json::value& entry : fields->get_array()) {
      if (entry.is_object()) consider(json_fields::String(entry.get_object(), "time"));
    }
  }
  return last;
}

void ApiServer::ExpireEvents() {
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&event_sweep_mu_);
    if (now - last_event_sweep_ < absl::Minutes(1)) return;
    last_event_sweep_ = now;
  }
  for (const ResourceInfo* info : {FindResource("", "v1", "events"), FindResource("events.k8s.io", "v1", "events")}) {
    if (info == nullptr) continue;
    for (const json::object& event : store_.List(info->type, "", kube::LabelSelector(), FieldSelector()).items) {
      if (LastWritten(event) + event_ttl_ > now) continue;
      const json::object* meta = json_fields::ObjectAt(event, {"metadata"});
      if (meta == nullptr) continue;
      (void)store_.Delete(info->type, json_fields::String(*meta, "namespace"), json_fields::String(*meta, "name"));
    }
  }
}

http::Response ApiServer::Handle(http::Request& request) {
  if (std::optional<http::Response> injected = Intercept(request)) return *std::move(injected);
  ExpireEvents();
  if (IsHpaV1Path(std::string_view(request.target).substr(0, request.target.find('?')))) {
    return ServeHpaV1(request, [this](http::Request& v2) { return Handle(v2); });
  }
  const std::string_view target(request.target);
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  // "/version/", "/api/", "/apis/" (the Python client asks so) are the same paths.
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::map<std::string, std::string> query =
      ParseQuery(question == std::string_view::npos ? "" : target.substr(question + 1));
  // Path segments are URL-decoded (kubectl get cm "with space" sends %20).
  std::vector<std::string> segments;
  for (absl::string_view segment : absl::StrSplit(absl::string_view(path.data(), path.size()), '/', absl::SkipEmpty())) {
    segments.push_back(PercentDecode(std::string_view(segment.data(), segment.size()), /*query=*/false));
  }
  VLOG(1) << "apiserver " << request.method << " " << request.target;
  if (request.body.size() > kMaxRequestBytes) {
    return StatusResponse(413, "RequestEntityTooLarge",
                          absl::StrCat("Request entity too large: limit is ", kMaxRequestBytes));
  }

  const Resources all = registry_.All();
  if (std::optional<http::Response> answer = WellKnown(path, request.accept, segments, all)) return *std::move(answer);
  if (!AcceptsJson(request.accept)) {
    return StatusResponse(406, "NotAcceptable", "only the following media types are accepted: application/json");
  }
  // /api/v1/... or /apis/<group>/<version>/...
  std::string group;
  std::string version;
  size_t rest = 0;
  if (segments.size() >= 2 && segments[0] == "api") {
    version = segments[1];
    rest = 2;
  } else if (segments.size() >= 2 && segments[0] == "apis") {
    group = segments[1];
    if (segments.size() == 2) {
      for (const std::string& known : registry_.Groups()) {
        if (known == group && !group.empty()) return JsonResponse(200, GroupDocument(all, group));
      }
      return StatusResponse(404, "NotFound", "the server could not find the requested resource");
    }
    version = segments[2];
    rest = 3;
  } else {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  const std::string group_version = group.empty() ? version : group + "/" + version;
  if (segments.size() == rest) {
    json::object list = ResourceListDocument(all, group_version);
    if (list.at("resources").as_array().empty()) {
      return StatusResponse(404, "NotFound", "the server could not find the requested resource");
    }
    return JsonResponse(200, list);
  }

  // Resource paths: [namespaces/<ns>/]<plural>[/<name>[/<subresource>]].
  std::string ns;
  size_t at = rest;
  if (segments.size() >= at + 3 && segments[at] == "namespaces") {
    std::shared_ptr<const ResourceInfo> inner = registry_.Find(group, version, segments[at + 2]);
    if (inner != nullptr && inner->type.namespaced) {
      ns = segments[at + 1];
      at += 2;
    }
  }
  std::shared_ptr<const ResourceInfo> info = registry_.Find(group, version, segments[at]);
  if (info == nullptr) {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  const ResourceType& type = info->type;
  const std::string name = segments.size() > at + 1 ? segments[at + 1] : "";
  const std::string sub = segments.size() > at + 2 ? segments[at + 2] : "";
  if (segments.size() > at + 3 ||
      (!sub.empty() && std::find(info->subresources.begin(), info->subresources.end(), sub) ==
                           info->subresources.end())) {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }

  absl::StatusOr<FieldValidation> validation = FieldValidationOf(request.method, query);
  if (!validation.ok()) return ErrorResponse(validation.status());
  absl::StatusOr<Persist> persist = WriteOptionsOf(request.method, query);
  if (!persist.ok()) return ErrorResponse(persist.status());
  ResourceCall call{request, query, info, ns, name, sub, version,
                    type.group == "apiextensions.k8s.io" && type.plural == "customresourcedefinitions",
                    // kubectl get asks for a Table: built-ins with a printer and custom
                    // resources with printer columns get one (HasTable).
                    absl::StrContains(request.accept, "as=Table") && HasTable(*info),
                    *validation};
  call.persist = *persist;
  return Route(call);
}

// Which handler answers (collection or object, subresource, method), and the
// 405 a real server words for the rest.
http::Response ApiServer::Route(ResourceCall& call) {
  struct Entry {
    bool collection;
    std::vector<std::string> subresources;  // "" is the object itself.
    const char* method;
    http::Response (ApiServer::*handler)(ResourceCall&);
  };
  static const auto* const kRoutes = new std::vector<Entry>{
      {true, {""}, "GET", &ApiServer::List},
      {true, {""}, "POST", &ApiServer::Create},
      {false, {"binding", "eviction"}, "POST", &ApiServer::BindOrEvict},
      {false, {"", "status", "scale"}, "GET", &ApiServer::Read},
      {false, {"", "status", "scale"}, "PUT", &ApiServer::Write},
      {false, {"", "status", "scale"}, "PATCH", &ApiServer::Write},
      {false, {""}, "DELETE", &ApiServer::Remove},
      {true, {""}, "DELETE", &ApiServer::RemoveCollection},
  };
  const bool collection = call.name.empty();
  const std::string& method = call.request.method;
  for (const Entry& route : *kRoutes) {
    if (route.collection == collection && method == route.method &&
        std::find(route.subresources.begin(), route.subresources.end(), call.sub) != route.subresources.end()) {
      return (this->*route.handler)(call);
    }
  }
  if (call.sub == "binding" || call.sub == "eviction") {
    return StatusResponse(405, "MethodNotAllowed", absl::StrCat(method, " is not allowed on ", call.sub));
  }
  if (!call.sub.empty() && call.sub != "status" && call.sub != "scale") {
    return StatusResponse(405, "MethodNotAllowed",
                          absl::StrCat("subresource ", call.sub, " of ", call.info->type.plural,
                                       " is not served yet by the embedded API server"));
  }
  return StatusResponse(405, "MethodNotAllowed", absl::StrCat(method, " is not allowed here"));
}

absl::Status ApiServer::ParseBody(const http::Request& request, json::value* out) {
  if (request.content_type.find("protobuf") != std::string::npos) {
    if (request.method != "POST" && request.method != "PUT") {
      return absl::UnimplementedError(
          absl::StrCat("a protobuf body is accepted on create and replace, not on ", request.method));
    }
    absl::StatusOr<json::object> decoded = DecodeKubernetesProtobuf(request.body);
    if (!decoded.ok()) return decoded.status();
    *out = *std::move(decoded);
    return absl::OkStatus();
  }
  boost::system::error_code ec;
  *out = json::parse(request.body, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("the request body is not valid JSON: ", ec.message()));
  const bool json_patch = request.method == "PATCH" && absl::StrContains(request.content_type, "json-patch");
  if (json_patch ? !out->is_array() : !out->is_object()) {
    return absl::InvalidArgumentError(json_patch ? "a JSON patch body must be an array of operations"
                                                 : "the request body must be a JSON object");
  }
  return absl::OkStatus();
}

absl::Status ApiServer::NamespaceExists(const ResourceCall& call) {
  if (!call.info->type.namespaced || call.ns.empty()) return absl::OkStatus();
  return store_.Get(BuiltinResources()[0].type, "", call.ns).status();
}

// GET ?watch=1 on a collection: a stream of events after resourceVersion.
http::Response ApiServer::Watch(const ResourceCall& call, const kube::LabelSelector& labels,
                                const FieldSelector& fields) {
  auto param = [&call](const char* key) {
    auto it = call.query.find(key);
    return it == call.query.end() ? std::string() : it->second;
  };
  WatchStream::Params params;
  params.info = *call.info;
  params.ns = call.ns;
  params.labels = labels;
  params.fields = fields;
  const std::string version = param("resourceVersion");
  if (!version.empty() && version != "0") {
    uint64_t after = 0;
    if (!absl::SimpleAtoi(version, &after)) {
      return StatusResponse(400, "BadRequest", absl::StrCat("resourceVersion '", version, "' is not a number"));
    }
    params.after = after;
  }
  params.bookmarks = param("allowWatchBookmarks") == "true";
  if (int64_t seconds = 0; absl::SimpleAtoi(param("timeoutSeconds"), &seconds) && seconds > 0) {
    params.deadline = absl::Now() + absl::Seconds(seconds);
  }
  http::Response response;
  const std::string& agent = call.request.user_agent;
  response.stream = std::make_shared<WatchStream>(store_, active_watches_, watch_generation_,
                                                  watch_deliveries_.Of(agent.substr(0, agent.find('/'))),
                                                  std::move(params));
  return response;
}

// GET on a collection: a list (label and field selectors, pages), a Table, or a watch.
http::Response ApiServer::List(ResourceCall& call) {
  const std::map<std::string, std::string>& query = call.query;
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const bool wants_table = call.wants_table;
  absl::StatusOr<kube::LabelSelector> labels = kube::LabelSelector::Parse(
      query.count("labelSelector") ? query.at("labelSelector") : "");
  if (!labels.ok()) return BadRequest(labels.status());
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(query.count("fieldSelector") ? query.at("fieldSelector") : "");
  if (!fields.ok()) return BadRequest(fields.status());
  if (absl::Status s = fields->ConvertFieldLabels(call.info->strategy->SupportedFieldLabels()); !s.ok()) return BadRequest(s);
  auto param = [&query](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  const std::string watch = param("watch");
  if (!watch.empty() && watch != "false" && watch != "0") return Watch(call, *labels, *fields);
  // Pagination: every page of a list comes from the first page's state.
  int64_t limit = 0;
  if (!param("limit").empty() && (!absl::SimpleAtoi(param("limit"), &limit) || limit < 0)) {
    return StatusResponse(400, "BadRequest", absl::StrCat("limit '", param("limit"), "' is not a count"));
  }
  const std::string query_key = absl::StrCat(info->GroupVersion(), "/", type.plural, "\n", ns, "\n",
                                             param("labelSelector"), "\n", param("fieldSelector"));
  ListPage page;
  if (param("continue").empty()) {
    ObjectStore::ListResult list = store_.List(type, ns, *labels, *fields);
    page = pager_.First(query_key, std::move(list.items), list.resource_version, limit, clock_.Now());
  } else {
    const std::string version = param("resourceVersion");
    if (!version.empty() && version != "0") {
      return StatusResponse(400, "BadRequest", "specifying resource version is not allowed when using continue");
    }
    page = pager_.Next(query_key, param("continue"), limit, clock_.Now(), [&] {
      ObjectStore::ListResult list = store_.List(type, ns, *labels, *fields);
      return std::make_pair(std::move(list.items), list.resource_version);
    });
  }
  if (page.code != 200) {
    json::object extra;
    if (!page.continue_token.empty()) extra["metadata"] = json::object{{"continue", page.continue_token}};
    return StatusResponse(page.code, page.reason, page.message, std::move(extra));
  }
  json::array items;
  for (json::object& item : page.items) items.push_back(std::move(item));
  json::object list_meta{{"resourceVersion", std::to_string(page.resource_version)}};
  if (!page.continue_token.empty()) {
    list_meta["continue"] = page.continue_token;
    list_meta["remainingItemCount"] = page.remaining_items;
  }
  if (wants_table) {
    std::vector<json::object> objects;
    for (json::value& item : items) objects.push_back(std::move(item.as_object()));
    json::object table = TableOf(*info, objects, std::to_string(page.resource_version), clock_.Now());
    if (list_meta.contains("continue")) table["metadata"].as_object()["continue"] = list_meta["continue"];
    return JsonResponse(200, table);
  }
  return JsonResponse(200, json::object{{"kind", type.kind + "List"},
                                        {"apiVersion", info->GroupVersion()},
                                        {"metadata", list_meta},
                                        {"items", items}});
}

// POST on a collection: admission (webhooks, schema), then the store.
http::Response ApiServer::Create(ResourceCall& call) {
  const ResourceType& type = call.info->type;
  if (type.namespaced && call.ns.empty()) {
    return StatusResponse(405, "MethodNotAllowed",
                          absl::StrCat("create ", type.plural, " under /namespaces/<namespace>/"));
  }
  json::value body;
  if (absl::Status s = ParseBody(call.request, &body); !s.ok()) return BadRequest(s);
  return CreateObject(call, std::move(body.get_object()), /*applied=*/false);
}

// The fieldManager and the rest of a write's context for managedFields.
// Without one, the manager is named as kube-apiserver names it: the User-Agent
// up to its first "/" ("kubectl"), else "unknown".
WriteContext ApiServer::ContextOf(const ResourceCall& call) {
  auto manager = call.query.find("fieldManager");
  std::string name = manager == call.query.end() ? "" : manager->second;
  if (name.empty()) name = call.request.user_agent.substr(0, call.request.user_agent.find('/'));
  if (name.empty()) name = "unknown";
  return WriteContext{name, call.info->GroupVersion(), call.sub, clock_.Now()};
}

// Creates `object` (from a POST, or an apply of an object that did not
// exist): typed decoding, defaults, webhooks, admission, the store.
http::Response ApiServer::CreateObject(ResourceCall& call, json::object object, bool applied) {
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const bool is_crd = call.is_crd;
  if (const json::value* kind = object.if_contains("kind");
      kind != nullptr && kind->is_string() && kind->get_string() != type.kind) {
    return StatusResponse(400, "BadRequest",
                          absl::StrCat("the body is a ", std::string(kind->get_string()),
                                       ", not a ", type.kind));
  }
  if (const json::value* meta = object.if_contains("metadata"); meta != nullptr && meta->is_object()) {
    const json::value* body_ns = meta->get_object().if_contains("namespace");
    if (type.namespaced && body_ns != nullptr && body_ns->is_string() &&
        !body_ns->get_string().empty() && body_ns->get_string() != ns) {
      return StatusResponse(400, "BadRequest",
                            "the namespace of the provided object does not match the "
                            "namespace sent on the request");
    }
  }
  if (absl::Status s = NamespaceExists(call); !s.ok()) return ErrorResponse(s);
  if (NamespaceTerminating(ns)) {
    const json::value* meta = object.if_contains("metadata");
    const json::value* object_name = meta != nullptr && meta->is_object() ? meta->get_object().if_contains("name") : nullptr;
    return StatusResponse(403, "Forbidden",
                          absl::StrCat(type.plural, " \"",
                                       object_name != nullptr && object_name->is_string()
                                           ? std::string(object_name->get_string())
                                           : std::string(),
                                       "\" is forbidden: unable to create new content in namespace ", ns,
                                       " because it is being terminated"));
  }
  // The object lives in the request's namespace from here on (rest.BeforeCreate).
  if (type.namespaced) {
    json::value& meta = object["metadata"];
    if (meta.is_object()) meta.get_object()["namespace"] = ns;
  }
  // As kube-apiserver: typed decoding and defaults, then mutating admission.
  if (!info->custom) {
    if (absl::Status s = DecodeBuiltin(*info, object); !s.ok()) return ErrorResponse(s);
  }
  if (!applied) RecordUpdate(json::object(), object, ContextOf(call));
  if (!info->custom) {
    info->strategy->Default(object);
    info->strategy->PrepareForCreate(object);
  }
  if (absl::Status s = CallMutatingWebhooks(type, ns, call.persist, object, &call.warnings); !s.ok()) {
    return ErrorResponse(s);
  }
  if (absl::Status s = Admit(*info, call.field_validation, object, call.warnings); !s.ok()) {
    return ErrorResponse(s);
  }
  absl::StatusOr<json::object> created = store_.Create(type, ns, std::move(object), call.persist);
  if (!created.ok()) return ErrorResponse(created.status());
  if (is_crd && call.persist == Persist::kYes) RefreshCustomResources();
  return WithWarnings(JsonResponse(201, *created), call.warnings);
}

// POST pods/<name>/binding or eviction.
// An eviction deletes the pod unless its PodDisruptionBudget allows no
// disruption now (429, as the eviction REST handler answers). One at a time,
// so two evictions cannot both spend the budget's last disruption.
http::Response ApiServer::Evict(const ResourceType& type, const std::string& ns, const std::string& name,
                                const std::string& uid_precondition) {
  absl::MutexLock lock(&eviction_mu_);
  absl::StatusOr<json::object> pod = store_.Get(type, ns, name);
  if (!pod.ok()) return ErrorResponse(pod.status());
  const json::object* meta = json_fields::ObjectAt(*pod, {"metadata"});
  if (const std::string uid = meta != nullptr ? json_fields::String(*meta, "uid") : "";
      !uid_precondition.empty() && uid != uid_precondition) {
    // As kube's eviction handler: the precondition goes to the delete.
    return StatusResponse(409, "Conflict",
                          absl::StrCat("Operation cannot be fulfilled on Pod \"", name,
                                       "\": Precondition failed: UID in precondition: ", uid_precondition,
                                       ", UID in object meta: ", uid));
  }
  const ResourceInfo* budgets_info = FindResource("policy", "v1", "poddisruptionbudgets");
  ObjectStore::ListResult budgets = store_.List(budgets_info->type, ns, {}, {});
  ObjectStore::ListResult pods = budgets.items.empty() ? ObjectStore::ListResult{{}, 0}
                                                       : store_.List(type, ns, {}, {});
  const EvictionVerdict verdict = DecideEviction(*pod, budgets.items, pods.items);
  if (verdict.code != 201) {
    if (verdict.cause.empty()) return StatusResponse(verdict.code, verdict.reason, verdict.message);
    http::Response refused = StatusResponse(
        verdict.code, verdict.reason, verdict.message,
        json::object{{"details", json::object{{"causes", json::array{json::object{{"reason", "DisruptionBudget"},
                                                                                   {"message", verdict.cause}}}},
                                              {"retryAfterSeconds", 10}}}});
    refused.headers.emplace_back("Retry-After", "10");
    return refused;
  }
  absl::StatusOr<json::object> evicted = store_.Delete(type, ns, name);
  if (!evicted.ok()) return ErrorResponse(evicted.status());
  return JsonResponse(201, json::object{{"kind", "Status"}, {"apiVersion", "v1"},
                                        {"metadata", json::object()}, {"status", "Success"},
                                        {"code", 201}});
}

http::Response ApiServer::BindOrEvict(ResourceCall& call) {
  http::Request& request = call.request;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const std::string& sub = call.sub;
  const std::string& method = call.request.method;
  if (method != "POST") {
    return StatusResponse(405, "MethodNotAllowed", absl::StrCat(method, " is not allowed on ", sub));
  }
  json::value body;
  if (absl::Status s = ParseBody(request, &body); !s.ok()) return BadRequest(s);
  if (sub == "eviction") {
    const json::object* preconditions =
        body.is_object() ? json_fields::ObjectAt(body.get_object(), {"deleteOptions", "preconditions"}) : nullptr;
    return Evict(type, ns, name, preconditions != nullptr ? json_fields::String(*preconditions, "uid") : "");
  }
  const json::value* target = body.get_object().if_contains("target");
  const json::value* node = target != nullptr && target->is_object() ? target->get_object().if_contains("name") : nullptr;
  if (node == nullptr || !node->is_string() || node->get_string().empty()) {
    return StatusResponse(422, "Invalid", "Binding: target.name: Required value");
  }
  const std::string node_name(node->get_string());
  absl::StatusOr<json::object> bound = store_.Modify(type, ns, name, [&](json::object& pod) {
    json::value& spec = pod["spec"];
    if (!spec.is_object()) spec = json::object();
    const json::value* current = spec.get_object().if_contains("nodeName");
    if (current != nullptr && current->is_string() && !current->get_string().empty()) {
      return absl::AbortedError(absl::StrCat("Operation cannot be fulfilled on pods/binding \"", name,
                                             "\": pod ", name, " is already assigned to node \"",
                                             std::string(current->get_string()), "\""));
    }
    spec.get_object()["nodeName"] = node_name;
    json::value& status = pod["status"];
    if (!status.is_object()) status = json::object();
    json::array conditions;
    if (const json::value* old = status.get_object().if_contains("conditions"); old != nullptr && old->is_array()) {
      for (const json::value& c : old->get_array()) {
        if (!c.is_object() || c.get_object().if_contains("type") == nullptr ||
            c.get_object().at("type") != "PodScheduled") {
          conditions.push_back(c);
        }
      }
    }
    conditions.push_back(json::object{{"type", "PodScheduled"}, {"status", "True"},
                                      {"lastTransitionTime", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone())}});
    status.get_object()["conditions"] = std::move(conditions);
    return absl::OkStatus();
  });
  if (!bound.ok()) return ErrorResponse(bound.status());
  return JsonResponse(201, json::object{{"kind", "Status"}, {"apiVersion", "v1"},
                                        {"metadata", json::object()}, {"status", "Success"},
                                        {"code", 201}});
}

// GET an object (or its status or scale; a Table when kubectl asks).
http::Response ApiServer::Read(ResourceCall& call) {
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const std::string& sub = call.sub;
  const bool wants_table = call.wants_table;
  absl::StatusOr<json::object> object = store_.Get(type, ns, name);
  if (!object.ok()) return ErrorResponse(object.status());
  if (wants_table && sub.empty()) {
    const std::string version(object->at("metadata").at("resourceVersion").as_string());
    return JsonResponse(200, TableOf(*info, {*object}, version, clock_.Now()));
  }
  return JsonResponse(200, sub == "scale" ? ScaleOf(*object, *info) : *object);
}

// PATCH with application/apply-patch+yaml: server-side apply of the body
// (JSON, as kubectl sends it) for `fieldManager`; creates the object when it
// does not exist. Conflicts with other managers' fields are 409 unless
// force=true.
http::Response ApiServer::Apply(ResourceCall& call) {
  if (!call.sub.empty()) {
    return StatusResponse(415, "UnsupportedMediaType",
                          absl::StrCat("server-side apply of the ", call.sub,
                                       " subresource is not served by the embedded API server"));
  }
  auto manager = call.query.find("fieldManager");
  if (manager == call.query.end() || manager->second.empty()) {
    return StatusResponse(400, "BadRequest", "PATCH: fieldManager is required for apply requests");
  }
  json::value body;
  if (absl::Status s = ParseBody(call.request, &body); !s.ok()) return BadRequest(s);
  const bool force = call.query.count("force") && call.query.at("force") == "true";
  const WriteContext context = ContextOf(call);
  absl::StatusOr<json::object> live = store_.Get(call.info->type, call.ns, call.name);
  if (absl::IsNotFound(live.status())) {
    absl::StatusOr<json::object> created = ServerSideApply(json::object(), body.get_object(), force, context);
    if (!created.ok()) return ErrorResponse(created.status());
    json::value& meta = (*created)["metadata"];
    if (!meta.is_object()) meta = json::object();
    meta.get_object()["name"] = call.name;
    return CreateObject(call, *std::move(created), /*applied=*/true);
  }
  if (!live.ok()) return ErrorResponse(live.status());
  const ResourceInfo& info = *call.info;
  absl::StatusOr<json::object> written = store_.Modify(info.type, call.ns, call.name, [&](json::object& object) {
    const json::object before = object;
    SPILLWAY_ASSIGN_OR_RETURN(object, ServerSideApply(object, body.get_object(), force, context));
    if (!info.custom) {
      SPILLWAY_RETURN_IF_ERROR(DecodeBuiltin(info, object));
      info.strategy->Default(object);
      info.strategy->PrepareForUpdate(object);
    }
    std::vector<std::string> problems;
    info.strategy->ValidateUpdate(before, object, problems);
    if (!problems.empty()) return Invalid(info, call.name, problems);
    return Admit(info, call.field_validation, object, call.warnings, &before);
  }, call.persist);
  if (!written.ok()) return ErrorResponse(written.status());
  if (call.is_crd && call.persist == Persist::kYes) RefreshCustomResources();
  return WithWarnings(JsonResponse(200, *written), call.warnings);
}

// PUT or PATCH an object (or its status or scale): one atomic read-modify-write.
http::Response ApiServer::Write(ResourceCall& call) {
  http::Request& request = call.request;
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const std::string& sub = call.sub;
  const std::string& method = call.request.method;
  const bool is_crd = call.is_crd;
  if (method == "PATCH" && absl::StrContains(request.content_type, "apply-patch")) return Apply(call);
  absl::StatusOr<WriteKind> kind = WriteKindOf(method, request.content_type);
  if (!kind.ok()) return BadRequest(kind.status());
  if (info->custom && *kind == WriteKind::kStrategicMergePatch) {
    return StatusResponse(415, "UnsupportedMediaType",
                          "strategic merge patch is not supported for custom resources; use "
                          "--type=merge or --type=json");
  }
  json::value body;
  if (absl::Status s = ParseBody(request, &body); !s.ok()) return BadRequest(s);
  const WriteContext context = ContextOf(call);
  // One atomic read-modify-write in the store: no lost updates, no retries.
  absl::StatusOr<json::object> written =
      store_.Modify(type, ns, name, [&](json::object& object) {
        const json::object before = object;
        SPILLWAY_RETURN_IF_ERROR(ApplyWrite(sub, *kind, *info, body, object));
        // As at creation: a replaced or patched built-in is decoded and
        // defaulted again.
        if (!info->custom) {
          SPILLWAY_RETURN_IF_ERROR(DecodeBuiltin(*info, object));
          info->strategy->Default(object);
          info->strategy->PrepareForUpdate(object);
        }
        RecordUpdate(before, object, context);
        std::vector<std::string> problems;
        info->strategy->ValidateUpdate(before, object, problems);
        if (!problems.empty()) return Invalid(*info, name, problems);
        return Admit(*info, call.field_validation, object, call.warnings, &before);
      },
      call.persist);
  if (!written.ok()) return ErrorResponse(written.status());
  if (call.persist == Persist::kDryRun) {
    return WithWarnings(JsonResponse(200, sub == "scale" ? ScaleOf(*written, *info) : *written), call.warnings);
  }
  if (is_crd) RefreshCustomResources();
  FinishNamespaceIfEmpty(ns);
  return WithWarnings(JsonResponse(200, sub == "scale" ? ScaleOf(*written, *info) : *written), call.warnings);
}

// DELETE an object, with propagationPolicy (Orphan, Background; Foreground runs as Background).
http::Response ApiServer::Remove(ResourceCall& call) {
  http::Request& request = call.request;
  const std::map<std::string, std::string>& query = call.query;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const bool is_crd = call.is_crd;
  // propagationPolicy from the query or a DeleteOptions body (kubectl
  // delete --cascade=orphan sends the body); Foreground runs as Background.
  std::string policy = query.count("propagationPolicy") ? query.at("propagationPolicy") : "";
  std::string uid_precondition;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    json::value options = json::parse(request.body, ec);
    if (ec || !options.is_object()) {
      return StatusResponse(400, "BadRequest", "the DeleteOptions body is not a JSON object");
    }
    if (const json::value* p = options.get_object().if_contains("propagationPolicy");
        p != nullptr && p->is_string()) {
      policy = std::string(p->get_string());
    } else if (const json::value* orphan = options.get_object().if_contains("orphanDependents");
               orphan != nullptr && orphan->is_bool() && orphan->get_bool()) {
      policy = "Orphan";
    }
    if (const json::object* preconditions = json_fields::ObjectAt(options.get_object(), {"preconditions"})) {
      uid_precondition = json_fields::String(*preconditions, "uid");
    }
    // kubectl delete --dry-run=server says it in the body.
    if (const json::value* dry = options.get_object().if_contains("dryRun"); dry != nullptr && dry->is_array()) {
      for (const json::value& value : dry->get_array()) {
        if (value != "All") return StatusResponse(400, "BadRequest", DryRunRefusal(value.is_string() ? std::string(value.get_string()) : json::serialize(value)));
        call.persist = Persist::kDryRun;
      }
    }
  }
  if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground") {
    return StatusResponse(400, "BadRequest",
                          absl::StrCat("propagationPolicy \"", policy,
                                       "\" is not Orphan, Background or Foreground"));
  }
  if (type.plural == "namespaces" && type.group.empty()) {
    if (call.persist == Persist::kYes) return TerminateNamespace(name);
    absl::StatusOr<json::object> space = store_.Get(type, ns, name);
    if (!space.ok()) return ErrorResponse(space.status());
    json::value& status = (*space)["status"];
    if (!status.is_object()) status = json::object();
    status.get_object()["phase"] = "Terminating";  // What a deletion would answer.
    return JsonResponse(200, *space);
  }
  if (!uid_precondition.empty()) {
    // DeleteOptions.preconditions.uid: a controller deleting "this" pod must
    // not delete a replacement of the same name (a StatefulSet's).
    absl::StatusOr<json::object> current = store_.Get(type, ns, name);
    if (!current.ok()) return ErrorResponse(current.status());
    const json::object* meta = json_fields::ObjectAt(*current, {"metadata"});
    const std::string uid = meta != nullptr ? json_fields::String(*meta, "uid") : "";
    if (uid != uid_precondition) {
      return StatusResponse(409, "Conflict",
                            absl::StrCat("Precondition failed: UID in precondition: ", uid_precondition,
                                         ", UID in object meta: ", uid));
    }
  }
  absl::StatusOr<json::object> deleted = store_.Delete(type, ns, name, policy == "Orphan", call.persist);
  if (!deleted.ok()) return ErrorResponse(deleted.status());
  if (call.persist == Persist::kDryRun) return JsonResponse(200, *deleted);
  if (is_crd) RefreshCustomResources();
  FinishNamespaceIfEmpty(ns);
  return JsonResponse(200, *deleted);
}

bool ApiServer::NamespaceTerminating(const std::string& ns) {
  if (ns.empty()) return false;
  absl::StatusOr<json::object> space = store_.Get(BuiltinResources()[0].type, "", ns);
  if (!space.ok()) return false;
  const json::value* status = space->if_contains("status");
  const json::value* phase = status != nullptr && status->is_object() ? status->get_object().if_contains("phase") : nullptr;
  return phase != nullptr && phase->is_string() && phase->get_string() == "Terminating";
}

// Deleting a namespace, as kube-apiserver and its namespace controller do:
// it turns Terminating (no new content), everything in it is deleted
// (objects with finalizers stay until those are removed), and it goes once
// it is empty.
http::Response ApiServer::TerminateNamespace(const std::string& name) {
  const ResourceType& namespaces = BuiltinResources()[0].type;
  if (name == "default" || name == "kube-system" || name == "kube-public") {
    return StatusResponse(403, "Forbidden",
                          absl::StrCat("namespaces \"", name, "\" is forbidden: this namespace may not be deleted"));
  }
  absl::StatusOr<json::object> marked = store_.Modify(namespaces, "", name, [&](json::object& space) {
    json::value& status = space["status"];
    if (!status.is_object()) status = json::object();
    status.get_object()["phase"] = "Terminating";
    json::value& meta = space["metadata"];
    if (meta.is_object() && !meta.get_object().contains("deletionTimestamp")) {
      meta.get_object()["deletionTimestamp"] =
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone());
    }
    return absl::OkStatus();
  });
  if (!marked.ok()) return ErrorResponse(marked.status());
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.All()) {
    if (!info->type.namespaced) continue;
    for (const json::object& item : store_.List(info->type, name, kube::LabelSelector(), FieldSelector()).items) {
      (void)store_.Delete(info->type, name, std::string(item.at("metadata").at("name").as_string()), false);
    }
  }
  FinishNamespaceIfEmpty(name);
  absl::StatusOr<json::object> now = store_.Get(namespaces, "", name);
  return JsonResponse(200, now.ok() ? *now : *marked);
}

void ApiServer::FinishNamespaceIfEmpty(const std::string& ns) {
  if (!NamespaceTerminating(ns)) return;
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.All()) {
    if (info->type.namespaced && !store_.List(info->type, ns, kube::LabelSelector(), FieldSelector()).items.empty()) {
      return;
    }
  }
  (void)store_.Delete(BuiltinResources()[0].type, "", ns, false);
}

// DELETE on a collection (deletecollection): every object matching the label
// and field selectors, each as a single DELETE would.
http::Response ApiServer::RemoveCollection(ResourceCall& call) {
  const ResourceType& type = call.info->type;
  absl::StatusOr<kube::LabelSelector> labels =
      kube::LabelSelector::Parse(call.query.count("labelSelector") ? call.query.at("labelSelector") : "");
  if (!labels.ok()) return BadRequest(labels.status());
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(call.query.count("fieldSelector") ? call.query.at("fieldSelector") : "");
  if (!fields.ok()) return BadRequest(fields.status());
  if (absl::Status s = fields->ConvertFieldLabels(call.info->strategy->SupportedFieldLabels()); !s.ok()) return BadRequest(s);
  json::array deleted;
  for (const json::object& item : store_.List(type, call.ns, *labels, *fields).items) {
    const json::object& meta = item.at("metadata").as_object();
    const json::value* item_ns = meta.if_contains("namespace");
    absl::StatusOr<json::object> gone =
        store_.Delete(type, item_ns != nullptr && item_ns->is_string() ? std::string(item_ns->get_string()) : "",
                      std::string(meta.at("name").as_string()), /*orphan=*/false, call.persist);
    if (gone.ok()) deleted.push_back(*std::move(gone));
  }
  if (call.is_crd && call.persist == Persist::kYes) RefreshCustomResources();
  return JsonResponse(200, json::object{{"kind", type.kind + "List"},
                                        {"apiVersion", call.info->GroupVersion()},
                                        {"metadata", json::object{}},
                                        {"items", std::move(deleted)}});
}


}  // namespace spillway::sim
