#include "sim/apiserver/resources.h"

#include <algorithm>

namespace spillway::sim {

const std::vector<ResourceInfo>& BuiltinResources() {
  static const auto* const kResources = new std::vector<ResourceInfo>{
      {{"", "v1", "Namespace", "namespaces", false}, "namespace", {"ns"}, {"status"}, "core"},
      {{"", "v1", "Node", "nodes", false}, "node", {"no"}, {"status"}, "core"},
      {{"", "v1", "Pod", "pods", true}, "pod", {"po"}, {"status", "binding", "eviction"}, "core"},
      {{"", "v1", "ConfigMap", "configmaps", true}, "configmap", {"cm"}, {}, "core"},
      {{"", "v1", "Event", "events", true}, "event", {"ev"}, {}, "core"},
      {{"", "v1", "Service", "services", true}, "service", {"svc"}, {"status"}, "core"},
      {{"apps", "v1", "Deployment", "deployments", true}, "deployment", {"deploy"},
       {"status", "scale"}, "apps"},
      {{"apps", "v1", "ReplicaSet", "replicasets", true}, "replicaset", {"rs"},
       {"status", "scale"}, "apps"},
      {{"apps", "v1", "StatefulSet", "statefulsets", true}, "statefulset", {"sts"},
       {"status", "scale"}, "apps"},
      {{"apps", "v1", "DaemonSet", "daemonsets", true}, "daemonset", {"ds"}, {"status"}, "apps"},
      {{"coordination.k8s.io", "v1", "Lease", "leases", true}, "lease", {}, {}, "coordination"},
      {{"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true},
       "horizontalpodautoscaler", {"hpa"}, {"status"}, "autoscaling"},
      {{"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        false},
       "customresourcedefinition", {"crd", "crds"}, {"status"}, "apiextensions"},
      {{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations", false},
       "mutatingwebhookconfiguration", {}, {}, "admissionregistration"},
  };
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

std::vector<std::string> Groups() {
  std::vector<std::string> groups;
  for (const ResourceInfo& info : BuiltinResources()) {
    if (std::find(groups.begin(), groups.end(), info.type.group) == groups.end()) {
      groups.push_back(info.type.group);
    }
  }
  return groups;
}

}  // namespace spillway::sim
