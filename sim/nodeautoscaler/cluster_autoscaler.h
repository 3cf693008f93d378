// The cluster-autoscaler stand-in: node groups (ACK node pools) that grow
// for Pending pods and shrink when under-used, as cluster-autoscaler does
// with a cloud provider behind it (the decisions: scale_plan.h; the table of
// what it does and does not do: docs/simulated-cluster.md).
//
// Every scan interval (10 s by default) of simulated time it
//  - registers the nodes whose provisioning delay (90 s) has passed: a Node
//    labelled alibabacloud.com/nodepool-id=<group>, which the kubelets
//    stand-in adopts and runs pods on;
//  - asks PlanScaleUp about the pods the scheduler marked Unschedulable and
//    starts provisioning what it answers, with a TriggeredScaleUp Event on
//    each pod it is for (and NotTriggerScaleUp, once, on a pod no group can
//    hold);
//  - drains the nodes PlanScaleDown picks: the taint
//    ToBeDeletedByClusterAutoscaler:NoSchedule, a ScaleDown Event, every pod
//    evicted through the eviction API (a PodDisruptionBudget's refusal is
//    retried next scan), then the Node deleted once it holds no pod.
// Virtual nodes are never counted as capacity and never scaled.
//
// Not thread-safe: the simulation's loop calls Sync().
#ifndef SPILLWAY_SIM_NODEAUTOSCALER_CLUSTER_AUTOSCALER_H_
#define SPILLWAY_SIM_NODEAUTOSCALER_CLUSTER_AUTOSCALER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "common/clock.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/stand_in.h"
#include "sim/nodeautoscaler/scale_plan.h"

namespace spillway::sim {

// A node's life, for the report's node-hours and cost.
struct NodeLifetime {
  std::string name;
  std::string group;
  absl::Time asked;       // Scale-up decided.
  absl::Time registered;  // InfiniteFuture until then.
  absl::Time removed;     // InfiniteFuture while it lives.
};

class ClusterAutoscaler : public StandIn {
 public:
  // `client`, `reader` and `clock` must outlive the stand-in.
  ClusterAutoscaler(kube::RestClient& client, ClusterReader& reader, Clock& clock, NodeAutoscaling options);

  absl::Status Sync() override;

  // Every node a group had or asked for, in the order asked.
  const std::vector<NodeLifetime>& lifetimes() const { return lifetimes_; }

 private:
  absl::Status RegisterProvisioned(absl::Time now);
  // The room left on each registered, untainted regular node.
  std::vector<NodeRoom> RoomOn(const std::vector<ObjectRef>& nodes, const std::vector<ObjectRef>& pods) const;
  // `seen`: the nodes in the watch cache; a registered node not among them
  // still counts as upcoming.
  absl::Status ScaleUp(const std::vector<ObjectRef>& pods, const std::vector<NodeRoom>& room,
                       const std::map<std::string, int>& ready, const std::set<std::string>& seen, absl::Time now);
  absl::Status ScaleDown(const std::vector<ObjectRef>& nodes, const std::vector<ObjectRef>& pods, absl::Time now);
  absl::Status Drain(const std::string& node, const std::vector<const boost::json::object*>& pods, absl::Time now);
  absl::Status Event(const boost::json::object& object, const std::string& api_version, const std::string& kind,
                     const std::string& reason, const std::string& message, absl::Time now);

  kube::RestClient& client_;
  ClusterReader& reader_;
  Clock& clock_;
  const NodeAutoscaling options_;
  absl::Time next_scan_ = absl::InfinitePast();
  std::map<std::string, int> next_index_;          // group -> next node number
  std::vector<NodeLifetime> lifetimes_;
  std::map<std::string, absl::Time> unneeded_since_;
  std::set<std::string> draining_;                 // Nodes tainted for removal.
  std::set<std::string> told_no_group_;            // Pods given NotTriggerScaleUp.
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_NODEAUTOSCALER_CLUSTER_AUTOSCALER_H_
