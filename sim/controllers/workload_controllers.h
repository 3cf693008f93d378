// The Deployment, ReplicaSet and StatefulSet controllers of the simulated
// cluster, as kube-controller-manager runs them: Deployment -> ReplicaSet
// (named <deployment>-<pod-template-hash>) -> Pods, rolling updates, status
// (replicas, updated, ready, available, observedGeneration, conditions);
// StatefulSet -> Pods <set>-<ordinal>, ordered or parallel (no rolling
// update of StatefulSets yet).
// Each pass reads the cluster, plans with the pure functions of
// deployment_plan.h and replica_set_plan.h, then writes
// (docs/simulated-cluster.md). Level-triggered: a pass after a restart or a
// failed write converges to the same state. A create the cluster refuses
// (an admission webhook's denial, a quota) is a FailedCreate Warning Event on
// the owner, as kube-controller-manager records it, not a failed pass.
// Not thread-safe: Sync from one thread (the pod watch's handler only
// touches the thread-safe expectations).
#ifndef SPILLWAY_SIM_CONTROLLERS_WORKLOAD_CONTROLLERS_H_
#define SPILLWAY_SIM_CONTROLLERS_WORKLOAD_CONTROLLERS_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "common/clock.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/object_facts.h"
#include "sim/cluster/object_memo.h"
#include "sim/cluster/stand_in.h"
#include "sim/controllers/expectations.h"

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

class WorkloadControllers : public StandIn {
 public:
  // Writes through `client`, reads through `reader`, which must deliver pod
  // watch events (ClusterCache); all must outlive the object. The reader may
  // lag: a ReplicaSet is left alone until the watch has shown the pods its
  // last pass created (ADDED) and deleted (deletionTimestamp or DELETED), or
  // 5 minutes passed (expectations, as kube-controller-manager keeps them).
  // Errors: the reader's, when it cannot deliver events.
  static absl::StatusOr<std::unique_ptr<WorkloadControllers>> Create(kube::RestClient& client, ClusterReader& reader,
                                                                    Clock& clock);

  // One pass of both controllers over every namespace. Returns the first
  // error after trying every object (the next pass retries).
  absl::Status Sync() override;

  // ReplicaSets waiting for the watch to show their last writes.
  int UnmetExpectations() const { return expectations_->Unmet(); }

 private:
  WorkloadControllers(kube::RestClient& client, ClusterReader& reader, Clock& clock)
      : client_(client), reader_(reader), clock_(clock) {}
  // A FailedCreate Warning Event on `owner`; a repeat of the same message
  // raises the first one's count, as kube's event correlator does.
  void RecordFailedCreate(const boost::json::object& owner, const char* kind, const char* component,
                          const std::string& message);
  // Creates `count` pods in slow-start batches; returns how many were made.
  // A refusal fills `failure` and records FailedCreate.
  absl::StatusOr<int> CreateReplicaSetPods(const boost::json::object& set, int count, std::string* failure);
  absl::Status SyncDeployment(const boost::json::object& deployment, const std::vector<ObjectRef>& sets);
  // What a pass reads of each pod, once per pod version (ObjectMemo).
  struct ControlledPod {
    std::string controller_uid;  // "" without a controller.
    OwnedPod owned;
  };
  // `pods`: those whose controller is `set`.
  absl::Status SyncReplicaSet(const boost::json::object& set, const std::vector<const ControlledPod*>& pods);
  absl::Status SyncStatefulSet(const boost::json::object& set, const std::vector<const ControlledPod*>& pods);
  absl::Status ScaleReplicaSet(const boost::json::object& set, int replicas);
  absl::Status CreateReplicaSet(const boost::json::object& deployment, const std::string& hash, int replicas);
  absl::Status WriteDeploymentStatus(const boost::json::object& deployment, const boost::json::object* current,
                                     const std::vector<const boost::json::object*>& owned);

  kube::RestClient& client_;
  ClusterReader& reader_;
  Clock& clock_;
  // By ReplicaSet uid; shared with the pod watch's handler, which may
  // outlive this object.
  std::shared_ptr<ControllerExpectations> expectations_ = std::make_shared<ControllerExpectations>();
  struct Recorded {
    std::string name;
    int count = 0;
  };
  std::map<std::string, Recorded> recorded_;  // FailedCreate Events by owner uid and message.
  ObjectMemo<ControlledPod> pods_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CONTROLLERS_WORKLOAD_CONTROLLERS_H_
