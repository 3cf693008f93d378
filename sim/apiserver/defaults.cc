#include "sim/apiserver/defaults.h"

#include <string>

#include "absl/strings/match.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

json::object& ObjectField(json::object& parent, const char* key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

void Default(json::object& object, const char* key, json::value value) {
  if (!object.contains(key) || object.at(key).is_null()) object[key] = std::move(value);
}

// An image without a tag or tagged :latest is pulled Always, else IfNotPresent.
const char* PullPolicyFor(const json::value* image) {
  if (image == nullptr || !image->is_string()) return "IfNotPresent";
  std::string name(image->get_string());
  if (const size_t at = name.find('@'); at != std::string::npos) return "IfNotPresent";  // A digest.
  const size_t slash = name.rfind('/');
  const size_t colon = name.rfind(':');
  const bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  return !tagged || absl::EndsWith(name, ":latest") ? "Always" : "IfNotPresent";
}

void DefaultContainers(json::object& spec, const char* key) {
  json::value* containers = spec.if_contains(key);
  if (containers == nullptr || !containers->is_array()) return;
  for (json::value& container : containers->get_array()) {
    if (!container.is_object()) continue;
    json::object& c = container.get_object();
    Default(c, "imagePullPolicy", PullPolicyFor(c.if_contains("image")));
    Default(c, "terminationMessagePath", "/dev/termination-log");
    Default(c, "terminationMessagePolicy", "File");
  }
}

void DefaultPodSpec(json::object& spec) {
  Default(spec, "restartPolicy", "Always");
  Default(spec, "dnsPolicy", "ClusterFirst");
  Default(spec, "terminationGracePeriodSeconds", 30);
  Default(spec, "schedulerName", "default-scheduler");
  Default(spec, "securityContext", json::object());
  Default(spec, "enableServiceLinks", true);
  DefaultContainers(spec, "containers");
  DefaultContainers(spec, "initContainers");
}

void DefaultTemplate(json::object& spec) {
  json::object& pod_template = ObjectField(spec, "template");
  DefaultPodSpec(ObjectField(pod_template, "spec"));
}

}  // namespace

void ApplyDefaults(const ResourceType& type, json::object& object) {
  if (type.group.empty() && type.kind == "Pod") {
    DefaultPodSpec(ObjectField(object, "spec"));
  } else if (type.group.empty() && type.kind == "Service") {
    json::object& spec = ObjectField(object, "spec");
    Default(spec, "type", "ClusterIP");
    Default(spec, "sessionAffinity", "None");
    if (json::value* ports = spec.if_contains("ports"); ports != nullptr && ports->is_array()) {
      for (json::value& port : ports->get_array()) {
        if (!port.is_object()) continue;
        Default(port.get_object(), "protocol", "TCP");
        if (const json::value* number = port.get_object().if_contains("port")) {
          Default(port.get_object(), "targetPort", *number);
        }
      }
    }
  } else if (type.group.empty() && type.kind == "Namespace") {
    Default(ObjectField(object, "spec"), "finalizers", json::array{"kubernetes"});
    Default(ObjectField(object, "status"), "phase", "Active");
    // SetDefaults_Namespace: the name as the label kubernetes.io/metadata.name,
    // always (a user's other value is overwritten), so selectors can match a
    // namespace by name (deploy/'s webhook excludes kube-system by it).
    json::object& meta = ObjectField(object, "metadata");
    const json::value* name_value = meta.if_contains("name");
    const std::string name = name_value != nullptr && name_value->is_string() ? std::string(name_value->get_string())
                                                                            : std::string();
    if (!name.empty()) ObjectField(meta, "labels")["kubernetes.io/metadata.name"] = name;  // May move `meta`'s members.
  } else if (type.group == "apps" && type.kind == "Deployment") {
    json::object& spec = ObjectField(object, "spec");
    Default(spec, "replicas", 1);
    Default(spec, "revisionHistoryLimit", 10);
    Default(spec, "progressDeadlineSeconds", 600);
    json::object& strategy = ObjectField(spec, "strategy");
    Default(strategy, "type", "RollingUpdate");
    if (strategy.at("type") == "RollingUpdate") {
      json::object& rolling = ObjectField(strategy, "rollingUpdate");
      Default(rolling, "maxUnavailable", "25%");
      Default(rolling, "maxSurge", "25%");
    }
    DefaultTemplate(spec);
  } else if (type.group == "apps" && type.kind == "ReplicaSet") {
    json::object& spec = ObjectField(object, "spec");
    Default(spec, "replicas", 1);
    DefaultTemplate(spec);
  } else if (type.group == "apps" && type.kind == "StatefulSet") {
    json::object& spec = ObjectField(object, "spec");
    Default(spec, "replicas", 1);
    Default(spec, "podManagementPolicy", "OrderedReady");
    Default(spec, "revisionHistoryLimit", 10);
    json::object& strategy = ObjectField(spec, "updateStrategy");
    Default(strategy, "type", "RollingUpdate");
    if (strategy.at("type") == "RollingUpdate") Default(ObjectField(strategy, "rollingUpdate"), "partition", 0);
    DefaultTemplate(spec);
  } else if (type.group == "apps" && type.kind == "DaemonSet") {
    json::object& spec = ObjectField(object, "spec");
    Default(spec, "revisionHistoryLimit", 10);
    json::object& strategy = ObjectField(spec, "updateStrategy");
    Default(strategy, "type", "RollingUpdate");
    DefaultTemplate(spec);
  }
}

namespace {

// The QoS class of a pod spec (pkg/apis/core/helper/qos).
std::string QosClass(const json::object& spec) {
  bool any = false;
  bool guaranteed = true;
  for (const char* list : {"initContainers", "containers"}) {
    const json::value* containers = spec.if_contains(list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (const json::value& container : containers->get_array()) {
      const json::value* resources = container.is_object() ? container.get_object().if_contains("resources") : nullptr;
      const json::object* requests = nullptr;
      const json::object* limits = nullptr;
      if (resources != nullptr && resources->is_object()) {
        if (const json::value* r = resources->get_object().if_contains("requests"); r != nullptr && r->is_object()) {
          requests = &r->get_object();
        }
        if (const json::value* l = resources->get_object().if_contains("limits"); l != nullptr && l->is_object()) {
          limits = &l->get_object();
        }
      }
      any = any || (requests != nullptr && !requests->empty()) || (limits != nullptr && !limits->empty());
      for (const char* name : {"cpu", "memory"}) {
        const json::value* limit = limits == nullptr ? nullptr : limits->if_contains(name);
        const json::value* request = requests == nullptr ? nullptr : requests->if_contains(name);
        if (limit == nullptr || (request != nullptr && *request != *limit)) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

}  // namespace

void PrepareForCreate(const ResourceType& type, json::object& object) {
  if (type.kind != "Pod" || !type.group.empty()) return;
  const json::value* spec = object.if_contains("spec");
  object["status"] = json::object{
      {"phase", "Pending"},
      {"qosClass", QosClass(spec != nullptr && spec->is_object() ? spec->get_object() : json::object())}};
}

}  // namespace spillway::sim
