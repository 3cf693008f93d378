// The simulated cluster's informers: one list-then-watch per collection the
// stand-ins read (pods, nodes, ReplicaSets, ...), kept as immutable JSON
// objects, so a pass over a 50,000-pod cluster reads memory instead of
// re-listing it over HTTP (client-go's reflector and store, simplified: a
// 410 or a broken watch relists). Every watch event reaches the handlers
// added for its collection, in order. Reads may lag writes by a watch event;
// the stand-ins cope as Kubernetes' do (expectations, assumed pods,
// idempotent writes), and the simulation waits for the cache to catch up
// between ticks (AwaitCurrent), so a busy machine slows the story instead of
// changing it. Thread-safe: watch threads write, the scenario loop reads.
#ifndef SPILLWAY_SIM_CLUSTER_CLUSTER_CACHE_H_
#define SPILLWAY_SIM_CLUSTER_CLUSTER_CACHE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "boost/json.hpp"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"

namespace spillway::sim {

class ClusterCache : public ClusterReader {
 public:
  // The resourceVersion of the last write to a collection, as the API server
  // knows it (ObjectStore::LatestVersionOf): what AwaitCurrent waits for.
  using LatestVersion = std::function<uint64_t(const kube::ResourcePath& collection)>;

  // `client` must outlive the cache. Without `latest`, AwaitCurrent returns
  // at once.
  explicit ClusterCache(kube::RestClient& client, LatestVersion latest = nullptr)
      : client_(client), latest_(std::move(latest)) {}
  ~ClusterCache() override;

  // Lists `collection` (a ResourcePath without a name) and keeps watching it.
  // Returns once the first list is in.
  absl::Status Watch(const kube::ResourcePath& collection);

  // The objects of a watched collection now, in key order (namespace/name);
  // FailedPrecondition for a collection not watched.
  absl::StatusOr<std::vector<ObjectRef>> List(const kube::ResourcePath& collection) override;
  // FailedPrecondition for a collection not watched.
  absl::StatusOr<int> AddEventHandler(const kube::ResourcePath& collection, ObjectEventHandler handler) override;
  void RemoveEventHandler(const kube::ResourcePath& collection, int id) override;

  // Waits until every watched collection has seen the last write made to it
  // before the call (and its handlers ran). DeadlineExceeded after `limit`,
  // naming the collections behind.
  absl::Status AwaitCurrent(absl::Duration limit);

  // Ends every watch and joins the threads.
  void Stop();

 private:
  struct Store {
    kube::ResourcePath path;
    mutable absl::Mutex mu;
    std::map<std::string, ObjectRef> objects ABSL_GUARDED_BY(mu);
    std::string resource_version ABSL_GUARDED_BY(mu);
    std::map<int, ObjectEventHandler> handlers ABSL_GUARDED_BY(mu);
    int next_handler ABSL_GUARDED_BY(mu) = 0;
    kube::WatchCanceller canceller;
    std::thread thread;
  };
  Store* Find(const kube::ResourcePath& collection) const;
  absl::Status Relist(Store& store);
  void Follow(Store& store);
  // Applies one watch event to the store and tells its handlers.
  static void Apply(Store& store, ObjectEvent::Type type, ObjectRef object) ABSL_EXCLUSIVE_LOCKS_REQUIRED(store.mu);

  kube::RestClient& client_;
  const LatestVersion latest_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Store>> stores_ ABSL_GUARDED_BY(mu_);  // By collection URL.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_CLUSTER_CACHE_H_
