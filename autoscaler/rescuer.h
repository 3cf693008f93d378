// Unschedulable rescue (docs/eci-rules.md §7, done better): a pod kube-scheduler
// marked PodScheduled=False/Unschedulable *because regular nodes lack
// resources* ("Insufficient cpu", "Insufficient memory", "Too many pods", ...)
// is handed to ECI by patching the live pod: the virtual-node toleration and
// `alibabacloud.com/burst-resource: eci` are added, so kube-scheduler retries
// it and the extender lets it onto a virtual node. kube-scheduler stays the
// only placer.
//
// A pod is rescued only when all of these hold, and each refusal is counted
// by reason (spillway_autoscaler_rescues_total{outcome}):
//  - it is in scope: scope "all" takes every namespace but the excluded ones
//    unless the pod or its namespace says spillway.alibabacloud.com/rescue=
//    disabled; scope "opt-in" takes only pods or namespaces saying =enabled;
//  - it was never rescued before (annotation spillway.alibabacloud.com/rescued);
//  - its intent allows ECI (not `burst-resource: ecs`, not invalid) and ECI
//    can run it (burst::IntentResolver, the same answer the extender gives);
//  - some virtual node admits it (its nodeSelector and required affinity);
//  - the ECI quota has room for its requests (an Event names the cap);
//  - it has been Unschedulable for the grace period (default 0 s); earlier,
//    it is looked at again when the period ends.
// The patch is a JSON patch guarded by the pod's resourceVersion: a pod
// changed meanwhile is re-read and re-judged, never overwritten. An Event
// (RescuedToECI) on the pod says what was done and why.
//
// Reacts to the watch event, not a polling interval. Thread-safe; the
// Controller runs Reconcile on its workers.
#ifndef SPILLWAY_AUTOSCALER_RESCUER_H_
#define SPILLWAY_AUTOSCALER_RESCUER_H_

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "autoscaler/controller.h"
#include "autoscaler/metrics.h"
#include "burst/eci_quota.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "proto/config.pb.h"

namespace spillway::autoscaler {

inline constexpr char kRescueLabel[] = "spillway.alibabacloud.com/rescue";
inline constexpr char kRescuedAnnotation[] = "spillway.alibabacloud.com/rescued";

// Whether kube-scheduler's message says regular nodes lack resources (as
// opposed to only affinity, taint, volume or port conflicts).
bool IsResourceShortage(absl::string_view scheduling_message);

class Rescuer {
 public:
  struct Options {
    config::RescueConfig config;
    // Spillway's own namespace, never rescued (with kube-system by default).
    std::string own_namespace = "kube-system";
    // ECI quota to respect; null: none.
    const burst::EciQuota* quota = nullptr;
    // Whether this replica may act (the leader); checked before every write.
    std::function<bool()> may_act = [] { return true; };
  };

  // Everything referenced must outlive the rescuer. Adds its handler to the
  // pod informer, so construct it before the informers start.
  Rescuer(kube::RestClient& client, kube::ClusterInformers& informers,
          const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
          kube::EventRecorder& events, const Clock& clock, AutoscalerMetrics& metrics,
          Options options);

  void Start() { controller_.Start(); }
  void Stop() { controller_.Stop(); }
  // Queues every cached pod (on becoming the leader).
  void EnqueueAll();

  // Judges and, when it qualifies, rescues pod `key` ("namespace/name").
  // Errors are transient (API failures, conflicts) and mean "try again".
  absl::Status Reconcile(const std::string& key);

 private:
  // An outcome other than "rescued": counted, logged at VLOG(1), done.
  absl::Status Skip(const std::string& key, absl::string_view outcome, absl::string_view why);
  bool InScope(const kube::PodRecord& pod) const;

  kube::RestClient& client_;
  kube::ClusterInformers& informers_;
  const burst::IntentResolver& resolver_;
  const burst::VirtualNodeRule& rule_;
  kube::EventRecorder& events_;
  const Clock& clock_;
  AutoscalerMetrics& metrics_;
  const Options options_;
  Controller controller_;

  absl::Mutex mu_;
  // When the informer delivered the pod's Unschedulable state (latency metric).
  absl::flat_hash_map<std::string, absl::Time> seen_unschedulable_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_RESCUER_H_
