// The Deployment, ReplicaSet and StatefulSet controllers of the simulated
// cluster, as kube-controller-manager runs them: Deployment -> ReplicaSet
// (named <deployment>-<pod-template-hash>) -> Pods, rolling updates, status
// (replicas, updated, ready, available, observedGeneration, conditions);
// StatefulSet -> Pods <set>-<ordinal>, ordered or parallel (no rolling
// update of StatefulSets yet).
// Each pass reads the cluster, plans with the pure functions of
// deployment_plan.h and replica_set_plan.h, then writes
// (docs/simulated-cluster.md). Level-triggered: a pass after a restart or a
// failed write converges to the same state. Not thread-safe: one caller.
#ifndef SPILLWAY_SIM_CONTROLLERS_WORKLOAD_CONTROLLERS_H_
#define SPILLWAY_SIM_CONTROLLERS_WORKLOAD_CONTROLLERS_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "common/clock.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"

namespace spillway::sim {

// kube's pod-template-hash: FNV-32a of the template, encoded in the
// alphabet of generated names.
std::string PodTemplateHash(const boost::json::object& pod_template);

// kube-controller-manager's slowStartBatch: calls `create` for 0..count-1 in
// batches of 1, 2, 4, ... run in parallel (16 threads at most), stopping
// after the first batch with a failure. Appends what succeeded to `created`;
// returns the first error.
absl::Status SlowStartBatch(int count, const std::function<absl::StatusOr<std::string>(int)>& create,
                            std::vector<std::string>& created);

class WorkloadControllers {
 public:
  // Writes through `client`, reads through `reader`; all must outlive this
  // object. A reader that lags (a watch cache) is fine: a ReplicaSet is left
  // alone until the pods it created or deleted show (expectations, as
  // kube-controller-manager keeps them).
  WorkloadControllers(kube::RestClient& client, ClusterReader& reader, Clock& clock)
      : client_(client), reader_(reader), clock_(clock) {}

  // One pass of both controllers over every namespace. Returns the first
  // error after trying every object (the next pass retries).
  absl::Status Sync();

 private:
  // Pods a ReplicaSet's last pass created or deleted, until the reader shows it.
  struct Expectations {
    std::set<std::string> adds;
    std::set<std::string> deletes;
    absl::Time since;
  };
  absl::Status SyncDeployment(const boost::json::object& deployment, const std::vector<ObjectRef>& sets);
  absl::Status SyncReplicaSet(const boost::json::object& set, const std::vector<ObjectRef>& pods);
  absl::Status SyncStatefulSet(const boost::json::object& set, const std::vector<ObjectRef>& pods);
  bool ExpectationsMet(const std::string& uid, const std::set<std::string>& present);
  absl::Status ScaleReplicaSet(const boost::json::object& set, int replicas);
  absl::Status CreateReplicaSet(const boost::json::object& deployment, const std::string& hash, int replicas);
  absl::Status WriteDeploymentStatus(const boost::json::object& deployment, const boost::json::object* current,
                                     const std::vector<const boost::json::object*>& owned);

  kube::RestClient& client_;
  ClusterReader& reader_;
  Clock& clock_;
  std::map<std::string, Expectations> expectations_;  // By ReplicaSet uid.
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CONTROLLERS_WORKLOAD_CONTROLLERS_H_
