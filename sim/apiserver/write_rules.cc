#include "sim/apiserver/write_rules.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "sim/apiserver/builtin_schema.h"
#include "sim/apiserver/builtin_types.h"
#include "sim/apiserver/patch.h"
#include "sim/apiserver/responses.h"
#include "sim/apiserver/validation.h"

namespace spillway::sim {

namespace json = boost::json;

absl::Status DecodeBuiltin(const ResourceInfo& info, json::object& object) {
  SPILLWAY_RETURN_IF_ERROR(CheckBuiltinTypes(info.type, object));
  SPILLWAY_RETURN_IF_ERROR(info.strategy->CheckDecodable(object));
  return CanonicalizeQuantities(info.type, object);
}

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

}  // namespace spillway::sim
