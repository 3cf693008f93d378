// The ElasticWorkload controller (CRD elasticworkloads.autoscaling.alibabacloud.com
// v1beta1, docs/eci-rules.md §8): keeps the source Deployment/StatefulSet between
// min and max replicas and the overflow in elastic units, clones of the
// source named <source>-unit-<unit> whose pod templates carry the unit's
// labels, annotations, nodeSelector, tolerations and affinity (so their pods
// run on ECI), owned by the ElasticWorkload.
//
// Reconcile is level-triggered and reads everything it writes from the API
// server first; every write carries the object's resourceVersion, so a
// conflict re-reads instead of overwriting, and a restart at any point
// converges. Rules:
//  - the source is scaled through its `scale` subresource (as an HPA does);
//  - make-before-break: replicas moving from units back to the source leave
//    the units only as the source's new replicas become available;
//  - units follow the source's pod template (a change rolls them), keep their
//    own replica counts, and select their pods by an extra label
//    (autoscaling.alibabacloud.com/elastic-unit) the source's pods lack;
//  - a finalizer makes deletion return the source to the full desired count
//    (and wait for it to be available) before the units are deleted;
//  - a bad spec sets Ready=False with the reason and a Warning Event, and
//    nothing is scaled;
//  - status: replicas, selector (for an HPA), sourceTarget and
//    elasticUnitsStatus with desiredReplicas and updateTimestamp.
// Events: SourceUpdate, UnitCreation, UnitUpdate, UnitDeletion,
// ElasticWorkloadUpdate, InvalidSpec, SourceNotFound.
#ifndef SPILLWAY_AUTOSCALER_ELASTIC_WORKLOAD_H_
#define SPILLWAY_AUTOSCALER_ELASTIC_WORKLOAD_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "autoscaler/controller.h"
#include "autoscaler/elastic_plan.h"
#include "autoscaler/elastic_spec.h"
#include "autoscaler/metrics.h"
#include "autoscaler/runnable.h"
#include "common/clock.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "kube/rest_client.h"

namespace spillway::autoscaler {

inline constexpr char kElasticWorkloadFinalizer[] = "autoscaling.alibabacloud.com/elastic-workload";

// What the controller's informers keep: identity and ownership, plus an
// ElasticWorkload's source (to map source events back to it).
struct WorkloadRef {
  kube::ObjectMeta metadata;
  std::string source_name;  // ElasticWorkloads only.
  std::string source_kind;
};

class ElasticWorkloadController : public Runnable {
 public:
  struct Options {
    std::function<bool()> may_act = [] { return true; };
    // With both set, a unit whose pod template asks for ECI (its labels,
    // annotations or node selector, judged by the resolver) gets the
    // virtual-node tolerations it lacks, so its pods reach a tainted virtual
    // node even without the admission webhook.
    const burst::IntentResolver* resolver = nullptr;
    const burst::VirtualNodeRule* rule = nullptr;
  };

  // Everything referenced must outlive the controller. `events` should
  // record with source component "ElasticWorkload" (what users match on).
  ElasticWorkloadController(kube::RestClient& client, kube::EventRecorder& events, const Clock& clock,
                            AutoscalerMetrics& metrics, Options options);
  ~ElasticWorkloadController() override;

  // Starts its informers (ElasticWorkloads, Deployments, StatefulSets) and workers.
  void Start() override;
  void Stop() override;
  void EnqueueAll() override;
  bool HasSynced() const override;

  absl::Status Reconcile(const std::string& key);

 private:
  absl::Status ReconcileOnce(const std::string& key);
  absl::Status ReconcileDeletion(const std::string& ns, const std::string& name,
                                 boost::json::object& workload);
  absl::StatusOr<ElasticPlan> ApplyUnits(const kube::ObjectReference& self, const ElasticWorkloadSpec& spec,
                                         const ReplicaSplit& split, const boost::json::value& source_value,
                                         int64_t source_available, const boost::json::value* old_status,
                                         boost::json::array* units_status);
  absl::Status WriteStatus(const kube::ObjectReference& self, boost::json::object& workload,
                           const ElasticWorkloadSpec& spec, const ReplicaSplit& split, const ElasticPlan& plan,
                           const boost::json::value& source_value, boost::json::array units_status);
  // The source's available replicas (readyReplicas for a StatefulSet).
  static int64_t AvailableReplicas(const ElasticWorkloadSpec& spec, const boost::json::value& source);
  // Scales the source to `replicas` through its scale subresource, with a
  // SourceUpdate Event (its message ends with `why`); a no-op when it is there.
  absl::Status ScaleSource(const kube::ObjectReference& self, const ElasticWorkloadSpec& spec,
                           const boost::json::value& source, int64_t replicas, absl::string_view why);
  absl::Status SetReady(const std::string& ns, const std::string& name, boost::json::object workload,
                        bool ready, const std::string& reason, const std::string& message);
  // Another controller writes this workload's status (ACK's
  // ack-kubernetes-elastic-workload serves the same CRD): a Warning Event
  // OtherController, logged once per workload; Spillway leaves it alone.
  void ReportOtherController(const kube::ObjectReference& self, const std::string& manager);

  kube::RestClient& client_;
  kube::EventRecorder& events_;
  const Clock& clock_;
  AutoscalerMetrics& metrics_;
  const Options options_;
  kube::Informer<WorkloadRef> workloads_;
  kube::Informer<WorkloadRef> deployments_;
  kube::Informer<WorkloadRef> statefulsets_;
  Controller controller_;
  absl::Mutex reported_mu_;
  absl::flat_hash_set<std::string> reported_other_ ABSL_GUARDED_BY(reported_mu_);  // ns/name
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_ELASTIC_WORKLOAD_H_
