#include "sim/apiserver/crd.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "common/status_macros.h"

namespace spillway::sim {

namespace {

namespace json = boost::json;

std::vector<std::string> Strings(const json::object& object, const char* key) {
  std::vector<std::string> out;
  const json::value* v = object.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const json::value& item : v->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

absl::Status Invalid(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// A served version's additionalPrinterColumns into `info`.
absl::Status ReadPrinterColumns(const json::object& version, const std::string& field, ResourceInfo& info) {
  const json::value* columns = version.if_contains("additionalPrinterColumns");
  if (columns == nullptr || !columns->is_array()) return absl::OkStatus();
  for (const json::value& column : columns->get_array()) {
    if (!column.is_object()) continue;
    PrinterColumn parsed;
    parsed.name = json_fields::String(column.get_object(), "name");
    parsed.type = json_fields::String(column.get_object(), "type");
    parsed.json_path = json_fields::String(column.get_object(), "jsonPath");
    if (const json::value* p = column.get_object().if_contains("priority"); p != nullptr && p->is_int64()) {
      parsed.priority = p->get_int64();
    }
    if (parsed.name.empty() || parsed.json_path.empty()) {
      return Invalid(field + ".additionalPrinterColumns", "name and jsonPath are required");
    }
    info.printer_columns.push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

// A served version's status and scale subresources into `info`.
absl::Status ReadSubresources(const json::object& version, const std::string& field, ResourceInfo& info) {
  const json::value* subs = version.if_contains("subresources");
  if (subs == nullptr || !subs->is_object()) return absl::OkStatus();
  if (subs->get_object().contains("status")) info.subresources.push_back("status");
  const json::value* scale = subs->get_object().if_contains("scale");
  if (scale == nullptr || !scale->is_object()) return absl::OkStatus();
  ScalePaths paths;
  paths.spec_replicas = json_fields::String(scale->get_object(), "specReplicasPath");
  paths.status_replicas = json_fields::String(scale->get_object(), "statusReplicasPath");
  paths.label_selector = json_fields::String(scale->get_object(), "labelSelectorPath");
  if (paths.spec_replicas.empty() || paths.status_replicas.empty()) {
    return Invalid(field + ".subresources.scale", "specReplicasPath and statusReplicasPath are required");
  }
  info.scale = paths;
  info.subresources.push_back("scale");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const json::object& crd) {
  const json::value* spec_value = crd.if_contains("spec");
  if (spec_value == nullptr || !spec_value->is_object()) return Invalid("spec", "Required value");
  const json::object& spec = spec_value->get_object();
  const std::string group = json_fields::String(spec, "group");
  if (group.empty()) return Invalid("spec.group", "Required value");
  const json::value* names_value = spec.if_contains("names");
  if (names_value == nullptr || !names_value->is_object()) return Invalid("spec.names", "Required value");
  const json::object& names = names_value->get_object();
  const std::string plural = json_fields::String(names, "plural");
  const std::string kind = json_fields::String(names, "kind");
  if (plural.empty()) return Invalid("spec.names.plural", "Required value");
  if (kind.empty()) return Invalid("spec.names.kind", "Required value");
  const std::string scope = json_fields::String(spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster") {
    return Invalid("spec.scope", absl::StrCat("Unsupported value: \"", scope,
                                              "\": supported values: \"Cluster\", \"Namespaced\""));
  }
  const json::object* metadata = crd.if_contains("metadata") != nullptr &&
                                         crd.at("metadata").is_object()
                                     ? &crd.at("metadata").get_object()
                                     : nullptr;
  const std::string expected_name = absl::StrCat(plural, ".", group);
  if (metadata == nullptr || json_fields::String(*metadata, "name") != expected_name) {
    return Invalid("metadata.name", absl::StrCat("Invalid value: must be spec.names.plural+\".\"+spec.group (\"",
                                                 expected_name, "\")"));
  }
  const json::value* versions = spec.if_contains("versions");
  if (versions == nullptr || !versions->is_array() || versions->get_array().empty()) {
    return Invalid("spec.versions", "Required value: must have at least one version");
  }
  std::vector<ResourceInfo> out;
  int storage = 0;
  for (size_t i = 0; i < versions->get_array().size(); ++i) {
    const json::value& version_value = versions->get_array()[i];
    const std::string field = absl::StrCat("spec.versions[", i, "]");
    if (!version_value.is_object()) return Invalid(field, "must be an object");
    const json::object& version = version_value.get_object();
    const std::string name = json_fields::String(version, "name");
    if (name.empty()) return Invalid(field + ".name", "Required value");
    const json::value* storage_flag = version.if_contains("storage");
    if (storage_flag != nullptr && storage_flag->is_bool() && storage_flag->get_bool()) ++storage;
    const json::value* served = version.if_contains("served");
    if (served == nullptr || !served->is_bool() || !served->get_bool()) continue;
    ResourceInfo info;
    info.type = ResourceType{group, name, kind, plural, scope == "Namespaced"};
    info.singular = json_fields::String(names, "singular");
    if (info.singular.empty()) info.singular = absl::AsciiStrToLower(kind);
    info.short_names = Strings(names, "shortNames");
    info.categories = Strings(names, "categories");
    info.schema_package = group;
    info.custom = true;
    if (const json::value* schema = version.if_contains("schema"); schema != nullptr && schema->is_object()) {
      if (const json::value* v3 = schema->get_object().if_contains("openAPIV3Schema")) info.schema = *v3;
    }
    SPILLWAY_RETURN_IF_ERROR(ReadPrinterColumns(version, field, info));
    SPILLWAY_RETURN_IF_ERROR(ReadSubresources(version, field, info));
    out.push_back(std::move(info));
  }
  if (storage != 1) return Invalid("spec.versions", "Invalid value: must have exactly one version marked as storage version");
  return out;
}

}  // namespace spillway::sim
