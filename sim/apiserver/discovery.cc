#include "sim/apiserver/discovery.h"

#include <string>

#include "absl/strings/str_cat.h"

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
json::object Operation(const ResourceInfo& info, const char* action, int success) {
  json::object schema_ref{{"$ref", "#/components/schemas/" + SchemaName(info)}};
  json::object content{{"application/json", json::object{{"schema", schema_ref}}}};
  return json::object{
      {"x-kubernetes-action", action},
      {"x-kubernetes-group-version-kind", Gvk(info)},
      {"parameters",
       json::array{json::object{
           {"name", "fieldValidation"}, {"in", "query"}, {"schema", json::object{{"type", "string"}}}}}},
      {"requestBody", json::object{{"content", content}}},
      {"responses", json::object{{std::to_string(success),
                                  json::object{{"description", "OK"}, {"content", content}}}}}};
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
    paths[collection] = json::object{{"post", Operation(info, "post", 201)},
                                     {"get", Operation(info, "list", 200)}};
    paths[collection + "/{name}"] = json::object{{"get", Operation(info, "get", 200)},
                                                 {"put", Operation(info, "put", 200)},
                                                 {"patch", Operation(info, "patch", 200)},
                                                 {"delete", Operation(info, "delete", 200)}};
    if (info.custom && info.schema.is_object()) {
      // A custom resource publishes its CRD's schema.
      json::object schema = info.schema.get_object();
      schema["x-kubernetes-group-version-kind"] = json::array{Gvk(info)};
      schemas[SchemaName(info)] = std::move(schema);
      continue;
    }
    // Permissive schemas for built-ins: kubectl validates on the server.
    schemas[SchemaName(info)] = json::object{
        {"type", "object"},
        {"x-kubernetes-group-version-kind", json::array{Gvk(info)}},
        {"x-kubernetes-preserve-unknown-fields", true},
        {"properties", json::object{{"apiVersion", json::object{{"type", "string"}}},
                                    {"kind", json::object{{"type", "string"}}},
                                    {"metadata", json::object{{"type", "object"},
                                                              {"x-kubernetes-preserve-unknown-fields", true}}}}}};
  }
  return json::object{{"openapi", "3.0.0"},
                      {"info", json::object{{"title", "Kubernetes"}, {"version", kKubernetesVersion}}},
                      {"paths", paths},
                      {"components", json::object{{"schemas", schemas}}}};
}

}  // namespace spillway::sim
