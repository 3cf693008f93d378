// What a component adds to the admin API's answers (proto/admin.proto): the
// extender its verdict per node, the autoscaler what its rescue did or would
// do and who leads, the webhook the eci-profile effect. The admin service
// asks every running component; one not running leaves its part empty (and
// says so in `gaps`).
//
// Threading: called from gRPC's threads, concurrently with the component's
// own work; implementations read snapshots or their own thread-safe views
// and never write to the cluster.
#ifndef SPILLWAY_ADMIN_CONTRIBUTOR_H_
#define SPILLWAY_ADMIN_CONTRIBUTOR_H_

#include "kube/objects.h"
#include "proto/admin.pb.h"

namespace spillway::admin {

class Contributor {
 public:
  virtual ~Contributor() = default;
  // Adds what this component knows about `pod` (a fresh read) to `out`,
  // which already holds the pod's basics, its intent and every node with
  // kube-scheduler's own filter hints (admin_service.h).
  virtual void ExplainPod(const kube::Pod& pod, v1::ExplainResponse& out) const {}
  // Adds this component's state to `out`.
  virtual void AddStatus(v1::StatusResponse& out) const {}
};

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_CONTRIBUTOR_H_
