#include "sim/apiserver/resources.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"

namespace spillway::sim {

namespace {

ResourceInfo Builtin(ResourceType type, std::string singular, std::vector<std::string> short_names,
                     std::vector<std::string> subresources, std::string schema_package) {
  ResourceInfo info;
  info.type = std::move(type);
  info.singular = std::move(singular);
  info.short_names = std::move(short_names);
  info.subresources = std::move(subresources);
  info.schema_package = std::move(schema_package);
  return info;
}

// The built-ins in the "all" category (what `kubectl get all` lists), as
// kube-apiserver's REST storage declares them (Categories() returns "all").
bool InCategoryAll(const ResourceType& type) {
  static const char* const kAll[][2] = {{"", "pods"},          {"", "services"},         {"apps", "deployments"},
                                        {"apps", "replicasets"}, {"apps", "statefulsets"}, {"apps", "daemonsets"},
                                        {"batch", "jobs"},       {"batch", "cronjobs"},
                                        {"autoscaling", "horizontalpodautoscalers"}};
  for (const auto& [group, plural] : kAll) {
    if (type.group == group && type.plural == plural) return true;
  }
  return false;
}

std::vector<ResourceInfo> WithCategories(std::vector<ResourceInfo> resources) {
  for (ResourceInfo& info : resources) {
    if (InCategoryAll(info.type)) info.categories = {"all"};
  }
  return resources;
}

}  // namespace

const std::vector<ResourceInfo>& BuiltinResources() {
  static const auto* const kResources = new std::vector<ResourceInfo>(WithCategories({
      Builtin({"", "v1", "Namespace", "namespaces", false}, "namespace", {"ns"}, {"status"}, "core"),
      Builtin({"", "v1", "Node", "nodes", false}, "node", {"no"}, {"status"}, "core"),
      Builtin({"", "v1", "Pod", "pods", true}, "pod", {"po"}, {"status", "binding", "eviction"}, "core"),
      Builtin({"", "v1", "ConfigMap", "configmaps", true}, "configmap", {"cm"}, {}, "core"),
      Builtin({"", "v1", "Secret", "secrets", true}, "secret", {}, {}, "core"),
      Builtin({"", "v1", "Event", "events", true}, "event", {"ev"}, {}, "core"),
      Builtin({"", "v1", "Service", "services", true}, "service", {"svc"}, {"status"}, "core"),
      Builtin({"apps", "v1", "Deployment", "deployments", true}, "deployment", {"deploy"},
              {"status", "scale"}, "apps"),
      Builtin({"apps", "v1", "ReplicaSet", "replicasets", true}, "replicaset", {"rs"},
              {"status", "scale"}, "apps"),
      Builtin({"apps", "v1", "StatefulSet", "statefulsets", true}, "statefulset", {"sts"},
              {"status", "scale"}, "apps"),
      Builtin({"apps", "v1", "DaemonSet", "daemonsets", true}, "daemonset", {"ds"}, {"status"}, "apps"),
      Builtin({"coordination.k8s.io", "v1", "Lease", "leases", true}, "lease", {}, {}, "coordination"),
      Builtin({"", "v1", "ServiceAccount", "serviceaccounts", true}, "serviceaccount", {"sa"}, {}, "core"),
      Builtin({"batch", "v1", "Job", "jobs", true}, "job", {}, {"status"}, "batch"),
      Builtin({"batch", "v1", "CronJob", "cronjobs", true}, "cronjob", {"cj"}, {"status"}, "batch"),
      Builtin({"policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true}, "poddisruptionbudget",
              {"pdb"}, {"status"}, "policy"),
      Builtin({"rbac.authorization.k8s.io", "v1", "Role", "roles", true}, "role", {}, {}, "rbac"),
      Builtin({"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true}, "rolebinding", {}, {},
              "rbac"),
      Builtin({"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false}, "clusterrole", {}, {},
              "rbac"),
      Builtin({"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false},
              "clusterrolebinding", {}, {}, "rbac"),
      Builtin({"events.k8s.io", "v1", "Event", "events", true}, "event", {"ev"}, {}, "events"),
      Builtin({"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true},
       "horizontalpodautoscaler", {"hpa"}, {"status"}, "autoscaling"),
      // Served over v2's storage (hpa_v1.h); after v2, which stays preferred.
      Builtin({"autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true},
       "horizontalpodautoscaler", {"hpa"}, {"status"}, "autoscaling"),
      Builtin({"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        false},
       "customresourcedefinition", {"crd", "crds"}, {"status"}, "apiextensions"),
      Builtin({"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations", false},
       "mutatingwebhookconfiguration", {}, {}, "admissionregistration"),
      // Where a Service's endpoints are: the API server calls a webhook's
      // clientConfig.service through them.
      Builtin({"discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true}, "endpointslice", {}, {},
              "discovery"),
      // The priority of the capacity-request placeholders (deploy/spillway.yaml).
      Builtin({"scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false}, "priorityclass", {"pc"}, {},
              "scheduling"),
  }));
  return *kResources;
}

const ResourceInfo* FindResource(const std::string& group, const std::string& version,
                                 const std::string& plural) {
  for (const ResourceInfo& info : BuiltinResources()) {
    if (info.type.group == group && info.type.version == version && info.type.plural == plural) {
      return &info;
    }
  }
  return nullptr;
}

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

}  // namespace

absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const json::object& crd) {
  auto invalid = [](const std::string& field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  const json::value* spec_value = crd.if_contains("spec");
  if (spec_value == nullptr || !spec_value->is_object()) return invalid("spec", "Required value");
  const json::object& spec = spec_value->get_object();
  const std::string group = json_fields::String(spec, "group");
  if (group.empty()) return invalid("spec.group", "Required value");
  const json::value* names_value = spec.if_contains("names");
  if (names_value == nullptr || !names_value->is_object()) return invalid("spec.names", "Required value");
  const json::object& names = names_value->get_object();
  const std::string plural = json_fields::String(names, "plural");
  const std::string kind = json_fields::String(names, "kind");
  if (plural.empty()) return invalid("spec.names.plural", "Required value");
  if (kind.empty()) return invalid("spec.names.kind", "Required value");
  const std::string scope = json_fields::String(spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster") {
    return invalid("spec.scope", absl::StrCat("Unsupported value: \"", scope,
                                              "\": supported values: \"Cluster\", \"Namespaced\""));
  }
  const json::object* metadata = crd.if_contains("metadata") != nullptr &&
                                         crd.at("metadata").is_object()
                                     ? &crd.at("metadata").get_object()
                                     : nullptr;
  const std::string expected_name = absl::StrCat(plural, ".", group);
  if (metadata == nullptr || json_fields::String(*metadata, "name") != expected_name) {
    return invalid("metadata.name", absl::StrCat("Invalid value: must be spec.names.plural+\".\"+spec.group (\"",
                                                 expected_name, "\")"));
  }
  const json::value* versions = spec.if_contains("versions");
  if (versions == nullptr || !versions->is_array() || versions->get_array().empty()) {
    return invalid("spec.versions", "Required value: must have at least one version");
  }
  std::vector<ResourceInfo> out;
  int storage = 0;
  for (size_t i = 0; i < versions->get_array().size(); ++i) {
    const json::value& version_value = versions->get_array()[i];
    const std::string field = absl::StrCat("spec.versions[", i, "]");
    if (!version_value.is_object()) return invalid(field, "must be an object");
    const json::object& version = version_value.get_object();
    const std::string name = json_fields::String(version, "name");
    if (name.empty()) return invalid(field + ".name", "Required value");
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
    if (const json::value* columns = version.if_contains("additionalPrinterColumns");
        columns != nullptr && columns->is_array()) {
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
          return invalid(field + ".additionalPrinterColumns", "name and jsonPath are required");
        }
        info.printer_columns.push_back(std::move(parsed));
      }
    }
    if (const json::value* subs = version.if_contains("subresources"); subs != nullptr && subs->is_object()) {
      if (subs->get_object().contains("status")) info.subresources.push_back("status");
      if (const json::value* scale = subs->get_object().if_contains("scale");
          scale != nullptr && scale->is_object()) {
        ScalePaths paths;
        paths.spec_replicas = json_fields::String(scale->get_object(), "specReplicasPath");
        paths.status_replicas = json_fields::String(scale->get_object(), "statusReplicasPath");
        paths.label_selector = json_fields::String(scale->get_object(), "labelSelectorPath");
        if (paths.spec_replicas.empty() || paths.status_replicas.empty()) {
          return invalid(field + ".subresources.scale",
                         "specReplicasPath and statusReplicasPath are required");
        }
        info.scale = paths;
        info.subresources.push_back("scale");
      }
    }
    out.push_back(std::move(info));
  }
  if (storage != 1) return invalid("spec.versions", "Invalid value: must have exactly one version marked as storage version");
  return out;
}

std::shared_ptr<const ResourceInfo> ResourceRegistry::Find(const std::string& group,
                                                           const std::string& version,
                                                           const std::string& plural) const {
  if (const ResourceInfo* builtin = FindResource(group, version, plural)) {
    // Built-ins live forever: a non-owning pointer.
    return std::shared_ptr<const ResourceInfo>(std::shared_ptr<const ResourceInfo>(), builtin);
  }
  absl::MutexLock lock(&mu_);
  for (const auto& info : custom_) {
    if (info->type.group == group && info->type.version == version && info->type.plural == plural) {
      return info;
    }
  }
  return nullptr;
}

std::vector<std::shared_ptr<const ResourceInfo>> ResourceRegistry::All() const {
  std::vector<std::shared_ptr<const ResourceInfo>> all;
  for (const ResourceInfo& info : BuiltinResources()) {
    all.push_back(std::shared_ptr<const ResourceInfo>(std::shared_ptr<const ResourceInfo>(), &info));
  }
  absl::MutexLock lock(&mu_);
  all.insert(all.end(), custom_.begin(), custom_.end());
  return all;
}

std::vector<std::string> ResourceRegistry::Groups() const {
  std::vector<std::string> groups;
  for (const auto& info : All()) {
    if (std::find(groups.begin(), groups.end(), info->type.group) == groups.end()) {
      groups.push_back(info->type.group);
    }
  }
  return groups;
}

void ResourceRegistry::SetCustomResources(std::vector<ResourceInfo> custom) {
  std::vector<std::shared_ptr<const ResourceInfo>> infos;
  for (ResourceInfo& info : custom) infos.push_back(std::make_shared<const ResourceInfo>(std::move(info)));
  absl::MutexLock lock(&mu_);
  custom_ = std::move(infos);
}

}  // namespace spillway::sim
