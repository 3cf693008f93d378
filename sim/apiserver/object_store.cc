#include "sim/apiserver/object_store.h"

#include <algorithm>

#include <string_view>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "absl/strings/str_format.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// Kubernetes' alphabet for generateName suffixes (no vowels, no look-alikes).
constexpr char kNameAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";

// metadata.finalizers (strings only).
std::vector<std::string> Finalizers(const json::object& meta) {
  std::vector<std::string> out;
  const json::value* list = meta.if_contains("finalizers");
  if (list == nullptr || !list->is_array()) return out;
  for (const json::value& item : list->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

json::object& Metadata(json::object& object) {
  json::value& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  return meta.get_object();
}

// "pods" or "deployments.apps", as Kubernetes names resources in messages.
std::string QualifiedName(const ResourceType& type) {
  return type.group.empty() ? type.plural : absl::StrCat(type.plural, ".", type.group);
}

std::string Timestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

// A stored object decoded (the store wrote the bytes: they parse).
json::object Decode(const std::string& text) {
  json::value value = json::parse(text);
  return std::move(value.as_object());
}

// metadata.ownerReferences[].uid
std::vector<std::string> OwnerUids(const json::object& meta) {
  std::vector<std::string> out;
  const json::value* refs = meta.if_contains("ownerReferences");
  if (refs == nullptr || !refs->is_array()) return out;
  for (const json::value& ref : refs->get_array()) {
    if (!ref.is_object()) continue;
    std::string uid = json_fields::String(ref.get_object(), "uid");
    if (!uid.empty()) out.push_back(std::move(uid));
  }
  return out;
}

// Whether two managedFields entries are equal but for their "time" (which a
// no-op write would restamp).
bool SameButTime(const json::value& a, const json::value& b) {
  if (!a.is_object() || !b.is_object()) return a == b;
  const json::object& x = a.get_object();
  const json::object& y = b.get_object();
  const size_t x_size = x.size() - (x.contains("time") ? 1 : 0);
  const size_t y_size = y.size() - (y.contains("time") ? 1 : 0);
  if (x_size != y_size) return false;
  for (const json::key_value_pair& field : x) {
    if (field.key() == "time") continue;
    const json::value* other = y.if_contains(field.key());
    if (other == nullptr || *other != field.value()) return false;
  }
  return true;
}

// Metadata equal but for resourceVersion and managedFields' times.
bool SameMetadata(const json::object& a, const json::object& b) {
  const size_t a_size = a.size() - (a.contains("resourceVersion") ? 1 : 0);
  const size_t b_size = b.size() - (b.contains("resourceVersion") ? 1 : 0);
  if (a_size != b_size) return false;
  for (const json::key_value_pair& field : a) {
    if (field.key() == "resourceVersion") continue;
    const json::value* other = b.if_contains(field.key());
    if (other == nullptr) return false;
    if (field.key() != "managedFields" || !field.value().is_array() || !other->is_array()) {
      if (*other != field.value()) return false;
      continue;
    }
    const json::array& mine = field.value().get_array();
    const json::array& theirs = other->get_array();
    if (mine.size() != theirs.size()) return false;
    for (size_t i = 0; i < mine.size(); ++i) {
      if (!SameButTime(mine[i], theirs[i])) return false;
    }
  }
  return true;
}

}  // namespace

// Whether `updated` equals `stored` but for its resourceVersion and the
// timestamps of managedFields entries (which a no-op write would restamp).
// Compares in place: copying both objects to erase those fields was an
// allocation per node of each on every write.
bool IsNoOp(const json::object& stored, const json::object& updated) {
  if (stored.size() != updated.size()) return false;
  for (const json::key_value_pair& field : stored) {
    const json::value* other = updated.if_contains(field.key());
    if (other == nullptr) return false;
    if (field.key() == "metadata" && field.value().is_object() && other->is_object()) {
      if (!SameMetadata(field.value().get_object(), other->get_object())) return false;
    } else if (*other != field.value()) {
      return false;
    }
  }
  return true;
}

absl::string_view WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kAdded:
      return "ADDED";
    case WatchEvent::Type::kModified:
      return "MODIFIED";
    case WatchEvent::Type::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

ObjectStore::ObjectStore(Options options, std::function<absl::Time()> now,
                         absl::BitGenRef random)
    : options_(options), now_(std::move(now)), random_(random) {}

namespace {

// splitmix64: a fixed, well-mixed function of its input (stable across runs,
// unlike absl::Hash).
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fnv1a(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

}  // namespace

uint64_t ObjectStore::SeededDraw(const std::string& key) {
  const uint64_t n = draws_[key]++;
  return Mix(Mix(*options_.seed ^ Fnv1a(key)) + n);
}

std::string ObjectStore::NewUid(const std::string& key) {
  uint64_t seeded[2] = {0, 0};
  if (options_.seed.has_value()) seeded[0] = SeededDraw("uid/" + key), seeded[1] = Mix(seeded[0]);
  int drawn = 0;
  auto part = [&](int digits) {
    std::string out;
    for (int i = 0; i < digits; ++i, ++drawn) {
      const int nibble = options_.seed.has_value() ? static_cast<int>((seeded[drawn / 16] >> (4 * (drawn % 16))) & 15)
                                                  : absl::Uniform(random_, 0, 16);
      out.push_back("0123456789abcdef"[nibble]);
    }
    return out;
  };
  return absl::StrCat(part(8), "-", part(4), "-4", part(3), "-a", part(3), "-", part(12));
}

void ObjectStore::Record(WatchEvent::Type type, const Key& key, std::shared_ptr<const std::string> json) {
  auto event = std::make_shared<WatchEvent>(WatchEvent{type, resource_version_, std::get<0>(key), std::get<1>(key),
                                                       std::get<2>(key), std::move(json)});
  latest_by_type_[{std::get<0>(key), std::get<1>(key)}] = resource_version_;
  events_total_bytes_ += event->object_json().size();
  events_.push_back(std::move(event));
  // The newest event always stays (a watcher must see it), however large.
  while (events_.size() > 1 &&
         (events_.size() > options_.watch_window || events_total_bytes_ > options_.watch_window_bytes)) {
    pruned_through_ = events_.front()->resource_version;
    events_total_bytes_ -= events_.front()->object_json().size();
    events_.pop_front();
  }
}

std::shared_ptr<const std::string> ObjectStore::PutLocked(const Key& key, const json::object& object) {
  auto [it, inserted] = objects_.try_emplace(key);
  if (!inserted) UnindexLocked(it);
  Stored& stored = it->second;
  stored.json = std::make_shared<const std::string>(json::serialize(object));
  const json::value* meta = object.if_contains("metadata");
  stored.uid = meta != nullptr && meta->is_object() ? json_fields::String(meta->get_object(), "uid") : "";
  stored.owner_uids = meta != nullptr && meta->is_object() ? OwnerUids(meta->get_object()) : std::vector<std::string>();
  if (!stored.uid.empty()) uids_.insert(stored.uid);
  for (const std::string& owner : stored.owner_uids) dependents_[owner].insert(key);
  return stored.json;
}

void ObjectStore::UnindexLocked(Objects::const_iterator it) {
  if (!it->second.uid.empty()) uids_.erase(it->second.uid);
  for (const std::string& owner : it->second.owner_uids) {
    auto found = dependents_.find(owner);
    if (found == dependents_.end()) continue;
    found->second.erase(it->first);
    if (found->second.empty()) dependents_.erase(found);
  }
}

namespace {
// Notifies the store's listeners when a write method returns (after its lock
// is released, since it is declared first).
class NotifyOnExit {
 public:
  explicit NotifyOnExit(std::function<void()> notify) : notify_(std::move(notify)) {}
  ~NotifyOnExit() { notify_(); }

 private:
  std::function<void()> notify_;
};
}  // namespace

int ObjectStore::AddListener(std::function<void()> listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_[next_listener_] = std::move(listener);
  return next_listener_++;
}

void ObjectStore::RemoveListener(int id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

void ObjectStore::NotifyListeners() {
  absl::MutexLock lock(&listeners_mu_);
  for (auto& [id, listener] : listeners_) listener();
}

absl::StatusOr<json::object> ObjectStore::Create(const ResourceType& type, absl::string_view ns,
                                                 json::object object, Persist persist) {
  NotifyOnExit notify([this] { NotifyListeners(); });
  absl::MutexLock lock(&mu_);
  json::object& meta = Metadata(object);
  std::string name = json_fields::String(meta, "name");
  const std::string generate_name = json_fields::String(meta, "generateName");
  if (name.empty() && generate_name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        QualifiedName(type), " \"\" is invalid: metadata.name: Required value: name or "
                             "generateName is required"));
  }
  const std::string space = type.namespaced ? std::string(ns) : "";
  for (int attempt = 0; name.empty() && attempt < 8; ++attempt) {
    std::string candidate = generate_name;
    uint64_t seeded =
        options_.seed.has_value() ? SeededDraw(absl::StrCat("name/", type.group, "/", type.plural, "/", space, "/", generate_name)) : 0;
    for (int i = 0; i < 5; ++i) {
      const size_t letter = options_.seed.has_value() ? (seeded >> (8 * i)) % (sizeof(kNameAlphabet) - 1)
                                                     : absl::Uniform(random_, 0u, sizeof(kNameAlphabet) - 1);
      candidate.push_back(kNameAlphabet[letter]);
    }
    if (objects_.count(Key{type.group, type.plural, space, candidate}) == 0) name = candidate;
  }
  Key key{type.group, type.plural, space, name};
  if (objects_.count(key) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat(QualifiedName(type), " \"", name, "\" already exists"));
  }
  meta["name"] = name;
  if (type.namespaced) {
    meta["namespace"] = space;
  } else {
    meta.erase("namespace");
  }
  meta["uid"] = NewUid(absl::StrCat(type.group, "/", type.plural, "/", space, "/", name));
  meta["creationTimestamp"] = Timestamp(now_());
  meta["generation"] = 1;
  if (persist == Persist::kDryRun) {
    meta.erase("resourceVersion");
  } else {
    meta["resourceVersion"] = std::to_string(resource_version_ + 1);
  }
  // Inserting into `object` may move its members: `meta` is not used below.
  object["apiVersion"] = type.group.empty() ? type.version : absl::StrCat(type.group, "/", type.version);
  object["kind"] = type.kind;
  if (persist == Persist::kDryRun) return object;
  ++resource_version_;
  Record(WatchEvent::Type::kAdded, key, PutLocked(key, object));
  return object;
}

absl::StatusOr<json::object> ObjectStore::Get(const ResourceType& type, absl::string_view ns,
                                              absl::string_view name) const {
  std::shared_ptr<const std::string> json;
  {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(KeyOf(type, ns, name));
    if (it == objects_.end()) return NotFound(type, name);
    json = it->second.json;
  }
  return Decode(*json);
}

std::string ListKey(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(ns, std::string(1, '\0'), name);
}

ObjectStore::SerializedList ObjectStore::Listed(const ResourceType& type, absl::string_view ns) const {
  SerializedList result;
  absl::MutexLock lock(&mu_);
  result.resource_version = resource_version_;
  for (auto it = objects_.lower_bound(Key{type.group, type.plural, "", ""});
       it != objects_.end() && std::get<0>(it->first) == type.group && std::get<1>(it->first) == type.plural;
       ++it) {
    if (!ns.empty() && type.namespaced && std::get<2>(it->first) != ns) continue;
    result.items.push_back({ListKey(std::get<2>(it->first), std::get<3>(it->first)), it->second.json});
  }
  return result;
}

namespace {
bool Selected(const json::object& object, const kube::LabelSelector& labels, const FieldSelector& fields) {
  return (labels.empty() || labels.Matches(LabelsOf(object))) && fields.Matches(object);
}
}  // namespace

ObjectStore::SerializedList ObjectStore::ListSerialized(const ResourceType& type, absl::string_view ns,
                                                        const kube::LabelSelector& labels,
                                                        const FieldSelector& fields) const {
  SerializedList result = Listed(type, ns);
  if (labels.empty() && fields.empty()) return result;
  // Tested outside the lock: the versions listed stay as they were.
  auto rejected = [&](const ListedObject& item) { return !Selected(Decode(*item.json), labels, fields); };
  result.items.erase(std::remove_if(result.items.begin(), result.items.end(), rejected), result.items.end());
  return result;
}

ObjectStore::ListResult ObjectStore::List(const ResourceType& type, absl::string_view ns,
                                          const kube::LabelSelector& labels,
                                          const FieldSelector& fields) const {
  SerializedList listed = Listed(type, ns);
  ListResult result;
  result.resource_version = listed.resource_version;
  result.items.reserve(listed.items.size());
  for (const ListedObject& item : listed.items) {
    json::object object = Decode(*item.json);  // Once: tested and answered.
    if (Selected(object, labels, fields)) result.items.push_back(std::move(object));
  }
  return result;
}

ObjectStore::Key ObjectStore::KeyOf(const ResourceType& type, absl::string_view ns,
                                   absl::string_view name) {
  return Key{type.group, type.plural, type.namespaced ? std::string(ns) : "", std::string(name)};
}

absl::Status ObjectStore::NotFound(const ResourceType& type, absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(QualifiedName(type), " \"", name, "\" not found"));
}

absl::StatusOr<json::object> ObjectStore::Update(const ResourceType& type, absl::string_view ns,
                                                 absl::string_view name, json::object object) {
  return Modify(type, ns, name, [&object](json::object& current) {
    current = std::move(object);
    return absl::OkStatus();
  });
}

absl::StatusOr<json::object> ObjectStore::Modify(
    const ResourceType& type, absl::string_view ns, absl::string_view name,
    const std::function<absl::Status(json::object&)>& modify, Persist persist) {
  NotifyOnExit notify([this] { NotifyListeners(); });
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(KeyOf(type, ns, name));
  if (it == objects_.end()) return NotFound(type, name);
  json::object stored = Decode(*it->second.json);
  json::object object = stored;
  if (absl::Status s = modify(object); !s.ok()) return s;
  json::object& meta = Metadata(object);
  const std::string given_name = json_fields::String(meta, "name");
  if (!given_name.empty() && given_name != name) {
    return absl::InvalidArgumentError(absl::StrCat(
        QualifiedName(type), " \"", given_name, "\" is invalid: metadata.name: Invalid value: \"",
        given_name, "\": field is immutable (the URL names \"", name, "\")"));
  }
  json::object& stored_meta = Metadata(stored);
  const std::string given_version = json_fields::String(meta, "resourceVersion");
  if (!given_version.empty() && given_version != json_fields::String(stored_meta, "resourceVersion")) {
    return absl::AbortedError(absl::StrCat(
        "Operation cannot be fulfilled on ", QualifiedName(type), " \"", name,
        "\": the object has been modified; please apply your changes to the latest version "
        "and try again"));
  }
  // Server-owned metadata survives whatever the client sent.
  for (const char* field : {"uid", "creationTimestamp", "namespace", "deletionTimestamp",
                            "deletionGracePeriodSeconds"}) {
    if (const json::value* v = stored_meta.if_contains(field)) {
      meta[field] = *v;
    } else {
      meta.erase(field);
    }
  }
  if (stored_meta.contains("deletionTimestamp")) {
    for (const std::string& finalizer : Finalizers(meta)) {
      const std::vector<std::string> before = Finalizers(stored_meta);
      if (std::find(before.begin(), before.end(), finalizer) == before.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            QualifiedName(type), " \"", name, "\" is invalid: metadata.finalizers: Forbidden: no new "
            "finalizers can be added if the object is being deleted, found new finalizers [\"",
            finalizer, "\"]"));
      }
    }
  }
  meta["name"] = std::string(name);
  int64_t generation = 1;
  if (const json::value* g = stored_meta.if_contains("generation"); g != nullptr && g->is_int64()) {
    generation = g->get_int64();
  }
  const json::value* old_spec = stored.if_contains("spec");
  const json::value* new_spec = object.if_contains("spec");
  const bool spec_changed = (old_spec == nullptr) != (new_spec == nullptr) ||
                            (old_spec != nullptr && *old_spec != *new_spec);
  meta["generation"] = spec_changed ? generation + 1 : generation;
  object["apiVersion"] = stored["apiVersion"];
  object["kind"] = type.kind;
  json::object& final_meta = Metadata(object);  // The inserts above may have moved `meta`.
  if (IsNoOp(stored, object)) {
    // As kube-apiserver's storage does (GuaranteedUpdate): a write that
    // changes nothing stores nothing, bumps no resourceVersion and sends no
    // watch event.
    return stored;
  }
  if (persist == Persist::kDryRun) {
    final_meta["resourceVersion"] = Metadata(stored).at("resourceVersion");
    return object;
  }
  ++resource_version_;
  final_meta["resourceVersion"] = std::to_string(resource_version_);
  Record(WatchEvent::Type::kModified, it->first, PutLocked(it->first, object));
  if (final_meta.contains("deletionTimestamp") && Finalizers(final_meta).empty()) {
    RemoveLocked(it, false);  // The last finalizer is done: the deletion completes.
  }
  return object;
}

absl::StatusOr<json::object> ObjectStore::Delete(const ResourceType& type, absl::string_view ns,
                                                 absl::string_view name, bool orphan_dependents, Persist persist) {
  NotifyOnExit notify([this] { NotifyListeners(); });
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(KeyOf(type, ns, name));
  if (it == objects_.end()) return NotFound(type, name);
  json::object object = Decode(*it->second.json);
  if (persist == Persist::kDryRun) {
    json::object& meta = Metadata(object);
    if (!Finalizers(meta).empty() && !meta.contains("deletionTimestamp")) {
      meta["deletionTimestamp"] = Timestamp(now_());
      meta["deletionGracePeriodSeconds"] = 0;
    }
    return object;
  }
  json::object& meta = Metadata(object);
  if (!Finalizers(meta).empty()) {
    if (!meta.contains("deletionTimestamp")) {
      meta["deletionTimestamp"] = Timestamp(now_());
      meta["deletionGracePeriodSeconds"] = 0;
      ++resource_version_;
      meta["resourceVersion"] = std::to_string(resource_version_);
      Record(WatchEvent::Type::kModified, it->first, PutLocked(it->first, object));
    }
    return object;
  }
  return RemoveLocked(it, orphan_dependents);
}

json::object ObjectStore::RemoveLocked(Objects::iterator it, bool orphan_dependents) {
  const Key key = it->first;
  json::object object = Decode(*it->second.json);
  UnindexLocked(it);
  objects_.erase(it);
  ++resource_version_;
  Metadata(object)["resourceVersion"] = std::to_string(resource_version_);
  Record(WatchEvent::Type::kDeleted, key, std::make_shared<const std::string>(json::serialize(object)));

  // The garbage collector: what did this object own?
  const std::string uid = json_fields::String(Metadata(object), "uid");
  if (uid.empty()) return object;
  auto owned = dependents_.find(uid);
  if (owned == dependents_.end()) return object;
  const std::vector<Key> dependents(owned->second.begin(), owned->second.end());
  for (const Key& dependent : dependents) {
    auto found = objects_.find(dependent);
    if (found == objects_.end()) continue;  // Collected meanwhile (a chain).
    json::object other = Decode(*found->second.json);
    json::object& meta = Metadata(other);
    json::array remaining;
    bool owner_left = false;
    for (const json::value& ref : meta["ownerReferences"].as_array()) {
      const std::string owner = ref.is_object() ? json_fields::String(ref.get_object(), "uid") : "";
      if (owner == uid) continue;
      remaining.push_back(ref);
      owner_left = owner_left || uids_.contains(owner);
    }
    if (orphan_dependents || owner_left) {
      if (remaining.empty()) {
        meta.erase("ownerReferences");
      } else {
        meta["ownerReferences"] = std::move(remaining);
      }
      ++resource_version_;
      meta["resourceVersion"] = std::to_string(resource_version_);
      Record(WatchEvent::Type::kModified, found->first, PutLocked(found->first, other));
    } else {
      DeleteDependentLocked(dependent);
    }
  }
  return object;
}

void ObjectStore::DeleteDependentLocked(const Key& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  json::object object = Decode(*it->second.json);
  json::object& meta = Metadata(object);
  if (Finalizers(meta).empty()) {
    RemoveLocked(it, false);
    return;
  }
  if (meta.contains("deletionTimestamp")) return;
  meta["deletionTimestamp"] = Timestamp(now_());
  meta["deletionGracePeriodSeconds"] = 0;
  ++resource_version_;
  meta["resourceVersion"] = std::to_string(resource_version_);
  Record(WatchEvent::Type::kModified, key, PutLocked(key, object));
}

absl::StatusOr<ObjectStore::LoggedEvents> ObjectStore::EventsAfter(const ResourceType& type, absl::string_view ns,
                                                                   uint64_t after) const {
  absl::MutexLock lock(&mu_);
  if (after < pruned_through_) {
    return absl::OutOfRangeError(
        absl::StrFormat("too old resource version: %d (%d)", after, pruned_through_ + 1));
  }
  LoggedEvents logged;
  logged.through = events_.empty() ? after : std::max(after, events_.back()->resource_version);
  // The log is in resourceVersion order: start after `after` rather than
  // scanning it whole for every watcher on every change.
  auto first = std::partition_point(events_.begin(), events_.end(), [after](const auto& event) {
    return event->resource_version <= after;
  });
  for (auto it = first; it != events_.end(); ++it) {
    const WatchEvent& event = **it;
    if (event.group != type.group || event.plural != type.plural) continue;
    if (!ns.empty() && type.namespaced && event.namespace_ != ns) continue;
    logged.events.push_back(*it);
  }
  return logged;
}

bool ObjectStore::AwaitChange(uint64_t after, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, after]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return resource_version_ > after;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
}

uint64_t ObjectStore::resource_version() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

uint64_t ObjectStore::LatestVersionOf(absl::string_view group, absl::string_view plural) const {
  absl::MutexLock lock(&mu_);
  auto it = latest_by_type_.find(std::make_pair(std::string(group), std::string(plural)));
  return it == latest_by_type_.end() ? 0 : it->second;
}

}  // namespace spillway::sim
