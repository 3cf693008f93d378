#include "sim/apiserver/patch.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// How strategic merge treats a field of a built-in type, as k8s.io/api's
// struct tags say (patch_strategies.inc, generated from them): the type of
// its value (or of a list's elements, or of a map's values) to go on
// descending, and its patchStrategy. Fields not listed are maps merged key by
// key, or values (and lists) replaced.
struct PatchField {
  std::string type;       // A Go struct ("core/v1.Container"); empty: a leaf.
  bool map = false;       // A map of `type` (merged value by value).
  bool merge = false;     // patchStrategy merge: by merge_key, or as a set.
  std::string merge_key;  // patchMergeKey; empty on a merged list of primitives.
  bool retain_keys = false;  // patchStrategy retainKeys: `$retainKeys` honoured.
  bool replace = false;      // patchStrategy replace: never merged.
};

using PatchType = std::map<std::string, PatchField, std::less<>>;

// The root of kinds without a table of their own: only metadata is merged.
constexpr char kObjectOnly[] = "Object";

struct PatchTable {
  std::map<std::string, PatchType, std::less<>> types;
  std::map<std::string, std::string, std::less<>> roots;  // "apps/v1/Deployment" -> "apps/v1.Deployment".
};

// "containers=[]core/v1.Container:merge:name" -> ("containers", field).
std::pair<std::string, PatchField> ParseField(absl::string_view entry) {
  const size_t eq = entry.find('=');
  std::pair<std::string, PatchField> out{std::string(entry.substr(0, eq)), PatchField{}};
  PatchField& field = out.second;
  std::vector<absl::string_view> parts = absl::StrSplit(entry.substr(eq + 1), ':');
  absl::string_view type = parts[0];
  if (absl::ConsumePrefix(&type, "{}")) field.map = true;
  absl::ConsumePrefix(&type, "[]");
  field.type = std::string(type);
  if (parts.size() > 1) {
    for (absl::string_view strategy : absl::StrSplit(parts[1], ',')) {
      field.merge = field.merge || strategy == "merge";
      field.retain_keys = field.retain_keys || strategy == "retainKeys";
      field.replace = field.replace || strategy == "replace";
    }
  }
  if (parts.size() > 2) field.merge_key = std::string(parts[2]);
  return out;
}

const PatchTable& Table() {
  static const PatchTable* const kTable = [] {
    static const char* const kLines[] = {
#include "sim/apiserver/patch_strategies.inc"
    };
    auto* table = new PatchTable;
    // Kinds kubectl does not link (apiextensions): metadata merges as everywhere.
    table->types[kObjectOnly]["metadata"] = ParseField("metadata=meta/v1.ObjectMeta").second;
    for (const char* line : kLines) {
      std::vector<absl::string_view> words = absl::StrSplit(line, ' ');
      if (absl::ConsumePrefix(&words[0], "@")) {
        table->roots[std::string(words[0])] = words[1] == "-" ? kObjectOnly : std::string(words[1]);
        continue;
      }
      PatchType& type = table->types[std::string(words[0])];
      for (size_t i = 1; i < words.size(); ++i) type.insert(ParseField(words[i]));
    }
    return table;
  }();
  return *kTable;
}

PatchField FieldOf(std::string_view type, std::string_view field) {
  const auto& types = Table().types;
  auto fields = types.find(type);
  if (fields == types.end()) return PatchField{};
  auto it = fields->second.find(field);
  return it == fields->second.end() ? PatchField{} : it->second;
}

absl::Status Merge(json::value& target, const json::value& patch, std::string_view type, bool retain_keys = false);

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

// Merges a patch list into a list whose elements are identified by
// `field.merge_key`: an element of the patch updates the element with the
// same key (or is appended), `$patch: delete` removes it.
absl::Status MergeList(json::array& target, const json::array& patch, const PatchField& field,
                       const std::string& name) {
  const std::string& key = field.merge_key;
  for (const json::value& item : patch) {
    if (!item.is_object() || !item.get_object().contains(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": every element of a strategic merge list needs its key \"", key, "\""));
    }
    const json::value& id = item.get_object().at(key);
    auto match = std::find_if(target.begin(), target.end(), [&](const json::value& existing) {
      return existing.is_object() && existing.get_object().contains(key) && existing.get_object().at(key) == id;
    });
    const json::value* directive = item.get_object().if_contains("$patch");
    if (directive != nullptr && directive->is_string() && directive->get_string() == "delete") {
      if (match != target.end()) target.erase(match);
      continue;
    }
    if (match == target.end()) {
      target.push_back(WithoutDirectives(item));
    } else if (absl::Status s = Merge(*match, item, field.type, field.retain_keys); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// A merged list of primitives (finalizers): the union, in order.
void MergeSet(json::array& target, const json::array& patch) {
  for (const json::value& item : patch) {
    if (std::find(target.begin(), target.end(), item) == target.end()) target.push_back(item);
  }
}

// `$retainKeys: [..]` on a map under a retainKeys strategy (a Deployment's
// strategy, a volume): keys it does not name are cleared.
absl::Status RetainKeys(json::object& object, const json::value& keys) {
  if (!keys.is_array()) return absl::InvalidArgumentError("$retainKeys must be a list of field names");
  std::vector<std::string> kept;
  for (const json::value& key : keys.get_array()) {
    if (!key.is_string()) return absl::InvalidArgumentError("$retainKeys must be a list of field names");
    kept.emplace_back(key.get_string());
  }
  for (auto it = object.begin(); it != object.end();) {
    if (std::find(kept.begin(), kept.end(), std::string(it->key())) == kept.end()) {
      it = object.erase(it);
    } else {
      ++it;
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

// Deletes the values of `list` (a `$deleteFromPrimitiveList/<field>` directive) from `object[field]`.
void DeleteFromPrimitiveList(json::object& object, const std::string& field, const json::value& list) {
  json::value* current = object.if_contains(field);
  if (current == nullptr || !current->is_array() || !list.is_array()) return;
  json::array kept;
  for (const json::value& item : current->get_array()) {
    const json::array& gone = list.get_array();
    if (std::find(gone.begin(), gone.end(), item) == gone.end()) kept.push_back(item);
  }
  *current = std::move(kept);
}

// One field of a map being merged: how its patch value meets its current one.
absl::Status MergeField(json::value& current, const json::value& value, const PatchField& field,
                        const std::string& key) {
  if (field.replace) {
    current = WithoutDirectives(value);
  } else if (value.is_array() && current.is_array() && field.merge && !field.merge_key.empty()) {
    return MergeList(current.get_array(), value.get_array(), field, key);
  } else if (value.is_array() && current.is_array() && field.merge) {
    MergeSet(current.get_array(), value.get_array());
  } else if (value.is_object() && current.is_object() && field.map) {
    for (const auto& entry : value.get_object()) {
      if (entry.value().is_null()) {
        current.get_object().erase(entry.key());
      } else if (absl::Status s = Merge(current.get_object()[entry.key()], entry.value(), field.type); !s.ok()) {
        return s;
      }
    }
  } else if (value.is_object() && current.is_object()) {
    return Merge(current, value, field.type, field.retain_keys);
  } else {
    current = WithoutDirectives(value);
  }
  return absl::OkStatus();
}

absl::Status Merge(json::value& target, const json::value& patch, std::string_view type, bool retain_keys) {
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
    return absl::InvalidArgumentError(absl::StrCat("unknown $patch directive ", json::serialize(*directive)));
  }
  if (!target.is_object()) target = json::object();
  json::object& object = target.get_object();
  for (const auto& entry : changes) {
    const std::string key(entry.key());
    const json::value& value = entry.value();
    if (absl::StartsWith(key, "$setElementOrder/") || key == "$retainKeys") continue;
    if (absl::StartsWith(key, "$deleteFromPrimitiveList/")) {
      DeleteFromPrimitiveList(object, key.substr(std::string("$deleteFromPrimitiveList/").size()), value);
      continue;
    }
    if (!key.empty() && key[0] == '$') {
      return absl::InvalidArgumentError(absl::StrCat("unknown strategic merge directive ", key));
    }
    if (value.is_null()) {
      object.erase(key);
      continue;
    }
    SPILLWAY_RETURN_IF_ERROR(MergeField(object[key], value, FieldOf(type, key), key));
  }
  if (const json::value* keys = changes.if_contains("$retainKeys"); keys != nullptr && retain_keys) {
    return RetainKeys(object, *keys);
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

std::string_view PatchRootType(const std::string& group, const std::string& version, const std::string& kind) {
  const auto& roots = Table().roots;
  auto it = roots.find(group.empty() ? absl::StrCat(version, "/", kind) : absl::StrCat(group, "/", version, "/", kind));
  return it == roots.end() ? std::string_view(kObjectOnly) : std::string_view(it->second);
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

DeclaredPatch DeclaredPatchOf(std::string_view type, std::string_view field) {
  const PatchField declared = FieldOf(type, field);
  std::vector<std::string> strategies;
  if (declared.merge) strategies.push_back("merge");
  if (declared.retain_keys) strategies.push_back("retainKeys");
  if (declared.replace) strategies.push_back("replace");
  return DeclaredPatch{declared.type, absl::StrJoin(strategies, ","), declared.merge_key};
}

}  // namespace spillway::sim
