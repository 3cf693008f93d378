#include "sim/apiserver/patch.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// How strategic merge treats a field of a built-in type, as k8s.io/api's
// struct tags say (patchStrategy, patchMergeKey): the field's own type (to
// go on descending), the merge key of a list merged element by element, or a
// list of primitives merged as a set. Fields not listed are maps merged key
// by key or values (and lists) replaced.
struct PatchField {
  const char* type = nullptr;       // Type of the value, or of the list's elements.
  const char* merge_key = nullptr;  // patchStrategy=merge with patchMergeKey.
  bool primitive_set = false;       // patchStrategy=merge on a list of strings.
};

using PatchType = std::map<std::string, PatchField, std::less<>>;

const PatchType* PatchTypeOf(std::string_view name) {
  static const auto* const kTypes = new std::map<std::string, PatchType, std::less<>>{
      {"ObjectMeta", {{"ownerReferences", {nullptr, "uid"}}, {"finalizers", {nullptr, nullptr, true}}}},
      {"Pod", {{"metadata", {"ObjectMeta"}}, {"spec", {"PodSpec"}}, {"status", {"PodStatus"}}}},
      {"PodTemplateSpec", {{"metadata", {"ObjectMeta"}}, {"spec", {"PodSpec"}}}},
      {"PodSpec",
       {{"containers", {"Container", "name"}}, {"initContainers", {"Container", "name"}},
        {"ephemeralContainers", {"Container", "name"}}, {"volumes", {nullptr, "name"}},
        {"imagePullSecrets", {nullptr, "name"}}, {"hostAliases", {nullptr, "ip"}},
        {"topologySpreadConstraints", {nullptr, "topologyKey"}}, {"resourceClaims", {nullptr, "name"}}}},
      {"Container",
       {{"ports", {nullptr, "containerPort"}}, {"env", {nullptr, "name"}}, {"volumeMounts", {nullptr, "mountPath"}},
        {"volumeDevices", {nullptr, "devicePath"}}}},
      {"PodStatus", {{"conditions", {nullptr, "type"}}}},
      {"Workload", {{"metadata", {"ObjectMeta"}}, {"spec", {"WorkloadSpec"}}, {"status", {"WorkloadStatus"}}}},
      {"WorkloadSpec", {{"template", {"PodTemplateSpec"}}}},
      {"WorkloadStatus", {{"conditions", {nullptr, "type"}}}},
      {"CronJob", {{"metadata", {"ObjectMeta"}}, {"spec", {"CronJobSpec"}}}},
      {"CronJobSpec", {{"jobTemplate", {"JobTemplateSpec"}}}},
      {"JobTemplateSpec", {{"metadata", {"ObjectMeta"}}, {"spec", {"WorkloadSpec"}}}},
      {"Service", {{"metadata", {"ObjectMeta"}}, {"spec", {"ServiceSpec"}}}},
      {"ServiceSpec", {{"ports", {nullptr, "port"}}}},
      {"Node", {{"metadata", {"ObjectMeta"}}, {"status", {"NodeStatus"}}}},
      {"NodeStatus", {{"conditions", {nullptr, "type"}}, {"addresses", {nullptr, "type"}}}},
      {"Object", {{"metadata", {"ObjectMeta"}}}},
  };
  auto it = kTypes->find(name);
  return it == kTypes->end() ? nullptr : &it->second;
}

PatchField FieldOf(std::string_view type, std::string_view field) {
  const PatchType* fields = PatchTypeOf(type);
  if (fields == nullptr) return PatchField{};
  auto it = fields->find(field);
  return it == fields->end() ? PatchField{} : it->second;
}

absl::Status Merge(json::value& target, const json::value& patch, std::string_view type);

// Strips directives (keys starting with '$') from a value about to be stored.
json::value WithoutDirectives(const json::value& value) {
  if (value.is_object()) {
    json::object out;
    for (const auto& entry : value.get_object()) {
      if (!entry.key().empty() && entry.key()[0] == '$') continue;
      out[entry.key()] = WithoutDirectives(entry.value());
    }
    return out;
  }
  if (value.is_array()) {
    json::array out;
    for (const json::value& item : value.get_array()) out.push_back(WithoutDirectives(item));
    return out;
  }
  return value;
}

absl::Status MergeList(json::array& target, const json::array& patch, const char* key,
                       const std::string& field, std::string_view element_type) {
  for (const json::value& item : patch) {
    if (!item.is_object() || !item.get_object().contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": every element of a strategic merge list needs its key \"", key, "\""));
    }
    const json::value& id = item.get_object().at(key);
    auto match = std::find_if(target.begin(), target.end(), [&](const json::value& existing) {
      return existing.is_object() && existing.get_object().contains(key) &&
             existing.get_object().at(key) == id;
    });
    const json::value* directive = item.get_object().if_contains("$patch");
    if (directive != nullptr && directive->is_string() && directive->get_string() == "delete") {
      if (match != target.end()) target.erase(match);
      continue;
    }
    if (match == target.end()) {
      target.push_back(WithoutDirectives(item));
    } else if (absl::Status s = Merge(*match, item, element_type); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// RFC 6901 pointer tokens ("/a/b~1c" -> {"a", "b/c"}).
absl::StatusOr<std::vector<std::string>> PointerTokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("path \"", pointer, "\" must start with '/'"));
  }
  for (absl::string_view raw : absl::StrSplit(absl::string_view(pointer).substr(1), '/')) {
    tokens.push_back(absl::StrReplaceAll(raw, {{"~1", "/"}, {"~0", "~"}}));
  }
  return tokens;
}

// The container the last token addresses, or an error naming the path.
absl::StatusOr<json::value*> Parent(json::value& root, const std::vector<std::string>& tokens,
                                    const std::string& path) {
  json::value* at = &root;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (at->is_object()) {
      json::value* next = at->get_object().if_contains(tokens[i]);
      if (next == nullptr) return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
      at = next;
    } else if (at->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(tokens[i], &index) || index >= at->get_array().size()) {
        return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
      }
      at = &at->get_array()[index];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
    }
  }
  return at;
}

absl::StatusOr<json::value> Get(json::value& root, const std::string& path) {
  absl::StatusOr<std::vector<std::string>> tokens = PointerTokens(path);
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty()) return root;
  absl::StatusOr<json::value*> parent = Parent(root, *tokens, path);
  if (!parent.ok()) return parent.status();
  const std::string& last = tokens->back();
  if ((*parent)->is_object()) {
    if (json::value* v = (*parent)->get_object().if_contains(last)) return *v;
  } else if ((*parent)->is_array()) {
    size_t index = 0;
    if (absl::SimpleAtoi(last, &index) && index < (*parent)->get_array().size()) {
      return (*parent)->get_array()[index];
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
}

absl::Status Remove(json::value& root, const std::string& path) {
  absl::StatusOr<std::vector<std::string>> tokens = PointerTokens(path);
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty()) return absl::InvalidArgumentError("cannot remove the whole document");
  absl::StatusOr<json::value*> parent = Parent(root, *tokens, path);
  if (!parent.ok()) return parent.status();
  const std::string& last = tokens->back();
  if ((*parent)->is_object() && (*parent)->get_object().erase(last) == 1) return absl::OkStatus();
  size_t index = 0;
  if ((*parent)->is_array() && absl::SimpleAtoi(last, &index) &&
      index < (*parent)->get_array().size()) {
    (*parent)->get_array().erase((*parent)->get_array().begin() + index);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
}

absl::Status Add(json::value& root, const std::string& path, json::value value, bool replace) {
  absl::StatusOr<std::vector<std::string>> tokens = PointerTokens(path);
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty()) {
    root = std::move(value);
    return absl::OkStatus();
  }
  absl::StatusOr<json::value*> parent = Parent(root, *tokens, path);
  if (!parent.ok()) return parent.status();
  const std::string& last = tokens->back();
  if ((*parent)->is_object()) {
    json::object& object = (*parent)->get_object();
    if (replace && !object.contains(last)) {
      return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
    }
    object[last] = std::move(value);
    return absl::OkStatus();
  }
  if ((*parent)->is_array()) {
    json::array& array = (*parent)->get_array();
    size_t index = array.size();
    if (last != "-" && (!absl::SimpleAtoi(last, &index) || index > array.size() ||
                        (replace && index == array.size()))) {
      return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" is out of range"));
    }
    if (replace) {
      array[index] = std::move(value);
    } else {
      array.insert(array.begin() + index, std::move(value));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" does not exist"));
}

absl::Status Merge(json::value& target, const json::value& patch, std::string_view type) {
  if (!patch.is_object()) {
    target = patch;
    return absl::OkStatus();
  }
  const json::object& changes = patch.get_object();
  if (const json::value* directive = changes.if_contains("$patch")) {
    if (directive->is_string() && directive->get_string() == "replace") {
      target = WithoutDirectives(patch);
      return absl::OkStatus();
    }
    if (directive->is_string() && directive->get_string() == "delete") {
      target = json::object();
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unknown $patch directive ", json::serialize(*directive)));
  }
  if (!target.is_object()) target = json::object();
  json::object& object = target.get_object();
  for (const auto& entry : changes) {
    const std::string key(entry.key());
    const json::value& value = entry.value();
    if (absl::StartsWith(key, "$setElementOrder/") || key == "$retainKeys") continue;
    if (absl::StartsWith(key, "$deleteFromPrimitiveList/")) {
      const std::string field = key.substr(std::string("$deleteFromPrimitiveList/").size());
      json::value* list = object.if_contains(field);
      if (list == nullptr || !list->is_array() || !value.is_array()) continue;
      json::array kept;
      for (const json::value& item : list->get_array()) {
        bool removed = false;
        for (const json::value& gone : value.get_array()) removed = removed || item == gone;
        if (!removed) kept.push_back(item);
      }
      *list = std::move(kept);
      continue;
    }
    if (!key.empty() && key[0] == '$') {
      return absl::InvalidArgumentError(absl::StrCat("unknown strategic merge directive ", key));
    }
    if (value.is_null()) {
      object.erase(key);
      continue;
    }
    json::value& current = object[key];
    const PatchField field = FieldOf(type, std::string_view(key.data(), key.size()));
    const std::string_view child_type = field.type == nullptr ? std::string_view() : field.type;
    if (value.is_array() && current.is_array() && field.merge_key != nullptr) {
      if (absl::Status s = MergeList(current.get_array(), value.get_array(), field.merge_key, key, child_type);
          !s.ok()) {
        return s;
      }
    } else if (value.is_array() && current.is_array() && field.primitive_set) {
      for (const json::value& item : value.get_array()) {
        bool present = false;
        for (const json::value& existing : current.get_array()) present = present || existing == item;
        if (!present) current.get_array().push_back(item);
      }
    } else if (value.is_object() && current.is_object()) {
      if (absl::Status s = Merge(current, value, child_type); !s.ok()) return s;
    } else {
      current = WithoutDirectives(value);
    }
  }
  return absl::OkStatus();
}

}  // namespace

void MergePatch(json::value& target, const json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  json::object& object = target.get_object();
  for (const auto& entry : patch.get_object()) {
    if (entry.value().is_null()) {
      object.erase(entry.key());
    } else {
      MergePatch(object[entry.key()], entry.value());
    }
  }
}

std::string_view PatchRootType(const std::string& group, const std::string& kind) {
  if (group.empty() && (kind == "Pod" || kind == "Service" || kind == "Node")) return kind;
  if ((group == "apps" && (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
                           kind == "DaemonSet")) ||
      (group == "batch" && kind == "Job")) {
    return "Workload";
  }
  if (group == "batch" && kind == "CronJob") return "CronJob";
  return "Object";
}

absl::Status StrategicMergePatch(json::value& target, const json::value& patch, std::string_view root_type) {
  return Merge(target, patch, root_type);
}


absl::Status JsonPatch(json::value& target, const json::value& patch) {
  if (!patch.is_array()) {
    return absl::InvalidArgumentError("a JSON patch is an array of operations");
  }
  json::value working = target;
  int index = 0;
  for (const json::value& operation : patch.get_array()) {
    auto field = [&](const char* name) -> std::string {
      const json::value* v = operation.is_object() ? operation.get_object().if_contains(name) : nullptr;
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    const std::string op = field("op");
    const std::string path = field("path");
    const json::value* value =
        operation.is_object() ? operation.get_object().if_contains("value") : nullptr;
    auto fail = [&](const absl::Status& s) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON patch operation ", index, " (", op.empty() ? "?" : op, " ", path,
                       "): ", s.message()));
    };
    absl::Status status;
    if ((op == "add" || op == "replace" || op == "test") && value == nullptr) {
      status = absl::InvalidArgumentError("\"value\" is missing");
    } else if (op == "add" || op == "replace") {
      status = Add(working, path, *value, op == "replace");
    } else if (op == "remove") {
      status = Remove(working, path);
    } else if (op == "move" || op == "copy") {
      absl::StatusOr<json::value> from = Get(working, field("from"));
      status = from.status();
      if (status.ok() && op == "move") status = Remove(working, field("from"));
      if (status.ok()) status = Add(working, path, *std::move(from), false);
    } else if (op == "test") {
      absl::StatusOr<json::value> current = Get(working, path);
      status = current.status();
      if (status.ok() && *current != *value) {
        status = absl::InvalidArgumentError(absl::StrCat("test failed: the value is ",
                                                         json::serialize(*current)));
      }
    } else {
      status = absl::InvalidArgumentError("op must be add, remove, replace, move, copy or test");
    }
    if (!status.ok()) return fail(status);
    ++index;
  }
  target = std::move(working);
  return absl::OkStatus();
}

}  // namespace spillway::sim
