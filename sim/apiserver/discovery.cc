#include "sim/apiserver/discovery.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/apiserver/builtin_openapi.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

std::string SchemaName(const ResourceInfo& info) {
  return absl::StrCat("io.k8s.api.", info.schema_package, ".", info.type.version, ".",
                      info.type.kind);
}

json::object Gvk(const ResourceInfo& info) {
  return json::object{
      {"group", info.type.group}, {"version", info.type.version}, {"kind", info.type.kind}};
}

// An OpenAPI v3 operation carrying what kubectl checks before it uses
// server-side field validation: the action, the GVK and a fieldValidation
// query parameter.
// A PATCH's request body lists the patch types the server takes, as
// kube-apiserver's does: kubectl's client-side apply computes a strategic
// merge patch from this document's schemas only where it is listed (built-ins,
// never custom resources).
json::object Operation(const ResourceInfo& info, const std::string& schema, const char* action, int success) {
  json::object schema_ref{{"$ref", "#/components/schemas/" + schema}};
  json::object content{{"application/json", json::object{{"schema", schema_ref}}}};
  json::object request = content;
  if (std::string_view(action) == "patch") {
    request = json::object{{"application/json-patch+json", json::object{{"schema", schema_ref}}},
                           {"application/merge-patch+json", json::object{{"schema", schema_ref}}},
                           {"application/apply-patch+yaml", json::object{{"schema", schema_ref}}}};
    if (!info.custom) request["application/strategic-merge-patch+json"] = json::object{{"schema", schema_ref}};
  }
  return json::object{
      {"x-kubernetes-action", action},
      {"x-kubernetes-group-version-kind", Gvk(info)},
      {"parameters",
       json::array{json::object{
           {"name", "fieldValidation"}, {"in", "query"}, {"schema", json::object{{"type", "string"}}}}}},
      {"requestBody", json::object{{"content", request}}},
      {"responses", json::object{{std::to_string(success),
                                  json::object{{"description", "OK"}, {"content", content}}}}}};
}

// Adds the schema of `info`'s kind (and what it reaches) to `schemas` and
// returns its name: a custom resource's CRD schema; a built-in's typed,
// described schemas (builtin_openapi.h), as kubectl explain and kubectl's
// client-side patches read them; for a kind without either, a permissive
// schema (kubectl then leaves validation to the server).
std::string AddSchemas(const ResourceInfo& info, json::object& schemas) {
  if (info.custom && info.schema.is_object()) {
    json::object schema = info.schema.get_object();
    schema["x-kubernetes-group-version-kind"] = json::array{Gvk(info)};
    schemas[SchemaName(info)] = std::move(schema);
    return SchemaName(info);
  }
  if (!info.custom) {
    if (const std::string root = AddBuiltinOpenApiSchemas(info.type, schemas); !root.empty()) {
      schemas[root].as_object()["x-kubernetes-group-version-kind"] = json::array{Gvk(info)};
      return root;
    }
  }
  schemas[SchemaName(info)] = json::object{
      {"type", "object"},
      {"x-kubernetes-group-version-kind", json::array{Gvk(info)}},
      {"x-kubernetes-preserve-unknown-fields", true},
      {"properties", json::object{{"apiVersion", json::object{{"type", "string"}}},
                                  {"kind", json::object{{"type", "string"}}},
                                  {"metadata", json::object{{"type", "object"},
                                                            {"x-kubernetes-preserve-unknown-fields", true}}}}}};
  return SchemaName(info);
}

}  // namespace

json::object ResourceListDocument(const Resources& all, const std::string& group_version) {
  json::array resources;
  for (const auto& entry : all) {
    const ResourceInfo& info = *entry;
    if (info.GroupVersion() != group_version) continue;
    json::array short_names;
    for (const std::string& name : info.short_names) short_names.push_back(json::value(name));
    resources.push_back(json::object{
        {"name", info.type.plural},
        {"singularName", info.singular},
        {"namespaced", info.type.namespaced},
        {"kind", info.type.kind},
        {"verbs", json::array{"create", "delete", "get", "list", "patch", "update", "watch"}},
        {"shortNames", short_names}});
    if (!info.categories.empty()) {
      json::array categories;
      for (const std::string& c : info.categories) categories.push_back(json::value(c));
      resources.back().as_object()["categories"] = categories;
    }
    for (const std::string& sub : info.subresources) {
      resources.push_back(json::object{{"name", info.type.plural + "/" + sub},
                                       {"singularName", ""},
                                       {"namespaced", info.type.namespaced},
                                       {"kind", sub == "scale" ? "Scale" : info.type.kind},
                                       {"verbs", json::array{"get", "patch", "update"}}});
    }
  }
  return json::object{{"kind", "APIResourceList"},
                      {"apiVersion", "v1"},
                      {"groupVersion", group_version},
                      {"resources", resources}};
}

json::object GroupDocument(const Resources& all, const std::string& group) {
  std::vector<std::string> versions;
  for (const auto& info : all) {
    if (info->type.group == group &&
        std::find(versions.begin(), versions.end(), info->type.version) == versions.end()) {
      versions.push_back(info->type.version);
    }
  }
  json::array listed;
  for (const std::string& version : versions) {
    listed.push_back(json::object{{"groupVersion", group + "/" + version}, {"version", version}});
  }
  json::value preferred = listed.empty() ? json::value(json::object()) : listed[0];
  return json::object{{"kind", "APIGroup"},
                      {"apiVersion", "v1"},
                      {"name", group},
                      {"versions", listed},
                      {"preferredVersion", preferred}};
}

json::object OpenApiDocument(const Resources& all, const std::string& group_version) {
  json::object paths;
  json::object schemas;
  for (const auto& entry : all) {
    const ResourceInfo& info = *entry;
    if (info.GroupVersion() != group_version) continue;
    const std::string base = info.type.group.empty()
                                 ? "/api/v1"
                                 : absl::StrCat("/apis/", info.GroupVersion());
    const std::string collection =
        info.type.namespaced ? absl::StrCat(base, "/namespaces/{namespace}/", info.type.plural)
                             : absl::StrCat(base, "/", info.type.plural);
    const std::string schema = AddSchemas(info, schemas);
    paths[collection] = json::object{{"post", Operation(info, schema, "post", 201)},
                                     {"get", Operation(info, schema, "list", 200)}};
    paths[collection + "/{name}"] = json::object{{"get", Operation(info, schema, "get", 200)},
                                                 {"put", Operation(info, schema, "put", 200)},
                                                 {"patch", Operation(info, schema, "patch", 200)},
                                                 {"delete", Operation(info, schema, "delete", 200)}};
  }
  return json::object{{"openapi", "3.0.0"},
                      {"info", json::object{{"title", "Kubernetes"}, {"version", kKubernetesVersion}}},
                      {"paths", paths},
                      {"components", json::object{{"schemas", schemas}}}};
}

}  // namespace spillway::sim
