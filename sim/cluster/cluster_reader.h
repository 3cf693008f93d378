// How the simulated cluster's stand-ins read the cluster: a collection's
// objects as immutable JSON, and (from a watching reader) every change in the
// order the API server made it. LiveReader lists over HTTP on every call
// (exact; unit tests of stand-ins that need no events), ClusterCache
// (cluster_cache.h) serves watched copies and delivers every watch event (a
// whole scenario, at scale; controllers that keep expectations).
#ifndef SPILLWAY_SIM_CLUSTER_CLUSTER_READER_H_
#define SPILLWAY_SIM_CLUSTER_CLUSTER_READER_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "kube/rest_client.h"

namespace spillway::sim {

using ObjectRef = std::shared_ptr<const boost::json::object>;

// One change of a watched collection. A relist after a broken watch (410)
// is delivered as the changes between the two lists, as client-go's
// informers do: objects that came and went meanwhile are not seen.
struct ObjectEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type;
  ObjectRef object;  // As stored after the change; for kDeleted, as last stored.
};
using ObjectEventHandler = std::function<void(const ObjectEvent&)>;

class ClusterReader {
 public:
  virtual ~ClusterReader() = default;
  // The objects of `collection` (a ResourcePath without a name).
  virtual absl::StatusOr<std::vector<ObjectRef>> List(const kube::ResourcePath& collection) = 0;
  // Calls `handler` with every later change of `collection`, one at a time
  // and in order, before List shows it, until RemoveEventHandler with the
  // id returned. The handler runs on the reader's watch thread and must not
  // call back into the reader. Unimplemented for readers that do not watch.
  virtual absl::StatusOr<int> AddEventHandler(const kube::ResourcePath& collection, ObjectEventHandler handler) {
    (void)collection;
    (void)handler;
    return absl::UnimplementedError("this cluster reader does not watch; use ClusterCache");
  }
  // After it returns, the handler is not running and is never called again.
  virtual void RemoveEventHandler(const kube::ResourcePath& collection, int id) {
    (void)collection;
    (void)id;
  }
};

class LiveReader : public ClusterReader {
 public:
  // `client` must outlive the reader.
  explicit LiveReader(kube::RestClient& client) : client_(client) {}
  absl::StatusOr<std::vector<ObjectRef>> List(const kube::ResourcePath& collection) override;

 private:
  kube::RestClient& client_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_CLUSTER_READER_H_
