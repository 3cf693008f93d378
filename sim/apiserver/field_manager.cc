#include "sim/apiserver/field_manager.h"

#include <algorithm>
#include <functional>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spillway::sim {
namespace json = boost::json;

namespace {

// Metadata the server sets or keeps; never part of a manager's fields. The
// status is a manager's only through the status subresource (`status_write`),
// as kube-apiserver records it there (subresource: status).
bool ServerOwned(const FieldPath& path, bool status_write) {
  static const auto* const kMetadata = new std::set<std::string>{
      "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
      "deletionGracePeriodSeconds", "managedFields", "selfLink"};
  if (path.empty()) return true;
  if (path[0] == "apiVersion" || path[0] == "kind") return true;
  if (path[0] == "status") return !status_write;
  return path[0] == "metadata" && path.size() >= 2 && kMetadata->count(path[1]);
}

void Collect(const json::value& value, FieldPath& path, FieldSet& out, bool status_write) {
  if (value.is_object() && !value.get_object().empty()) {
    for (const auto& [key, child] : value.get_object()) {
      path.emplace_back(key);
      Collect(child, path, out, status_write);
      path.pop_back();
    }
    return;
  }
  if (!ServerOwned(path, status_write)) out.insert(path);
}

const json::value* ValueAt(const json::object& object, const FieldPath& path) {
  const json::value* at = nullptr;
  const json::object* in = &object;
  for (const std::string& step : path) {
    if (in == nullptr) return nullptr;
    at = in->if_contains(step);
    if (at == nullptr) return nullptr;
    in = at->is_object() ? &at->get_object() : nullptr;
  }
  return at;
}

void SetAt(json::object& object, const FieldPath& path, const json::value& value) {
  json::object* in = &object;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    json::value& next = (*in)[path[i]];
    if (!next.is_object()) next = json::object();
    in = &next.get_object();
  }
  (*in)[path.back()] = value;
}

void RemoveAt(json::object& object, const FieldPath& path) {
  json::object* in = &object;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    json::value* next = in->if_contains(path[i]);
    if (next == nullptr || !next->is_object()) return;
    in = &next->get_object();
  }
  in->erase(path.back());
}

// Whether one path is the other or inside it.
bool Overlaps(const FieldPath& a, const FieldPath& b) {
  const size_t n = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + n, b.begin());
}

std::string Dotted(const FieldPath& path) { return "." + absl::StrJoin(path, "."); }

struct Entry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string subresource;
  std::string time;
  FieldSet fields;
};

std::vector<Entry> EntriesOf(const json::object& object) {
  std::vector<Entry> entries;
  const json::value* managed = ValueAt(object, {"metadata", "managedFields"});
  if (managed == nullptr || !managed->is_array()) return entries;
  for (const json::value& item : managed->get_array()) {
    if (!item.is_object()) continue;
    const json::object& e = item.get_object();
    auto text = [&e](const char* key) {
      const json::value* v = e.if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    const json::value* fields = e.if_contains("fieldsV1");
    entries.push_back(Entry{text("manager"), text("operation"), text("apiVersion"), text("subresource"), text("time"),
                            fields != nullptr && fields->is_object() ? FromFieldsV1(fields->get_object())
                                                                     : FieldSet{}});
  }
  return entries;
}

void WriteEntries(json::object& object, const std::vector<Entry>& entries) {
  json::array managed;
  for (const Entry& e : entries) {
    if (e.fields.empty()) continue;
    json::object item{{"manager", e.manager}, {"operation", e.operation}, {"apiVersion", e.api_version},
                      {"time", e.time}, {"fieldsType", "FieldsV1"}, {"fieldsV1", ToFieldsV1(e.fields)}};
    if (!e.subresource.empty()) item["subresource"] = e.subresource;
    managed.push_back(std::move(item));
  }
  json::value& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (managed.empty()) {
    meta.get_object().erase("managedFields");
  } else {
    meta.get_object()["managedFields"] = std::move(managed);
  }
}

// The entry of (manager, operation, subresource), added when missing.
Entry& EntryFor(std::vector<Entry>& entries, const std::string& operation, const WriteContext& context) {
  for (Entry& e : entries) {
    if (e.manager == context.manager && e.operation == operation && e.subresource == context.subresource) {
      return e;
    }
  }
  entries.push_back(Entry{context.manager, operation, context.api_version, context.subresource, "", {}});
  return entries.back();
}

// Takes `fields` from every entry but `keep`.
void Disown(std::vector<Entry>& entries, const Entry* keep, const FieldSet& fields) {
  for (Entry& e : entries) {
    if (&e == keep) continue;
    for (auto it = e.fields.begin(); it != e.fields.end();) {
      const bool taken = std::any_of(fields.begin(), fields.end(), [&](const FieldPath& f) { return Overlaps(f, *it); });
      it = taken ? e.fields.erase(it) : std::next(it);
    }
  }
}

std::string TimeText(absl::Time now) { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone()); }

std::string ConflictMessage(const std::map<std::string, std::vector<std::string>>& by_manager, size_t count) {
  std::string message = absl::StrCat("Apply failed with ", count, count == 1 ? " conflict: " : " conflicts: ");
  std::vector<std::string> parts;
  for (const auto& [manager, paths] : by_manager) {
    if (count == 1) {
      parts.push_back(absl::StrCat("conflict with ", manager, ": ", paths.front()));
    } else {
      parts.push_back(absl::StrCat("conflicts with ", manager, ":\n- ", absl::StrJoin(paths, "\n- ")));
    }
  }
  return message + absl::StrJoin(parts, "\n");
}

}  // namespace

FieldSet FieldsOf(const json::object& object, bool status_write) {
  FieldSet out;
  FieldPath path;
  Collect(json::value(object), path, out, status_write);
  return out;
}

json::object ToFieldsV1(const FieldSet& fields) {
  json::object out;
  for (const FieldPath& path : fields) {
    json::object* in = &out;
    for (const std::string& step : path) {
      json::value& next = (*in)["f:" + step];
      if (!next.is_object()) next = json::object();
      in = &next.get_object();
    }
  }
  return out;
}

FieldSet FromFieldsV1(const json::object& fields_v1) {
  FieldSet out;
  FieldPath path;
  std::function<void(const json::object&)> walk = [&](const json::object& node) {
    if (node.empty() && !path.empty()) out.insert(path);
    for (const auto& [key, child] : node) {
      if (key.size() < 2 || key.substr(0, 2) != "f:" || !child.is_object()) continue;
      path.emplace_back(key.substr(2));
      walk(child.get_object());
      path.pop_back();
    }
  };
  walk(fields_v1);
  return out;
}

void RecordUpdate(const json::object& before, json::object& after, const WriteContext& context) {
  std::vector<Entry> entries = EntriesOf(after);
  FieldSet changed;
  for (const FieldPath& path : FieldsOf(after, context.subresource == "status")) {
    const json::value* old = ValueAt(before, path);
    if (old == nullptr || *old != *ValueAt(after, path)) changed.insert(path);
  }
  if (changed.empty()) return;
  Entry& mine = EntryFor(entries, "Update", context);
  mine.fields.insert(changed.begin(), changed.end());
  mine.time = TimeText(context.now);
  mine.api_version = context.api_version;
  Disown(entries, &mine, changed);
  // Fields that no longer exist belong to no one.
  for (Entry& e : entries) {
    for (auto it = e.fields.begin(); it != e.fields.end();) {
      it = ValueAt(after, *it) == nullptr ? e.fields.erase(it) : std::next(it);
    }
  }
  WriteEntries(after, entries);
}

namespace {

// kubectl's client-side apply keeps what the user last applied in this
// annotation; kube-apiserver reads it when kubectl moves to server-side apply.
constexpr char kLastApplied[] = "kubectl.kubernetes.io/last-applied-configuration";

// The manager kubectl's server-side apply uses by default; only its applies
// take over what client-side apply owned (kube's lastAppliedManager).
constexpr char kKubectlManager[] = "kubectl";

const json::value* AnnotationOf(const json::object& object, const char* key) {
  const json::value* annotations = ValueAt(object, FieldPath{"metadata", "annotations"});
  return annotations != nullptr && annotations->is_object() ? annotations->get_object().if_contains(key) : nullptr;
}

// Whether everything `want` holds is in `live` (defaults may add more).
bool Holds(const json::value& live, const json::value& want) {
  if (want.is_object()) {
    if (!live.is_object()) return false;
    for (const auto& [key, value] : want.get_object()) {
      const json::value* got = live.get_object().if_contains(key);
      if (got == nullptr || !Holds(*got, value)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!live.is_array() || live.get_array().size() != want.get_array().size()) return false;
    for (size_t i = 0; i < want.get_array().size(); ++i) {
      if (!Holds(live.get_array()[i], want.get_array()[i])) return false;
    }
    return true;
  }
  return live == want;
}

// As kube-apiserver's lastAppliedManager: kubectl's first server-side apply
// after client-side applies conflicts with the client-side manager on every
// field it changes; those conflicts are allowed (the apply is forced) when
// each conflicting field is one the user last applied and still holds the
// value they applied, so moving to --server-side needs no --force-conflicts.
bool ConflictsAreLastApplied(const json::object& live,
                             const std::map<std::string, std::vector<std::string>>& conflicts,
                             const std::string& manager) {
  if (manager != kKubectlManager) return false;
  const json::value* text = AnnotationOf(live, kLastApplied);
  if (text == nullptr || !text->is_string()) return false;
  boost::system::error_code ec;
  const json::value last = json::parse(text->get_string(), ec);
  if (ec || !last.is_object()) return false;
  std::set<std::string> allowed;
  for (const FieldPath& path : FieldsOf(last.get_object())) {
    const json::value* now = ValueAt(live, path);
    if (now != nullptr && Holds(*now, *ValueAt(last.get_object(), path))) allowed.insert(Dotted(path));
  }
  for (const auto& [who, paths] : conflicts) {
    for (const std::string& path : paths) {
      if (!allowed.count(path)) return false;
    }
  }
  return true;
}

// As kube-apiserver's lastAppliedUpdater: an apply by kubectl's manager
// keeps the client-side annotation, where present, equal to what was applied,
// so a later client-side apply computes its patch from the truth.
void KeepLastAppliedCurrent(const json::object& applied, const std::string& manager, json::object& out) {
  if (manager != kKubectlManager || AnnotationOf(out, kLastApplied) == nullptr) return;
  json::object config = applied;
  if (json::value* metadata = config.if_contains("metadata"); metadata != nullptr && metadata->is_object()) {
    if (json::value* annotations = metadata->get_object().if_contains("annotations");
        annotations != nullptr && annotations->is_object()) {
      annotations->get_object().erase(kLastApplied);
      if (annotations->get_object().empty()) metadata->get_object().erase("annotations");
    }
  }
  out["metadata"].get_object()["annotations"].get_object()[kLastApplied] = json::serialize(config);
}

}  // namespace

absl::StatusOr<json::object> ServerSideApply(const json::object& live, const json::object& applied, bool force,
                                             const WriteContext& context) {
  json::object out = live;
  std::vector<Entry> entries = EntriesOf(live);
  const FieldSet fields = FieldsOf(applied);
  std::map<std::string, std::vector<std::string>> conflicts;
  size_t count = 0;
  for (const Entry& e : entries) {
    if (e.manager == context.manager && e.operation == "Apply") continue;
    for (const FieldPath& owned : e.fields) {
      for (const FieldPath& path : fields) {
        // The same field, a value of theirs that holds it, or a value of ours
        // that would replace theirs (an empty map replaces nothing).
        const json::value* ours = ValueAt(applied, path);
        const bool covers = owned.size() > path.size() && !(ours->is_object() && ours->get_object().empty());
        if (!Overlaps(owned, path) || (owned.size() > path.size() && !covers)) continue;
        const json::value* now = ValueAt(live, path);
        if (now == nullptr || *now == *ValueAt(applied, path)) continue;
        conflicts[absl::StrCat("\"", e.manager, "\"",
                               e.subresource.empty() ? "" : absl::StrCat(" with subresource \"", e.subresource, "\""),
                               e.api_version.empty() ? "" : " using " + e.api_version)]
            .push_back(Dotted(path));
        ++count;
      }
    }
  }
  if (count > 0 && !force) {
    if (!ConflictsAreLastApplied(live, conflicts, context.manager)) {
      return absl::AbortedError(ConflictMessage(conflicts, count));
    }
    force = true;
  }
  Entry& mine = EntryFor(entries, "Apply", context);
  // What this manager applied before and no longer does goes, unless shared.
  for (const FieldPath& old : FieldSet(mine.fields)) {
    if (fields.count(old)) continue;
    const bool shared = std::any_of(entries.begin(), entries.end(), [&](const Entry& e) {
      return &e != &mine && std::any_of(e.fields.begin(), e.fields.end(), [&](const FieldPath& f) { return Overlaps(f, old); });
    });
    if (!shared) RemoveAt(out, old);
  }
  for (const FieldPath& path : fields) {
    const json::value& value = *ValueAt(applied, path);
    const json::value* now = ValueAt(out, path);
    if (value.is_object() && value.get_object().empty() && now != nullptr && now->is_object()) continue;
    SetAt(out, path, value);
  }
  mine.fields = fields;
  mine.time = TimeText(context.now);
  mine.api_version = context.api_version;
  if (force) Disown(entries, &mine, fields);
  WriteEntries(out, entries);
  KeepLastAppliedCurrent(applied, context.manager, out);
  return out;
}

}  // namespace spillway::sim
