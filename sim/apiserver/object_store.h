// The embedded API server's storage: Kubernetes objects in memory, with the
// semantics clients rely on (sim/ is a Kubernetes, not a Spillway: nothing here
// knows ECI policy).
//
//  * One cluster-wide, monotonically increasing resourceVersion; every write
//    stamps the object with the new value.
//  * Create fills uid, creationTimestamp, generation 1 and resourceVersion, and
//    names objects from metadata.generateName; AlreadyExists on a taken name.
//  * Update is optimistic: a metadata.resourceVersion that is not the stored
//    one is a Conflict (Aborted); a change of `spec` bumps metadata.generation.
//  * Every write appends to a bounded event log that watches read from; a
//    resourceVersion older than the log's window is Gone (OutOfRange), so
//    clients must relist, exactly as with a real API server.
//
// Errors carry Kubernetes' own messages (e.g. `pods "web" not found`), for the
// HTTP layer to wrap in a Status object. Thread-safe.
//
// Each object is kept serialized, as etcd keeps it, and decoded when read:
// a decoded pod takes about four times its JSON (10 KB against 2.6 KB), and
// the simulated cluster holds 50,000 of them. The bytes are shared with the
// watch event that wrote them. Owner references and uids are indexed, so a
// deletion finds its dependents without decoding every object.
#ifndef SPILLWAY_SIM_APISERVER_OBJECT_STORE_H_
#define SPILLWAY_SIM_APISERVER_OBJECT_STORE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <functional>
#include <map>
#include <utility>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "kube/json_string_map.h"
#include "kube/label_selector.h"
#include "sim/apiserver/field_selector.h"

namespace spillway::sim {

// What identifies a kind of object in storage and in messages.
struct ResourceType {
  std::string group;  // "" for the core group.
  std::string version;
  std::string kind;
  std::string plural;  // "pods"; with the group, the storage key.
  bool namespaced = true;
};

// One write as watches see it. Immutable once logged and shared by every
// watch that reads it (ObjectStore::EventsAfter hands out pointers): the
// object is serialized once for every stream, not copied and serialized
// again per watch. Only its JSON is kept (a decoded object takes four times
// the memory, for the 10,000 events of the window); a watch with selectors
// decodes what it matches.
struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type;
  uint64_t resource_version;
  std::string group;
  std::string plural;
  std::string namespace_;
  // The object as this write left it, serialized: the very bytes the store
  // keeps while this version is current (never null).
  std::shared_ptr<const std::string> object;

  const std::string& object_json() const { return *object; }
};

absl::string_view WatchEventTypeName(WatchEvent::Type type);  // ADDED, MODIFIED, DELETED

// One object of a list, as stored: its place in the list (ListKey) and its
// JSON, shared with the store while this version is current (never null).
struct ListedObject {
  std::string key;
  std::shared_ptr<const std::string> json;
};

// The key lists are ordered by: the namespace ("" for cluster-scoped
// objects), a NUL, the name.
std::string ListKey(absl::string_view ns, absl::string_view name);

// An object's metadata.labels (string values only).
using kube::LabelsOf;

// Whether a write is stored, or only checked and answered as if it were
// (?dryRun=All: nothing stored, no resourceVersion consumed, no watch event).
enum class Persist { kYes, kDryRun };

class ObjectStore {
 public:
  struct Options {
    // Events kept for watches, by count and by their objects' JSON size
    // (one 10 MB object updated 60 times must not hold 600 MB); older
    // resourceVersions are Gone.
    size_t watch_window = 10000;
    size_t watch_window_bytes = size_t{64} << 20;
    // When set, generated names and uids are a function of this seed and of
    // the object alone (its kind, namespace and generateName or name, and how
    // many came before it from the same prefix or of the same name), not of
    // every object created before it in any order: the simulated cluster's
    // same seed makes the same names even when Spillway's own writes
    // interleave differently. Unset: `random`.
    std::optional<uint64_t> seed = std::nullopt;
  };

  // `now` stamps creationTimestamp; `random` makes uids and generated names.
  // `random` must outlive the store.
  ObjectStore(Options options, std::function<absl::Time()> now, absl::BitGenRef random);

  // Stores a new object (its metadata.namespace is set to `ns` for namespaced
  // types). Errors: InvalidArgument (no name nor generateName), AlreadyExists.
  // A dry run answers the object as it would be stored (uid, creation time,
  // a generated name), without a resourceVersion, as kube-apiserver does.
  absl::StatusOr<boost::json::object> Create(const ResourceType& type, absl::string_view ns,
                                             boost::json::object object, Persist persist = Persist::kYes);
  // NotFound when absent.
  absl::StatusOr<boost::json::object> Get(const ResourceType& type, absl::string_view ns,
                                          absl::string_view name) const;

  struct ListResult {
    std::vector<boost::json::object> items;
    uint64_t resource_version;  // The store's version when the list was taken.
  };
  // Objects of `type` in `ns` (every namespace when empty) matching both selectors.
  ListResult List(const ResourceType& type, absl::string_view ns,
                  const kube::LabelSelector& labels, const FieldSelector& fields) const;

  // As List, without decoding what it need not: the stored bytes, shared
  // (an object is decoded only to test a selector). A 50,000-pod list costs
  // a pointer per pod, not a copy of each.
  struct SerializedList {
    std::vector<ListedObject> items;
    uint64_t resource_version;
  };
  SerializedList ListSerialized(const ResourceType& type, absl::string_view ns,
                                const kube::LabelSelector& labels, const FieldSelector& fields) const;

  // Replaces an object. Errors: NotFound, Aborted (Conflict) for a stale
  // metadata.resourceVersion, InvalidArgument for a name mismatch.
  absl::StatusOr<boost::json::object> Update(const ResourceType& type, absl::string_view ns,
                                             absl::string_view name, boost::json::object object);

  // Atomically reads the object, applies `modify` to a copy and stores it with
  // Update's rules (a resourceVersion left in the copy is still checked, so a
  // PUT body's version can be carried in). `modify` returning an error aborts
  // with it. NotFound when absent.
  // A dry run answers the result with the stored resourceVersion.
  absl::StatusOr<boost::json::object> Modify(
      const ResourceType& type, absl::string_view ns, absl::string_view name,
      const std::function<absl::Status(boost::json::object&)>& modify, Persist persist = Persist::kYes);

  // Deletes an object, as the API server and its garbage collector do:
  //  - with metadata.finalizers, the object is only marked (deletionTimestamp)
  //    and goes once an update empties its finalizers;
  //  - objects it owned (ownerReferences by uid) are deleted in turn once none
  //    of their owners remains (background propagation), or merely released
  //    from the reference when `orphan_dependents` (propagationPolicy Orphan)
  //    or when another owner remains.
  // Returns the object as last stored. NotFound when absent. A dry run
  // answers what a deletion would return (marked, for an object with
  // finalizers) and touches nothing, dependents included.
  absl::StatusOr<boost::json::object> Delete(const ResourceType& type, absl::string_view ns,
                                             absl::string_view name, bool orphan_dependents = false,
                                             Persist persist = Persist::kYes);

  // Events of `type` (in `ns`, or all namespaces when empty) with a
  // resourceVersion greater than `after`, and the version the log was read
  // through (the next call's `after`: a watch of a quiet type then skips what
  // it has already passed over instead of scanning the whole log on every
  // write). OutOfRange ("too old resource version") when `after` is older
  // than the event log's window.
  struct LoggedEvents {
    std::vector<std::shared_ptr<const WatchEvent>> events;
    uint64_t through = 0;
  };
  absl::StatusOr<LoggedEvents> EventsAfter(const ResourceType& type, absl::string_view ns, uint64_t after) const;

  // Waits until the store's resourceVersion exceeds `after` or `deadline`
  // passes; returns whether it did.
  bool AwaitChange(uint64_t after, absl::Time deadline) const;

  uint64_t resource_version() const;
  // The resourceVersion of the last write to objects of group/plural; 0 when
  // none. A watcher of that collection that has seen this version has seen
  // every write (the simulated cluster's tick barrier).
  uint64_t LatestVersionOf(absl::string_view group, absl::string_view plural) const;

  // Calls `listener` (from the writing thread, without the store's lock)
  // after every write, until RemoveListener(id). Listeners must be quick.
  int AddListener(std::function<void()> listener);
  void RemoveListener(int id);
  // Calls every listener now (writes do this themselves).
  void NotifyListeners();

 private:

  using Key = std::tuple<std::string, std::string, std::string, std::string>;  // group, plural, ns, name
  // One object as stored: its current version serialized, and what the
  // garbage collector's indexes hold for it.
  struct Stored {
    std::shared_ptr<const std::string> json;
    std::string uid;
    std::vector<std::string> owner_uids;  // metadata.ownerReferences[].uid
  };
  using Objects = std::map<Key, Stored>;

  static Key KeyOf(const ResourceType& type, absl::string_view ns, absl::string_view name);
  // Every stored object of `type` in `ns` (all namespaces when empty), as
  // stored, in key order; the lock is held only while listing.
  SerializedList Listed(const ResourceType& type, absl::string_view ns) const;
  // NotFound with Kubernetes' message: `pods "web" not found`.
  static absl::Status NotFound(const ResourceType& type, absl::string_view name);

  std::string NewUid(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The next seeded draw for `key` (Options::seed set).
  uint64_t SeededDraw(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(WatchEvent::Type type, const Key& key, std::shared_ptr<const std::string> json)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores `object` as the current version at `key` (inserting it when
  // absent), updates the indexes and returns the bytes stored.
  std::shared_ptr<const std::string> PutLocked(const Key& key, const boost::json::object& object)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes the object at `it` out of the indexes (not out of objects_).
  void UnindexLocked(Objects::const_iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the object at `it` for good and runs the garbage collector for
  // what it owned.
  boost::json::object RemoveLocked(Objects::iterator it, bool orphan_dependents)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks the object at `key` deleted (finalizers pending) or removes it.
  void DeleteDependentLocked(const Key& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const std::function<absl::Time()> now_;
  absl::BitGenRef random_;
  std::map<std::string, uint64_t> draws_ ABSL_GUARDED_BY(mu_);  // Seeded draws made per key.

  mutable absl::Mutex mu_;
  uint64_t resource_version_ ABSL_GUARDED_BY(mu_) = 1;
  Objects objects_ ABSL_GUARDED_BY(mu_);
  // The garbage collector's indexes: the keys of the objects naming each
  // owner uid, and every stored object's uid.
  absl::flat_hash_map<std::string, std::set<Key>> dependents_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> uids_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<const WatchEvent>> events_ ABSL_GUARDED_BY(mu_);
  size_t events_total_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // Of their object_json.
  // Versions at or below this may have lost events (pruned from the log).
  uint64_t pruned_through_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> latest_by_type_ ABSL_GUARDED_BY(mu_);

  absl::Mutex listeners_mu_;
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 0;
  std::map<int, std::function<void()>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_OBJECT_STORE_H_
