#include "sim/apiserver/resources.h"

#include <algorithm>
#include <utility>

#include "sim/apiserver/kinds/kinds.h"

namespace spillway::sim {

namespace {

ResourceInfo Builtin(ResourceType type, std::string singular, std::vector<std::string> short_names,
                     std::vector<std::string> subresources, std::string schema_package,
                     const KindStrategy& strategy = DefaultStrategy()) {
  ResourceInfo info;
  info.strategy = &strategy;
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
      Builtin({"", "v1", "Namespace", "namespaces", false}, "namespace", {"ns"}, {"status"}, "core",
              kinds::NamespaceStrategy()),
      Builtin({"", "v1", "Node", "nodes", false}, "node", {"no"}, {"status"}, "core", kinds::NodeStrategy()),
      Builtin({"", "v1", "Pod", "pods", true}, "pod", {"po"}, {"status", "binding", "eviction"}, "core",
              kinds::PodStrategy()),
      Builtin({"", "v1", "ConfigMap", "configmaps", true}, "configmap", {"cm"}, {}, "core",
              kinds::ConfigMapStrategy()),
      Builtin({"", "v1", "Secret", "secrets", true}, "secret", {}, {}, "core", kinds::SecretStrategy()),
      Builtin({"", "v1", "Event", "events", true}, "event", {"ev"}, {}, "core", kinds::EventStrategy()),
      Builtin({"", "v1", "Service", "services", true}, "service", {"svc"}, {"status"}, "core",
              kinds::ServiceStrategy()),
      Builtin({"apps", "v1", "Deployment", "deployments", true}, "deployment", {"deploy"},
              {"status", "scale"}, "apps", kinds::DeploymentStrategy()),
      Builtin({"apps", "v1", "ReplicaSet", "replicasets", true}, "replicaset", {"rs"},
              {"status", "scale"}, "apps", kinds::ReplicaSetStrategy()),
      Builtin({"apps", "v1", "StatefulSet", "statefulsets", true}, "statefulset", {"sts"},
              {"status", "scale"}, "apps", kinds::StatefulSetStrategy()),
      Builtin({"apps", "v1", "DaemonSet", "daemonsets", true}, "daemonset", {"ds"}, {"status"}, "apps",
              kinds::DaemonSetStrategy()),
      Builtin({"coordination.k8s.io", "v1", "Lease", "leases", true}, "lease", {}, {}, "coordination"),
      Builtin({"", "v1", "ServiceAccount", "serviceaccounts", true}, "serviceaccount", {"sa"}, {}, "core"),
      Builtin({"batch", "v1", "Job", "jobs", true}, "job", {}, {"status"}, "batch", kinds::JobStrategy()),
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
      Builtin({"events.k8s.io", "v1", "Event", "events", true}, "event", {"ev"}, {}, "events",
              kinds::EventsV1EventStrategy()),
      Builtin({"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true},
       "horizontalpodautoscaler", {"hpa"}, {"status"}, "autoscaling"),
      // Served over v2's storage (hpa_v1.h); after v2, which stays preferred.
      Builtin({"autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true},
       "horizontalpodautoscaler", {"hpa"}, {"status"}, "autoscaling"),
      Builtin({"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        false},
       "customresourcedefinition", {"crd", "crds"}, {"status"}, "apiextensions",
       kinds::CustomResourceDefinitionStrategy()),
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
