#include "sim/apiserver/builtin_schema.h"

#include <charconv>
#include <map>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "kube/quantity.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

constexpr const char* kSchemaLines[] = {
#include "sim/apiserver/builtin_schema_data.inc"
};

// How a field's value is shaped: a leaf (anything, not looked into), a
// model, a list of models or a map of models.
struct FieldShape {
  enum class Kind { kLeaf, kModel, kList, kMap } kind = Kind::kLeaf;
  std::string model;
};

using Model = std::map<std::string, FieldShape, std::less<>>;

struct Schema {
  std::map<std::string, Model, std::less<>> models;
  std::map<std::string, std::string, std::less<>> roots;  // "group/version/Kind" -> model.
};

FieldShape ShapeOf(absl::string_view notation) {
  if (notation.empty()) return {};
  if (absl::ConsumePrefix(&notation, "[]")) return {FieldShape::Kind::kList, std::string(notation)};
  if (absl::ConsumePrefix(&notation, "{}")) return {FieldShape::Kind::kMap, std::string(notation)};
  return {FieldShape::Kind::kModel, std::string(notation)};
}

const Schema& TheSchema() {
  static const Schema* const kSchema = [] {
    auto* schema = new Schema;
    for (absl::string_view line : kSchemaLines) {
      std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
      if (absl::ConsumePrefix(&words[0], "@")) {
        schema->roots[std::string(words[0])] = std::string(words[1]);
        continue;
      }
      Model& model = schema->models[std::string(words[0])];
      for (size_t i = 1; i < words.size(); ++i) {
        std::pair<absl::string_view, absl::string_view> field = absl::StrSplit(words[i], absl::MaxSplits('=', 1));
        model[std::string(field.first)] = ShapeOf(field.second);
      }
    }
    return schema;
  }();
  return *kSchema;
}

std::string RootKey(const ResourceType& type) {
  return type.group.empty() ? absl::StrCat(type.version, "/", type.kind)
                            : absl::StrCat(type.group, "/", type.version, "/", type.kind);
}

void Prune(const Schema& schema, const std::string& model_name, json::object& object, const std::string& path,
           std::vector<std::string>& unknown);

void PruneValue(const Schema& schema, const FieldShape& shape, json::value& value, const std::string& path,
                std::vector<std::string>& unknown) {
  switch (shape.kind) {
    case FieldShape::Kind::kLeaf:
      return;
    case FieldShape::Kind::kModel:
      if (value.is_object()) Prune(schema, shape.model, value.get_object(), path, unknown);
      return;
    case FieldShape::Kind::kList:
      if (!value.is_array()) return;
      for (size_t i = 0; i < value.get_array().size(); ++i) {
        json::value& element = value.get_array()[i];
        if (element.is_object()) {
          Prune(schema, shape.model, element.get_object(), absl::StrCat(path, "[", i, "]"), unknown);
        }
      }
      return;
    case FieldShape::Kind::kMap:
      if (!value.is_object()) return;
      for (auto& [key, element] : value.get_object()) {
        if (element.is_object()) {
          Prune(schema, shape.model, element.get_object(), absl::StrCat(path, ".", std::string(key)), unknown);
        }
      }
      return;
  }
}

void Prune(const Schema& schema, const std::string& model_name, json::object& object, const std::string& path,
           std::vector<std::string>& unknown) {
  auto model = schema.models.find(model_name);
  if (model == schema.models.end()) return;
  bool any_unknown = false;
  for (auto& [key, value] : object) {
    const std::string field_path = path.empty() ? std::string(key) : absl::StrCat(path, ".", std::string(key));
    auto field = model->second.find(key);
    if (field == model->second.end()) {
      unknown.push_back(field_path);
      any_unknown = true;
      continue;
    }
    PruneValue(schema, field->second, value, field_path, unknown);
  }
  if (!any_unknown) return;
  // Rebuilt rather than erased in place: boost::json's erase moves the last
  // member into the hole, and the object keeps its order.
  json::object kept(object.storage());
  for (auto& [key, value] : object) {
    if (model->second.count(key) > 0) kept.emplace(key, std::move(value));
  }
  object = std::move(kept);
}

// The leaf fields that hold resource quantities: a ResourceList (a map of
// them) or a single one.
struct QuantityField {
  absl::string_view model;
  absl::string_view field;
  bool list;  // A ResourceList.
};
constexpr QuantityField kQuantityFields[] = {
    {"V1ResourceRequirements", "limits", true},       {"V1ResourceRequirements", "requests", true},
    {"V1VolumeResourceRequirements", "limits", true}, {"V1VolumeResourceRequirements", "requests", true},
    {"V1PodSpec", "overhead", true},                  {"V1NodeStatus", "allocatable", true},
    {"V1NodeStatus", "capacity", true},               {"V1ResourceQuotaSpec", "hard", true},
    {"V1ResourceQuotaStatus", "hard", true},          {"V1ResourceQuotaStatus", "used", true},
    {"V1LimitRangeItem", "default", true},            {"V1LimitRangeItem", "defaultRequest", true},
    {"V1LimitRangeItem", "max", true},                {"V1LimitRangeItem", "maxLimitRequestRatio", true},
    {"V1LimitRangeItem", "min", true},                {"V1PersistentVolumeClaimStatus", "capacity", true},
    {"V1PersistentVolumeClaimStatus", "allocatedResources", true},
    {"V1PersistentVolumeSpec", "capacity", true},     {"V1ContainerStatus", "allocatedResources", true},
    {"V1EmptyDirVolumeSource", "sizeLimit", false},
};

const QuantityField* QuantityFieldOf(absl::string_view model, absl::string_view field) {
  for (const QuantityField& q : kQuantityFields) {
    if (q.model == model && q.field == field) return &q;
  }
  return nullptr;
}

// A JSON number as its text, as Go's decoder hands it to Quantity's
// UnmarshalJSON ("2", "0.5").
std::string NumberText(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), v.get_double());
  return error == std::errc() ? std::string(buffer, end) : std::string("NaN");
}

// One quantity (a string or a number) into its canonical string; values of
// other types are left for the type checks.
absl::Status CanonicalizeQuantity(json::value& v) {
  if (!v.is_string() && !v.is_number()) return absl::OkStatus();
  absl::StatusOr<std::string> canonical =
      kube::CanonicalQuantity(v.is_string() ? std::string(v.get_string()) : NumberText(v));
  if (!canonical.ok()) return canonical.status();
  v = json::string(*canonical);
  return absl::OkStatus();
}

absl::Status Canonicalize(const Schema& schema, const std::string& model_name, json::object& object, int depth);

absl::Status CanonicalizeValue(const Schema& schema, const FieldShape& shape, json::value& value, int depth) {
  switch (shape.kind) {
    case FieldShape::Kind::kLeaf:
      return absl::OkStatus();
    case FieldShape::Kind::kModel:
      return value.is_object() ? Canonicalize(schema, shape.model, value.get_object(), depth + 1) : absl::OkStatus();
    case FieldShape::Kind::kList:
      if (!value.is_array()) return absl::OkStatus();
      for (json::value& element : value.get_array()) {
        if (!element.is_object()) continue;
        if (absl::Status s = Canonicalize(schema, shape.model, element.get_object(), depth + 1); !s.ok()) return s;
      }
      return absl::OkStatus();
    case FieldShape::Kind::kMap:
      if (!value.is_object()) return absl::OkStatus();
      for (auto& entry : value.get_object()) {
        if (!entry.value().is_object()) continue;
        if (absl::Status s = Canonicalize(schema, shape.model, entry.value().get_object(), depth + 1); !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status Canonicalize(const Schema& schema, const std::string& model_name, json::object& object, int depth) {
  auto model = schema.models.find(model_name);
  if (model == schema.models.end() || depth > 32) return absl::OkStatus();
  for (auto& [key, value] : object) {
    if (const QuantityField* q = QuantityFieldOf(model_name, absl::string_view(key.data(), key.size()))) {
      if (!q->list) {
        if (absl::Status s = CanonicalizeQuantity(value); !s.ok()) return s;
      } else if (value.is_object()) {
        for (auto& entry : value.get_object()) {
          if (absl::Status s = CanonicalizeQuantity(entry.value()); !s.ok()) return s;
        }
      }
      continue;
    }
    auto field = model->second.find(key);
    if (field == model->second.end()) continue;
    if (absl::Status s = CanonicalizeValue(schema, field->second, value, depth); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CanonicalizeQuantities(const ResourceType& type, json::object& object) {
  const Schema& schema = TheSchema();
  auto root = schema.roots.find(RootKey(type));
  if (root == schema.roots.end()) return absl::OkStatus();
  absl::Status s = Canonicalize(schema, root->second, object, 0);
  if (s.ok()) return s;
  return absl::FailedPreconditionError(absl::StrCat(type.kind, " in version \"", type.version,
                                                    "\" cannot be handled as a ", type.kind, ": ", s.message()));
}

bool HasBuiltinSchema(const ResourceType& type) { return TheSchema().roots.count(RootKey(type)) > 0; }

std::vector<std::string> PruneUnknownBuiltinFields(const ResourceType& type, json::object& object) {
  std::vector<std::string> unknown;
  const Schema& schema = TheSchema();
  auto root = schema.roots.find(RootKey(type));
  if (root != schema.roots.end()) Prune(schema, root->second, object, "", unknown);
  return unknown;
}

}  // namespace spillway::sim
