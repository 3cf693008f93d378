#include "sim/cluster/cluster_cache.h"

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

}  // namespace

ClusterCache::~ClusterCache() { Stop(); }

absl::Status ClusterCache::Relist(Store& store) {
  SPILLWAY_ASSIGN_OR_RETURN(json::object list, client_.List(store.path, kube::ListOptions()));
  const json::object* meta = json_fields::ObjectAt(list, {"metadata"});
  const std::string version = meta == nullptr ? "" : json_fields::String(*meta, "resourceVersion");
  std::map<std::string, ObjectRef> objects;
  for (json::object& item : ItemsOf(std::move(list))) {
    std::string key = KeyOf(item);
    objects[std::move(key)] = std::make_shared<const json::object>(std::move(item));
  }
  absl::MutexLock lock(&store.mu);
  store.objects = std::move(objects);
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
          boost::system::error_code ec;
          json::value event = json::parse(json::string_view(text.data(), text.size()), ec);
          if (ec || !event.is_object()) return true;
          const std::string type = json_fields::String(event.get_object(), "type");
          json::value* object = event.get_object().if_contains("object");
          if (object == nullptr || !object->is_object()) return true;
          const json::object* meta = json_fields::ObjectAt(object->get_object(), {"metadata"});
          const std::string version = meta == nullptr ? "" : json_fields::String(*meta, "resourceVersion");
          absl::MutexLock lock(&store.mu);
          if (!version.empty()) store.resource_version = version;
          if (type == "ADDED" || type == "MODIFIED") {
            std::string key = KeyOf(object->get_object());
            store.objects[std::move(key)] = std::make_shared<const json::object>(std::move(object->get_object()));
          } else if (type == "DELETED") {
            store.objects.erase(KeyOf(object->get_object()));
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

absl::StatusOr<std::vector<ObjectRef>> ClusterCache::List(const kube::ResourcePath& collection) {
  Store* store = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = stores_.find(collection.Url());
    if (it == stores_.end()) {
      return absl::FailedPreconditionError(absl::StrCat("the sim cache does not watch ", collection.Url()));
    }
    store = it->second.get();
  }
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
