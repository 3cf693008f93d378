#include "sim/apiserver/builtin_schema.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

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

}  // namespace

bool HasBuiltinSchema(const ResourceType& type) { return TheSchema().roots.count(RootKey(type)) > 0; }

std::vector<std::string> PruneUnknownBuiltinFields(const ResourceType& type, json::object& object) {
  std::vector<std::string> unknown;
  const Schema& schema = TheSchema();
  auto root = schema.roots.find(RootKey(type));
  if (root != schema.roots.end()) Prune(schema, root->second, object, "", unknown);
  return unknown;
}

}  // namespace spillway::sim
