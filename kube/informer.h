// Informers in the spirit of client-go's SharedInformer: a Reflector keeps a
// cache of compact typed records (kube/objects.h, decoded straight from the
// API server's bytes) in step with the cluster, and calls handlers on every
// change.
//
//   Informer<PodRecord> pods(client, options, &DecodePodRecord);
//   pods.AddHandler(handler);  // on_add / on_update / on_delete
//   pods.Start();
//   pods.WaitForSync(absl::Seconds(30));
//   std::shared_ptr<const PodRecord> pod = pods.Get("default/web-1");
//
// Records are immutable once stored and handed out as shared_ptr<const T>, so
// readers keep them as long as they like without locks. With
// `publish_snapshots`, the informer also swaps in a complete immutable map
// after each relist and each watch event, for hot paths that must never wait
// on the watch thread (meant for node-sized caches: a publish copies the map).
//
// Handlers run on the informer's thread, in event order, after the cache was
// updated; they must not block for long (controllers queue keys into a
// WorkQueue and do the work elsewhere). After a relist, handlers see adds for
// new objects, updates for changed ones (by resourceVersion) and deletes for
// objects that vanished while the watch was down.
//
// Thread-safe. Lifecycle: AddHandler() before Start(); Stop() (or the
// destructor) ends the watch and joins the thread.
#ifndef SPILLWAY_KUBE_INFORMER_H_
#define SPILLWAY_KUBE_INFORMER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/json_reader.h"
#include "kube/objects.h"
#include "kube/reflector.h"
#include "kube/rest_client.h"

namespace spillway::kube {

template <typename T>
class Informer : private ReflectorSink {
 public:
  using Decoder = absl::Status (*)(json::value, const json::Path&, T*);
  using Map = absl::flat_hash_map<std::string, std::shared_ptr<const T>>;

  struct Options {
    Reflector::Options reflector;
    // Keep an immutable whole-cache snapshot for Snapshot().
    bool publish_snapshots = false;
  };

  struct Handler {
    std::function<void(const T& object)> on_add;
    std::function<void(const T& old_object, const T& new_object)> on_update;
    std::function<void(const T& object)> on_delete;
    // After a relist or a watch event was applied and handled.
    std::function<void()> on_batch_end;
  };

  // `client` must outlive the informer.
  Informer(RestClient& client, Options options, Decoder decode)
      : options_(std::move(options)),
        decode_(decode),
        reflector_(client, options_.reflector, *this),
        snapshot_(std::make_shared<const Map>()) {}
  ~Informer() { Stop(); }

  void AddHandler(Handler handler) { handlers_.push_back(std::move(handler)); }

  void Start() {
    absl::MutexLock lock(&stop_mu_);
    thread_ = std::thread([this] { reflector_.Run(); });
  }
  // Safe to call from several threads at once (a signal handler's thread
  // and a destructor): each returns once the informer's thread has ended.
  void Stop() {
    reflector_.Stop();
    absl::MutexLock lock(&stop_mu_);
    if (thread_.joinable()) thread_.join();
  }

  // Whether the first full list is in the cache.
  bool HasSynced() const { return reflector_.HasSynced(); }
  // See Reflector::SyncAge.
  absl::Duration SyncAge(absl::Time now) const { return reflector_.SyncAge(now); }
  // Waits until HasSynced() or `timeout`; answers HasSynced().
  bool WaitForSync(absl::Duration timeout) const {
    const absl::Time deadline = absl::Now() + timeout;
    while (!HasSynced() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
    return HasSynced();
  }

  std::shared_ptr<const T> Get(const std::string& key) const {
    absl::MutexLock lock(&mu_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : it->second;
  }
  std::vector<std::shared_ptr<const T>> List() const {
    absl::MutexLock lock(&mu_);
    std::vector<std::shared_ptr<const T>> out;
    out.reserve(items_.size());
    for (const auto& [key, item] : items_) out.push_back(item);
    return out;
  }
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return items_.size();
  }
  // The latest published whole-cache snapshot (publish_snapshots only).
  std::shared_ptr<const Map> Snapshot() const {
    absl::MutexLock lock(&snapshot_mu_);
    return snapshot_;
  }

  const Reflector& reflector() const { return reflector_; }

 private:
  struct Change {
    std::shared_ptr<const T> old_object;  // Null for an add.
    std::shared_ptr<const T> new_object;  // Null for a delete.
  };

  void BeginReplace() override { replacing_.clear(); }

  absl::Status ReplaceItem(json::value object, const json::Path& path) override {
    auto record = std::make_shared<T>();
    if (absl::Status s = decode_(object, path, record.get()); !s.ok()) return s;
    std::string key = RecordKey(*record);
    replacing_[std::move(key)] = std::move(record);
    return absl::OkStatus();
  }

  void EndReplace() override {
    std::vector<Change> changes;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [key, record] : replacing_) {
        auto it = items_.find(key);
        if (it == items_.end()) {
          changes.push_back({nullptr, record});
        } else if (RecordVersion(*it->second) != RecordVersion(*record)) {
          changes.push_back({it->second, record});
        }
      }
      for (const auto& [key, record] : items_) {
        if (!replacing_.contains(key)) changes.push_back({record, nullptr});
      }
      items_.swap(replacing_);
    }
    Map().swap(replacing_);  // Free the old map now, not at the next relist.
    Dispatch(changes);
    EndBatch();
  }

  absl::StatusOr<std::string> ApplyEvent(WatchEventType type, json::value object,
                                         const json::Path& path) override {
    auto record = std::make_shared<T>();
    if (absl::Status s = decode_(object, path, record.get()); !s.ok()) return s;
    std::string key = RecordKey(*record);
    std::string resource_version(RecordVersion(*record));
    Change change;
    {
      absl::MutexLock lock(&mu_);
      auto it = items_.find(key);
      if (it != items_.end()) change.old_object = it->second;
      if (type == WatchEventType::kDeleted) {
        if (it != items_.end()) items_.erase(it);
        // A delete reports the object's last state, as the server sent it.
        if (change.old_object == nullptr) change.old_object = record;
      } else {
        change.new_object = record;
        items_[std::move(key)] = std::move(record);
      }
    }
    Dispatch({change});
    EndBatch();
    return resource_version;
  }

  void Dispatch(const std::vector<Change>& changes) {
    if (options_.publish_snapshots && !changes.empty()) snapshot_dirty_ = true;
    for (const Handler& handler : handlers_) {
      for (const Change& change : changes) {
        if (change.old_object == nullptr) {
          if (handler.on_add) handler.on_add(*change.new_object);
        } else if (change.new_object == nullptr) {
          if (handler.on_delete) handler.on_delete(*change.old_object);
        } else if (handler.on_update) {
          handler.on_update(*change.old_object, *change.new_object);
        }
      }
    }
  }

  // Publishes the snapshot and tells handlers a batch ended. Events are
  // applied one by one as they are read; this runs after each one, which
  // for the node-sized caches that publish snapshots costs well under a
  // millisecond per change.
  void EndBatch() {
    if (snapshot_dirty_) {
      std::shared_ptr<const Map> fresh;
      {
        absl::MutexLock lock(&mu_);
        fresh = std::make_shared<const Map>(items_);
      }
      absl::MutexLock lock(&snapshot_mu_);
      snapshot_ = std::move(fresh);
      snapshot_dirty_ = false;
    }
    for (const Handler& handler : handlers_) {
      if (handler.on_batch_end) handler.on_batch_end();
    }
  }

  const Options options_;
  const Decoder decode_;
  std::vector<Handler> handlers_;  // Set before Start().
  Reflector reflector_;
  absl::Mutex stop_mu_;
  std::thread thread_ ABSL_GUARDED_BY(stop_mu_);
  Map replacing_;  // Reflector thread only: the relist being built.
  bool snapshot_dirty_ = false;  // Reflector thread only.

  mutable absl::Mutex mu_;
  Map items_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex snapshot_mu_;
  std::shared_ptr<const Map> snapshot_ ABSL_GUARDED_BY(snapshot_mu_);
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_INFORMER_H_
