#include "sim/apiserver/builtin_openapi.h"

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "sim/apiserver/patch.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

struct Field {
  std::string type;  // A leaf code (s, i, b, n, t, o) or a model, "[]"/"{}" prefixed.
  std::string description;
};

struct Docs {
  std::map<std::string, std::map<std::string, Field>> models;
  std::map<std::string, std::string> roots;  // "apps/v1/Deployment" -> "V1Deployment".
};

constexpr const char* kDocLines[] = {
#include "sim/apiserver/builtin_docs_data.inc"
};

const Docs& TheDocs() {
  static const Docs* const kDocs = [] {
    auto* docs = new Docs;
    for (absl::string_view line : kDocLines) {
      if (absl::ConsumePrefix(&line, "@")) {
        const size_t space = line.find(' ');
        docs->roots[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
        continue;
      }
      const size_t model_end = line.find(' ');
      const size_t field_end = line.find(' ', model_end + 1);
      const size_t type_end = line.find(' ', field_end + 1);
      Field field{std::string(line.substr(field_end + 1, type_end - field_end - 1)),
                  type_end == absl::string_view::npos ? "" : std::string(line.substr(type_end + 1))};
      docs->models[std::string(line.substr(0, model_end))][std::string(
          line.substr(model_end + 1, field_end - model_end - 1))] = std::move(field);
    }
    return docs;
  }();
  return *kDocs;
}

// A model's component name as kube-apiserver's reads ("io.k8s.api.v1.PodSpec"
// for V1PodSpec, "io.k8s.api.corev1.Event" for CoreV1Event): kubectl prints
// what follows the last dot as the type; the segment before keeps models of
// different packages apart.
std::string ComponentName(const std::string& model) {
  auto digits = [&model](size_t at) {
    while (at < model.size() && absl::ascii_isdigit(static_cast<unsigned char>(model[at]))) ++at;
    return at;
  };
  for (size_t v = 0; v + 1 < model.size(); ++v) {
    if (model[v] != 'V' || !absl::ascii_isdigit(static_cast<unsigned char>(model[v + 1]))) continue;
    size_t end = digits(v + 1);
    for (const char* stage : {"alpha", "beta"}) {
      if (model.compare(end, strlen(stage), stage) == 0) end = digits(end + strlen(stage));
    }
    if (end < model.size() && absl::ascii_isupper(static_cast<unsigned char>(model[end]))) {
      return absl::StrCat("io.k8s.api.", absl::AsciiStrToLower(model.substr(0, end)), ".", model.substr(end));
    }
  }
  return "io.k8s.api." + model;
}

json::object Ref(const std::string& model) {
  return json::object{{"allOf", json::array{json::object{{"$ref", "#/components/schemas/" + ComponentName(model)}}}},
                      {"default", json::object()}};
}

json::object LeafSchema(const std::string& code) {
  if (code == "s") return json::object{{"type", "string"}};
  if (code == "i") return json::object{{"type", "integer"}};
  if (code == "b") return json::object{{"type", "boolean"}};
  if (code == "n") return json::object{{"type", "number"}};
  if (code == "t") return json::object{{"type", "string"}, {"format", "date-time"}};
  return json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
}

bool IsLeaf(const std::string& type) { return !type.empty() && absl::ascii_islower(type[0]); }

// The schema of a value of `type` (a leaf, a model, a list or map of them).
json::object ValueSchema(absl::string_view type) {
  if (absl::ConsumePrefix(&type, "[]")) return json::object{{"type", "array"}, {"items", ValueSchema(type)}};
  if (absl::ConsumePrefix(&type, "{}")) {
    return json::object{{"type", "object"}, {"additionalProperties", ValueSchema(type)}};
  }
  const std::string name(type);
  return IsLeaf(name) ? LeafSchema(name) : Ref(name);
}

// The model a field's type names, without list or map prefixes ("" for a leaf).
std::string ModelOf(absl::string_view type) {
  while (absl::ConsumePrefix(&type, "[]") || absl::ConsumePrefix(&type, "{}")) {
  }
  const std::string name(type);
  return IsLeaf(name) ? "" : name;
}

// Adds `model` (and what it reaches) to `schemas`; `go_type` is the same
// type in the patch table, for the patch extensions ("" when none matter).
void AddModel(const std::string& model, const std::string& go_type, json::object& schemas) {
  const std::string name = ComponentName(model);
  if (schemas.contains(name)) return;
  schemas[name] = json::object();  // Claimed first: models refer to each other.
  json::object properties;
  std::vector<std::pair<std::string, std::string>> children;
  auto it = TheDocs().models.find(model);
  if (it != TheDocs().models.end()) {
    for (const auto& [field_name, field] : it->second) {
      json::object property = ValueSchema(field.type);
      if (!field.description.empty()) property["description"] = field.description;
      const DeclaredPatch patch = go_type.empty() ? DeclaredPatch{} : DeclaredPatchOf(go_type, field_name);
      if (!patch.strategy.empty()) property["x-kubernetes-patch-strategy"] = patch.strategy;
      if (!patch.merge_key.empty()) property["x-kubernetes-patch-merge-key"] = patch.merge_key;
      properties[field_name] = std::move(property);
      if (std::string child = ModelOf(field.type); !child.empty()) children.emplace_back(child, patch.type);
    }
  }
  schemas[name] = json::object{{"type", "object"}, {"properties", std::move(properties)}};
  for (const auto& [child, child_go_type] : children) AddModel(child, child_go_type, schemas);
}

}  // namespace

std::string AddBuiltinOpenApiSchemas(const ResourceType& type, json::object& schemas) {
  const std::string key = type.group.empty() ? absl::StrCat(type.version, "/", type.kind)
                                             : absl::StrCat(type.group, "/", type.version, "/", type.kind);
  auto root = TheDocs().roots.find(key);
  if (root == TheDocs().roots.end()) return "";
  std::string go_type(PatchRootType(type.group, type.version, type.kind));
  if (go_type == "Object") go_type.clear();
  AddModel(root->second, go_type, schemas);
  return ComponentName(root->second);
}

std::string BuiltinOpenApiFingerprint() {
  static const std::string* const kFingerprint = [] {
    uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits.
    for (absl::string_view line : kDocLines) {
      for (const char c : line) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
      hash = (hash ^ '\n') * 1099511628211ull;
    }
    return new std::string(absl::StrCat(absl::Hex(hash, absl::kZeroPad16)));
  }();
  return *kFingerprint;
}

}  // namespace spillway::sim
