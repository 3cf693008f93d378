#include "sim/apiserver/kinds/pod_template.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"

namespace spillway::sim::kinds {

namespace json = boost::json;

json::object& ObjectField(json::object& parent, const char* key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

void SetDefault(json::object& object, const char* key, json::value value) {
  if (!object.contains(key) || object.at(key).is_null()) object[key] = std::move(value);
}

namespace {

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
    SetDefault(c, "imagePullPolicy", PullPolicyFor(c.if_contains("image")));
    SetDefault(c, "terminationMessagePath", "/dev/termination-log");
    SetDefault(c, "terminationMessagePolicy", "File");
  }
}

// Go's %v of a map[string]string, as the real message prints template labels.
std::string GoMap(const json::object* labels) {
  std::map<std::string, std::string> sorted;
  if (labels != nullptr) {
    for (const auto& [key, value] : *labels) {
      if (value.is_string()) sorted[std::string(key)] = std::string(value.get_string());
    }
  }
  std::vector<std::string> parts;
  for (const auto& [key, value] : sorted) parts.push_back(absl::StrCat("\"", key, "\":\"", value, "\""));
  return absl::StrCat("map[string]string{", absl::StrJoin(parts, ", "), "}");
}

}  // namespace

void DefaultPodSpec(json::object& spec) {
  SetDefault(spec, "restartPolicy", "Always");
  SetDefault(spec, "dnsPolicy", "ClusterFirst");
  SetDefault(spec, "terminationGracePeriodSeconds", 30);
  SetDefault(spec, "schedulerName", "default-scheduler");
  SetDefault(spec, "securityContext", json::object());
  SetDefault(spec, "enableServiceLinks", true);
  DefaultContainers(spec, "containers");
  DefaultContainers(spec, "initContainers");
}

void DefaultTemplate(json::object& spec) {
  json::object& pod_template = ObjectField(spec, "template");
  DefaultPodSpec(ObjectField(pod_template, "spec"));
}

void RequireContainers(const json::object* pod_spec, const std::string& prefix, std::vector<std::string>& problems) {
  const json::value* containers = pod_spec == nullptr ? nullptr : pod_spec->if_contains("containers");
  if (containers == nullptr || !containers->is_array() || containers->get_array().empty()) {
    problems.push_back(prefix + "containers: Required value");
    return;
  }
  for (size_t i = 0; i < containers->get_array().size(); ++i) {
    const json::value& c = containers->get_array()[i];
    const json::object empty;
    const json::object& container = c.is_object() ? c.get_object() : empty;
    const std::string at = absl::StrCat(prefix, "containers[", i, "].");
    if (json_fields::String(container, "name").empty()) problems.push_back(at + "name: Required value");
    if (json_fields::String(container, "image").empty()) problems.push_back(at + "image: Required value");
  }
}

void RequireWorkload(const json::object& object, bool job, std::vector<std::string>& problems) {
  const json::object* labels = json_fields::ObjectAt(object, {"spec", "template", "metadata", "labels"});
  const json::object* pod_spec = json_fields::ObjectAt(object, {"spec", "template", "spec"});
  if (!job) {
    const json::object* selector = json_fields::ObjectAt(object, {"spec", "selector"});
    if (selector == nullptr) {
      problems.push_back("spec.selector: Required value");
    } else if (const json::object* match = json_fields::ObjectAt(*selector, {"matchLabels"}); match != nullptr) {
      for (const auto& [key, value] : *match) {
        const json::value* have = labels == nullptr ? nullptr : labels->if_contains(key);
        if (have == nullptr || *have != value) {
          problems.push_back(absl::StrCat("spec.template.metadata.labels: Invalid value: ", GoMap(labels),
                                          ": `selector` does not match template `labels`"));
          break;
        }
      }
    }
  }
  RequireContainers(pod_spec, "spec.template.spec.", problems);
  if (job && pod_spec != nullptr) {
    const std::string policy = json_fields::String(*pod_spec, "restartPolicy");
    if (policy != "Never" && policy != "OnFailure") {
      problems.push_back(
          "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"");
    }
  }
}

void RequireSameSelector(const json::object& old_object, const json::object& object,
                         std::vector<std::string>& problems) {
  auto selector = [](const json::object& o) -> json::value {
    const json::object* s = json_fields::ObjectAt(o, {"spec", "selector"});
    return s != nullptr ? json::value(*s) : json::value();
  };
  const json::value before = selector(old_object);
  const json::value after = selector(object);
  if (!before.is_null() && before != after) {
    problems.push_back(absl::StrCat("spec.selector: Invalid value: ", json::serialize(after), ": field is immutable"));
  }
}

}  // namespace spillway::sim::kinds
