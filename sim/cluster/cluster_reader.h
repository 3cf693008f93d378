// How the simulated cluster's stand-ins read the cluster: a collection's
// objects as immutable JSON. LiveReader lists over HTTP on every call
// (exact; unit tests), ClusterCache (cluster_cache.h) serves watched
// copies (a whole scenario, at scale).
#ifndef SPILLWAY_SIM_CLUSTER_CLUSTER_READER_H_
#define SPILLWAY_SIM_CLUSTER_CLUSTER_READER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "kube/rest_client.h"

namespace spillway::sim {

using ObjectRef = std::shared_ptr<const boost::json::object>;

class ClusterReader {
 public:
  virtual ~ClusterReader() = default;
  // The objects of `collection` (a ResourcePath without a name).
  virtual absl::StatusOr<std::vector<ObjectRef>> List(const kube::ResourcePath& collection) = 0;
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
