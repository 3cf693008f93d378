#include "sim/cluster/cluster_cache.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "glog/logging.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

std::string KeyOf(const json::object& object) { return absl::StrCat(NamespaceOf(object), "/", NameOf(object)); }

// The object as the cache keeps it, copied into the default heap without
// metadata.managedFields. No stand-in reads them, and they are over a
// quarter of a pod's memory; client-go's TransformStripManagedFields, which
// kube-scheduler's informers apply, drops them for the same reason.
// `parsed` should live in a scratch arena (a watch event's): removing
// managedFields from an object parsed into the heap left a freed subtree
// per event, and the fragmented heap slowed every later allocation of the
// process. _int_malloc went from 7% to 17% of the scheduler's thread, and
// binding from 1,333 to 930 pods/s (bench/README.md, "Facts read once per
// pod version").
ObjectRef Cached(const json::object& parsed) {
  json::object copy;
  copy.reserve(parsed.size());
  for (const json::key_value_pair& field : parsed) {
    if (field.key() != "metadata" || !field.value().is_object()) {
      copy.emplace(field.key(), field.value());  // Deep, into copy's (default) storage.
      continue;
    }
    const json::object& meta = field.value().get_object();
    json::object kept;
    kept.reserve(meta.size());
    for (const json::key_value_pair& entry : meta) {
      if (entry.key() != "managedFields") kept.emplace(entry.key(), entry.value());
    }
    copy.emplace(field.key(), std::move(kept));
  }
  return std::make_shared<const json::object>(std::move(copy));
}

}  // namespace

ClusterCache::~ClusterCache() { Stop(); }

void ClusterCache::Apply(Store& store, ObjectEvent::Type type, ObjectRef object) {
  std::string key = KeyOf(*object);
  if (type == ObjectEvent::Type::kDeleted) {
    store.objects.erase(key);
  } else {
    store.objects[std::move(key)] = object;
  }
  const ObjectEvent event{type, std::move(object)};
  for (const auto& [id, handler] : store.handlers) handler(event);
}

// A relist replaces the store; handlers hear the difference.
absl::Status ClusterCache::Relist(Store& store) {
  SPILLWAY_ASSIGN_OR_RETURN(json::object list, client_.List(store.path, kube::ListOptions()));
  const json::object* meta = json_fields::ObjectAt(list, {"metadata"});
  const std::string version = meta == nullptr ? "" : json_fields::String(*meta, "resourceVersion");
  std::map<std::string, ObjectRef> objects;
  for (json::object& item : ItemsOf(std::move(list))) {
    std::string key = KeyOf(item);
    objects[std::move(key)] = Cached(item);
  }
  absl::MutexLock lock(&store.mu);
  std::vector<ObjectRef> gone;
  for (const auto& [key, object] : store.objects) {
    if (objects.count(key) == 0) gone.push_back(object);
  }
  for (ObjectRef& object : gone) Apply(store, ObjectEvent::Type::kDeleted, std::move(object));
  for (const auto& [key, object] : objects) {
    auto had = store.objects.find(key);
    if (had == store.objects.end()) {
      Apply(store, ObjectEvent::Type::kAdded, object);
    } else if (StringView(*had->second, {"metadata", "resourceVersion"}) !=
               StringView(*object, {"metadata", "resourceVersion"})) {
      Apply(store, ObjectEvent::Type::kModified, object);
    }
  }
  store.resource_version = version;
  return absl::OkStatus();
}

absl::Status ClusterCache::Watch(const kube::ResourcePath& collection) {
  auto store = std::make_unique<Store>();
  store->path = collection;
  SPILLWAY_RETURN_IF_ERROR(Relist(*store));
  Store* raw = store.get();
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::CancelledError("the cache is stopping");
  stores_[collection.Url()] = std::move(store);
  raw->thread = std::thread([this, raw] { Follow(*raw); });
  return absl::OkStatus();
}

void ClusterCache::Follow(Store& store) {
  while (!store.canceller.cancelled()) {
    kube::WatchOptions options;
    {
      absl::MutexLock lock(&store.mu);
      options.resource_version = store.resource_version;
    }
    options.timeout = absl::Minutes(5);
    absl::Status status = client_.Watch(
        store.path, options,
        [&store](absl::string_view text) {
          // Parsed into a scratch arena, and only the cached copy kept.
          json::monotonic_resource arena(text.size() * 3 + 1024);
          boost::system::error_code ec;
          json::value event = json::parse(json::string_view(text.data(), text.size()), ec, &arena);
          if (ec || !event.is_object()) return true;
          const std::string type = json_fields::String(event.get_object(), "type");
          json::value* object = event.get_object().if_contains("object");
          if (object == nullptr || !object->is_object()) return true;
          const json::object* meta = json_fields::ObjectAt(object->get_object(), {"metadata"});
          const std::string version = meta == nullptr ? "" : json_fields::String(*meta, "resourceVersion");
          absl::MutexLock lock(&store.mu);
          if (!version.empty()) store.resource_version = version;
          const ObjectEvent::Type kind = type == "ADDED"      ? ObjectEvent::Type::kAdded
                                         : type == "MODIFIED" ? ObjectEvent::Type::kModified
                                                              : ObjectEvent::Type::kDeleted;
          if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
            Apply(store, kind, Cached(object->get_object()));
          }
          return true;
        },
        &store.canceller);
    if (store.canceller.cancelled()) return;
    if (absl::IsOutOfRange(status) || absl::IsInvalidArgument(status)) {
      // 410 Gone: the version left the server's window; start over.
      if (absl::Status relisted = Relist(store); !relisted.ok()) LOG(WARNING) << "sim cache: " << relisted;
    } else if (!status.ok()) {
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
}

ClusterCache::Store* ClusterCache::Find(const kube::ResourcePath& collection) const {
  absl::MutexLock lock(&mu_);
  auto it = stores_.find(collection.Url());
  return it == stores_.end() ? nullptr : it->second.get();
}

absl::StatusOr<int> ClusterCache::AddEventHandler(const kube::ResourcePath& collection, ObjectEventHandler handler) {
  Store* store = Find(collection);
  if (store == nullptr) return absl::FailedPreconditionError(absl::StrCat("the sim cache does not watch ", collection.Url()));
  absl::MutexLock lock(&store->mu);
  const int id = store->next_handler++;
  store->handlers[id] = std::move(handler);
  return id;
}

void ClusterCache::RemoveEventHandler(const kube::ResourcePath& collection, int id) {
  Store* store = Find(collection);
  if (store == nullptr) return;
  absl::MutexLock lock(&store->mu);  // Handlers run under it: none is running after this.
  store->handlers.erase(id);
}

absl::Status ClusterCache::AwaitCurrent(absl::Duration limit) {
  if (latest_ == nullptr) return absl::OkStatus();
  std::vector<std::pair<Store*, uint64_t>> targets;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [url, store] : stores_) targets.emplace_back(store.get(), 0);
  }
  for (auto& [store, target] : targets) target = latest_(store->path);
  const absl::Time deadline = absl::Now() + limit;
  std::string behind;
  for (const auto& [behind_store, target] : targets) {
    Store* store = behind_store;  // (A lambda may not capture a structured binding before C++20.)
    const uint64_t wanted = target;
    auto current = [store, wanted]() ABSL_SHARED_LOCKS_REQUIRED(store->mu) {
      uint64_t seen = 0;
      return absl::SimpleAtoi(store->resource_version, &seen) && seen >= wanted;
    };
    absl::MutexLock lock(&store->mu);
    if (!store->mu.AwaitWithDeadline(absl::Condition(&current), deadline)) {
      absl::StrAppend(&behind, behind.empty() ? "" : ", ", store->path.Url(), " at ", store->resource_version,
                      " of ", wanted);
    }
  }
  if (behind.empty()) return absl::OkStatus();
  return absl::DeadlineExceededError(absl::StrCat("the sim cache did not catch up in ", absl::FormatDuration(limit),
                                                  ": ", behind));
}

absl::StatusOr<std::vector<ObjectRef>> ClusterCache::List(const kube::ResourcePath& collection) {
  Store* store = Find(collection);
  if (store == nullptr) return absl::FailedPreconditionError(absl::StrCat("the sim cache does not watch ", collection.Url()));
  std::vector<ObjectRef> objects;
  absl::MutexLock lock(&store->mu);
  objects.reserve(store->objects.size());
  for (const auto& [key, object] : store->objects) objects.push_back(object);
  return objects;
}

void ClusterCache::Stop() {
  std::vector<Store*> stores;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [url, store] : stores_) stores.push_back(store.get());
  }
  for (Store* store : stores) store->canceller.Cancel();
  for (Store* store : stores) {
    if (store->thread.joinable()) store->thread.join();
  }
}

}  // namespace spillway::sim
