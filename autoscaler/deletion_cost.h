// ECI-first scale-in: sets controller.kubernetes.io/pod-deletion-cost
// (default -1000; lower is deleted first) on ReplicaSet pods as soon as they
// are bound to a virtual node, so when a bursting Deployment scales down the
// ReplicaSet controller removes its ECI replicas before its ECS ones. A cost
// the user already set on a pod is theirs and left alone.
//
// Thread-safe; the Controller runs Reconcile on its workers.
#ifndef SPILLWAY_AUTOSCALER_DELETION_COST_H_
#define SPILLWAY_AUTOSCALER_DELETION_COST_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "autoscaler/controller.h"
#include "autoscaler/metrics.h"
#include "autoscaler/runnable.h"
#include "burst/virtual_node.h"
#include "kube/cluster_informers.h"
#include "kube/rest_client.h"

namespace spillway::autoscaler {

inline constexpr char kDeletionCostAnnotation[] = "controller.kubernetes.io/pod-deletion-cost";

class DeletionCost : public Runnable {
 public:
  struct Options {
    int32_t cost = -1000;
    std::function<bool()> may_act = [] { return true; };
  };

  // Everything referenced must outlive it; adds its handler to the pod
  // informer, so construct it before the informers start.
  DeletionCost(kube::RestClient& client, kube::ClusterInformers& informers,
               const burst::VirtualNodeRule& rule, const Clock& clock, AutoscalerMetrics& metrics,
               Options options);

  void Start() override { controller_.Start(); }
  void Stop() override { controller_.Stop(); }
  void EnqueueAll() override;
  absl::Status Reconcile(const std::string& key);

 private:
  // Whether the pod needs the annotation (bound to a virtual node, owned by a
  // ReplicaSet, no cost yet).
  bool Needs(const kube::PodRecord& pod) const;

  kube::RestClient& client_;
  kube::ClusterInformers& informers_;
  const burst::VirtualNodeRule& rule_;
  AutoscalerMetrics& metrics_;
  const Options options_;
  Controller controller_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_DELETION_COST_H_
