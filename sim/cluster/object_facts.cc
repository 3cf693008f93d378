#include "sim/cluster/object_facts.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"

namespace spillway::sim {
namespace json = boost::json;

namespace {

std::string MetaString(const json::object& object, const char* key) {
  const json::object* meta = json_fields::ObjectAt(object, {"metadata"});
  return meta == nullptr ? std::string() : json_fields::String(*meta, key);
}

std::string MapEntry(const json::object& object, const char* map, const std::string& key) {
  const json::object* entries = json_fields::ObjectAt(object, {"metadata", map});
  return entries == nullptr ? std::string() : json_fields::String(*entries, key);
}

const json::object* ControllerRef(const json::object& object) {
  const json::value* refs = json_fields::At(object, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return nullptr;
  for (const json::value& ref : refs->get_array()) {
    const json::value* controller = json_fields::At(ref, {"controller"});
    if (ref.is_object() && controller != nullptr && controller->is_bool() && controller->get_bool()) {
      return &ref.get_object();
    }
  }
  return nullptr;
}

}  // namespace

std::string NameOf(const json::object& object) { return MetaString(object, "name"); }

std::string_view StringView(const json::object& object, std::initializer_list<std::string_view> keys) {
  const json::value* value = json_fields::At(object, keys);
  if (value == nullptr || !value->is_string()) return {};
  return std::string_view(value->get_string().data(), value->get_string().size());
}
std::string NamespaceOf(const json::object& object) { return MetaString(object, "namespace"); }
std::string UidOf(const json::object& object) { return MetaString(object, "uid"); }

std::string ControllerUid(const json::object& object) {
  const json::object* ref = ControllerRef(object);
  return ref == nullptr ? std::string() : json_fields::String(*ref, "uid");
}

std::pair<std::string, std::string> ControllerOf(const json::object& object) {
  const json::object* ref = ControllerRef(object);
  if (ref == nullptr) return {};
  return {json_fields::String(*ref, "kind"), json_fields::String(*ref, "name")};
}

bool Terminating(const json::object& object) { return !StringView(object, {"metadata", "deletionTimestamp"}).empty(); }

std::string Label(const json::object& object, const std::string& key) { return MapEntry(object, "labels", key); }

std::string Annotation(const json::object& object, const std::string& key) {
  return MapEntry(object, "annotations", key);
}

std::string KubeTime(absl::Time time) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone()); }

std::optional<absl::Time> ParseTime(const std::string& text) {
  absl::Time time;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return std::nullopt;
  return time;
}

const json::object* Condition(const json::object& object, const std::string& type) {
  const json::value* conditions = json_fields::At(object, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const json::value& condition : conditions->get_array()) {
    if (condition.is_object() && json_fields::String(condition.get_object(), "type") == type) {
      return &condition.get_object();
    }
  }
  return nullptr;
}

bool ConditionTrue(const json::object& object, const std::string& type) {
  const json::object* condition = Condition(object, type);
  return condition != nullptr && json_fields::String(*condition, "status") == "True";
}

OwnedPod OwnedPodOf(const json::object& pod) {
  OwnedPod owned;
  owned.name = NameOf(pod);
  if (const json::object* spec = json_fields::ObjectAt(pod, {"spec"})) {
    owned.node = json_fields::String(*spec, "nodeName");
  }
  if (const json::object* status = json_fields::ObjectAt(pod, {"status"})) {
    const std::string phase = json_fields::String(*status, "phase");
    if (!phase.empty()) owned.phase = phase;
    if (const json::value* statuses = status->if_contains("containerStatuses");
        statuses != nullptr && statuses->is_array()) {
      for (const json::value& s : statuses->get_array()) {
        owned.restarts = std::max<int>(owned.restarts, json_fields::IntAt(s, {"restartCount"}));
      }
    }
  }
  if (const json::object* ready = Condition(pod, "Ready");
      ready != nullptr && json_fields::String(*ready, "status") == "True") {
    owned.ready = true;
    owned.ready_since = ParseTime(json_fields::String(*ready, "lastTransitionTime"));
  }
  int64_t cost = 0;
  if (absl::SimpleAtoi(Annotation(pod, "controller.kubernetes.io/pod-deletion-cost"), &cost)) {
    owned.deletion_cost = cost;
  }
  owned.created = ParseTime(MetaString(pod, "creationTimestamp")).value_or(absl::UnixEpoch());
  owned.terminating = Terminating(pod);
  return owned;
}

std::vector<json::object> ItemsOf(json::object list) {
  std::vector<json::object> items;
  if (json::value* values = list.if_contains("items"); values != nullptr && values->is_array()) {
    for (json::value& item : values->as_array()) {
      if (item.is_object()) items.push_back(std::move(item.get_object()));
    }
  }
  return items;
}

json::object EventAbout(const json::object& object, const std::string& api_version, const std::string& kind,
                        const std::string& type, const std::string& reason, const std::string& message,
                        const std::string& component, const std::string& host, absl::Time at) {
  const std::string ns = NamespaceOf(object);
  const std::string stamp = KubeTime(at);
  json::object source{{"component", component}};
  if (!host.empty()) source["host"] = host;
  json::object event{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", json::object{{"generateName", absl::StrCat(NameOf(object), ".")}, {"namespace", ns}}},
      {"involvedObject", json::object{{"apiVersion", api_version}, {"kind", kind}, {"namespace", ns},
                                      {"name", NameOf(object)}, {"uid", UidOf(object)}}},
      {"reason", reason},
      {"message", message},
      {"type", type},
      {"source", std::move(source)},
      {"reportingComponent", component},
      {"firstTimestamp", stamp},
      {"lastTimestamp", stamp},
      {"count", 1}};
  if (!host.empty()) event["reportingInstance"] = host;
  return event;
}

json::object PodEvent(const json::object& pod, const std::string& type, const std::string& reason,
                      const std::string& message, const std::string& component, const std::string& host,
                      absl::Time at) {
  return EventAbout(pod, "v1", "Pod", type, reason, message, component, host, at);
}

std::string MatchLabelsSelector(const json::object& selector) {
  std::vector<std::string> parts;
  if (const json::object* labels = json_fields::ObjectAt(selector, {"matchLabels"})) {
    for (const auto& [key, value] : *labels) {
      if (value.is_string()) parts.push_back(absl::StrCat(std::string(key), "=", std::string(value.get_string())));
    }
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace spillway::sim
