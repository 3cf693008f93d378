#include "sim/apiserver/validation.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/json_fields.h"
#include "kube/names.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

using kube::IsDns1123Label;
using kube::IsDns1123Subdomain;
constexpr const char* kSubdomainMessage = kube::kDns1123SubdomainMessage;
constexpr const char* kLabelNameMessage = kube::kDns1123LabelMessage;
constexpr const char* kLabelValueMessage = kube::kLabelValueMessage;
constexpr const char* kLabelKeyMessage = kube::kQualifiedNameMessage;

}  // namespace

std::vector<std::string> ValidateMetadata(const ResourceType& type, const json::object& object) {
  std::vector<std::string> problems;
  const json::value* meta = object.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return problems;
  if (const json::value* name = meta->get_object().if_contains("name"); name != nullptr && name->is_string()) {
    const absl::string_view n(name->get_string().data(), name->get_string().size());
    // Namespaces and Services are DNS labels (they become DNS names); the rest subdomains.
    const bool label = type.group.empty() && (type.kind == "Namespace" || type.kind == "Service");
    if (label ? !IsDns1123Label(n) : !IsDns1123Subdomain(n)) {
      problems.push_back(absl::StrCat("metadata.name: Invalid value: \"", n, "\": ",
                                      label ? kLabelNameMessage : kSubdomainMessage));
    }
  }
  if (const json::value* labels = meta->get_object().if_contains("labels"); labels != nullptr && labels->is_object()) {
    for (const auto& entry : labels->get_object()) {
      const absl::string_view key(entry.key().data(), entry.key().size());
      if (!kube::IsQualifiedName(key)) {
        problems.push_back(absl::StrCat("metadata.labels: Invalid value: \"", key, "\": ", kLabelKeyMessage));
      }
      if (!entry.value().is_string()) continue;
      const absl::string_view value(entry.value().get_string().data(), entry.value().get_string().size());
      if (!kube::IsLabelValue(value)) {
        problems.push_back(absl::StrCat("metadata.labels: Invalid value: \"", value, "\": ", kLabelValueMessage));
      }
    }
  }
  if (const json::value* annotations = meta->get_object().if_contains("annotations");
      annotations != nullptr && annotations->is_object()) {
    size_t total = 0;
    for (const auto& entry : annotations->get_object()) {
      const absl::string_view key(entry.key().data(), entry.key().size());
      if (!kube::IsQualifiedName(key)) {
        problems.push_back(absl::StrCat("metadata.annotations: Invalid value: \"", key, "\": ", kLabelKeyMessage));
      }
      total += key.size() + (entry.value().is_string() ? entry.value().get_string().size() : 0);
    }
    if (total > kMaxAnnotationBytes) {
      problems.push_back(absl::StrCat("metadata.annotations: Too long: must have at most ", kMaxAnnotationBytes, " bytes"));
    }
  }
  return problems;
}

std::vector<std::string> ValidateImmutable(const ResourceType& type, const json::object& old_object,
                                           const json::object& object) {
  std::vector<std::string> problems;
  if (type.group != "apps" || (type.kind != "Deployment" && type.kind != "ReplicaSet" &&
                               type.kind != "StatefulSet" && type.kind != "DaemonSet")) {
    return problems;
  }
  auto selector = [](const json::object& o) -> json::value {
    const json::value* spec = o.if_contains("spec");
    const json::value* s = spec != nullptr && spec->is_object() ? spec->get_object().if_contains("selector") : nullptr;
    return s != nullptr ? *s : json::value();
  };
  const json::value before = selector(old_object);
  const json::value after = selector(object);
  if (!before.is_null() && before != after) {
    problems.push_back(absl::StrCat("spec.selector: Invalid value: ", json::serialize(after), ": field is immutable"));
  }
  return problems;
}

namespace {

// A pod spec's containers, each with a name and an image.
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

}  // namespace

std::vector<std::string> ValidateRequired(const ResourceType& type, const json::object& object) {
  std::vector<std::string> problems;
  if (type.group.empty() && type.kind == "Pod") {
    RequireContainers(json_fields::ObjectAt(object, {"spec"}), "spec.", problems);
  } else if (type.group == "apps" && (type.kind == "Deployment" || type.kind == "ReplicaSet" ||
                                      type.kind == "StatefulSet" || type.kind == "DaemonSet")) {
    RequireWorkload(object, /*job=*/false, problems);
  } else if (type.group == "batch" && type.kind == "Job") {
    RequireWorkload(object, /*job=*/true, problems);
  } else if (type.group.empty() && type.kind == "Service") {
    const json::object* spec = json_fields::ObjectAt(object, {"spec"});
    const json::value* ports = spec == nullptr ? nullptr : spec->if_contains("ports");
    const bool headless_or_external = spec != nullptr && (json_fields::String(*spec, "type") == "ExternalName" ||
                                                          json_fields::String(*spec, "clusterIP") == "None");
    if (!headless_or_external && (ports == nullptr || !ports->is_array() || ports->get_array().empty())) {
      problems.push_back("spec.ports: Required value");
    }
  }
  return problems;
}

namespace {

bool IsConfigKey(absl::string_view key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

void ValidateConfigKeys(const json::object& object, const char* field, std::vector<std::string>& problems) {
  const json::object* data = json_fields::ObjectAt(object, {field});
  if (data == nullptr) return;
  for (const auto& entry : *data) {
    const std::string key(entry.key());
    if (!IsConfigKey(key)) {
      problems.push_back(absl::StrCat(field, "[", key, "]: Invalid value: \"", key,
                                      "\": a valid config key must consist of alphanumeric characters, '-', '_' or "
                                      "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                                      "validation is '[-._a-zA-Z0-9]+')"));
    }
  }
}

// Go's base64.StdEncoding: the first offending byte's offset, or -1.
int Base64Error(absl::string_view text) {
  if (text.size() % 4 != 0) {
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
        return static_cast<int>(i);
      }
    }
    return static_cast<int>(text.size() - text.size() % 4);
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool padding = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || padding)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

std::vector<std::string> ValidateContent(const ResourceType& type, const json::object& object) {
  std::vector<std::string> problems;
  if (type.group.empty() && (type.kind == "ConfigMap" || type.kind == "Secret")) {
    ValidateConfigKeys(object, "data", problems);
    if (type.kind == "ConfigMap") {
      ValidateConfigKeys(object, "binaryData", problems);
      const json::object* data = json_fields::ObjectAt(object, {"data"});
      const json::object* binary = json_fields::ObjectAt(object, {"binaryData"});
      if (data != nullptr && binary != nullptr) {
        for (const auto& entry : *binary) {
          if (data->contains(entry.key())) {
            problems.push_back(absl::StrCat("data[", std::string(entry.key()), "]: Invalid value: \"",
                                            std::string(entry.key()), "\": duplicate of key present in binaryData"));
          }
        }
      }
    } else {
      ValidateConfigKeys(object, "stringData", problems);
    }
  } else if (type.group.empty() && type.kind == "Event") {
    const json::object* involved = json_fields::ObjectAt(object, {"involvedObject"});
    const json::object* meta = json_fields::ObjectAt(object, {"metadata"});
    const std::string involved_ns = involved != nullptr ? json_fields::String(*involved, "namespace") : "";
    const std::string event_ns = meta != nullptr ? json_fields::String(*meta, "namespace") : "";
    if (!involved_ns.empty() && !event_ns.empty() && involved_ns != event_ns) {
      problems.push_back(absl::StrCat("involvedObject.namespace: Invalid value: \"", involved_ns,
                                      "\": does not match event.namespace"));
    }
  }
  return problems;
}

absl::Status CheckBase64Data(const ResourceType& type, const json::object& object) {
  const char* field = nullptr;
  if (type.group.empty() && type.kind == "ConfigMap") field = "binaryData";
  if (type.group.empty() && type.kind == "Secret") field = "data";
  if (field == nullptr) return absl::OkStatus();
  const json::object* data = json_fields::ObjectAt(object, {field});
  if (data == nullptr) return absl::OkStatus();
  for (const auto& entry : *data) {
    if (!entry.value().is_string()) continue;  // Type errors are CheckBuiltinTypes'.
    const int at = Base64Error(absl::string_view(entry.value().get_string().data(), entry.value().get_string().size()));
    if (at >= 0) {
      return absl::FailedPreconditionError(absl::StrCat(type.kind, " in version \"", type.version,
                                                        "\" cannot be handled as a ", type.kind,
                                                        ": illegal base64 data at input byte ", at));
    }
  }
  return absl::OkStatus();
}

}  // namespace spillway::sim
