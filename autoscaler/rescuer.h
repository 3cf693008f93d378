// Unschedulable rescue (docs/eci-rules.md §7, done better): a pod
// kube-scheduler marked PodScheduled=False/Unschedulable for a reason a
// virtual node resolves is handed to ECI by patching the live pod, so
// kube-scheduler retries it and the extender lets it onto a virtual node;
// kube-scheduler stays the only placer.
//  - A pod with no or `eci` intent, Unschedulable because regular nodes lack
//    resources ("Insufficient cpu", "Too many pods", ...), gets the
//    virtual-node toleration and `alibabacloud.com/burst-resource: eci`.
//  - A pod that asked for ECI only (label, namespace, eci-profile, eci_only)
//    but cannot tolerate the virtual-node taint — the admission webhook did
//    not run — gets the toleration, whatever made it Unschedulable (the taint,
//    or resources).
// Never twice (annotation spillway.alibabacloud.com/rescued); only in scope
// (scope "all" takes every namespace but the excluded ones unless the pod or
// its namespace says spillway.alibabacloud.com/rescue=disabled; "opt-in" only
// =enabled); only after the grace period; only when ECI can run it, a virtual
// node admits it and the ECI quota has room. The decision is PlanRescue
// (rescue_plan.h: every outcome, as a table); the write is a JSON patch
// guarded by the pod's resourceVersion (a pod changed meanwhile is re-read
// and re-judged, never overwritten); an Event on the pod says what was done or
// why not, where the user can act on it.
//
// Reacts to the watch event, not a polling interval. Thread-safe; the
// Controller runs Reconcile on its workers.
#ifndef SPILLWAY_AUTOSCALER_RESCUER_H_
#define SPILLWAY_AUTOSCALER_RESCUER_H_

#include <functional>
#include <optional>

#include "autoscaler/rescue_plan.h"
#include "boost/json.hpp"
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "autoscaler/controller.h"
#include "autoscaler/metrics.h"
#include "autoscaler/runnable.h"
#include "burst/eci_profile.h"
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

// What the rescue did or would do with a pod, for the admin API.
struct RescueVerdict {
  std::string outcome;  // A PlanRescue outcome, or "not_unschedulable" / "waiting".
  std::string why;
};

class Rescuer : public Runnable {
 public:
  struct Options {
    config::RescueConfig config;
    // Spillway's own namespace, never rescued (with kube-system by default).
    std::string own_namespace = "kube-system";
    // ECI quota to respect; null: none.
    const burst::EciQuota* quota = nullptr;
    // The eci-profile: a rescued pod goes to ECI, so it gets the effects of
    // the selectors that match it and of those with no selector part ("every
    // pod scheduled to ECI"), as the webhook gives them; null: none.
    const burst::EciProfileStore* eci_profile = nullptr;
    // Whether this replica may act (the leader); checked before every write.
    std::function<bool()> may_act = [] { return true; };
  };

  // Everything referenced must outlive the rescuer. Adds its handler to the
  // pod informer, so construct it before the informers start.
  Rescuer(kube::RestClient& client, kube::ClusterInformers& informers,
          const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
          kube::EventRecorder& events, const Clock& clock, AutoscalerMetrics& metrics,
          Options options);

  void Start() override { controller_.Start(); }
  void Stop() override { controller_.Stop(); }
  // Queues every cached pod (on becoming the leader).
  void EnqueueAll() override;

  // Judges and, when it qualifies, rescues pod `key` ("namespace/name").
  // Errors are transient (API failures, conflicts) and mean "try again".
  absl::Status Reconcile(const std::string& key);

  // What Reconcile would decide for `pod` (a live read) now, without writing
  // anything: the same screening, grace period and PlanRescue.
  RescueVerdict Explain(const kube::Pod& pod) const;

 private:
  // ACK's virtual-kubelet-autoscaler add-on (a Deployment whose name holds
  // "virtual-kubelet-autoscaler", in any namespace) does the same job: two
  // rescuers would patch the same pods. Looked for at most every 5 minutes;
  // the first sighting is one Warning Event `OtherController` on that
  // Deployment and one log line. nullopt: none seen.
  std::optional<std::string> OtherRescuer();
  // An outcome without a write: counted, logged at VLOG(1), done.
  absl::Status Skip(const std::string& key, absl::string_view outcome, absl::string_view why);
  bool InScope(const std::string& ns, const kube::StringMap& pod_labels) const;
  // The checks on what the cache holds (rescued before, a message a virtual
  // node resolves, scope), in order; nullopt when the pod passes them.
  std::optional<RescueVerdict> Screen(bool rescued_before, const std::string& message, bool in_scope) const;
  // When the grace period of a pod Unschedulable since `unschedulable_since`
  // ends, or nullopt when it has (or there is none).
  std::optional<absl::Time> GraceEnds(const std::string& unschedulable_since) const;
  // Everything PlanRescue looks at, from the caches and the live pod.
  RescueInput Read(const kube::Pod& pod, const std::string& message) const;
  // Writes the plan (patch, Event, metrics).
  // Appends the eci-profile's effect for `pod` (going to ECI) to `patch`.
  void AddProfileEffect(const kube::Pod& pod, const boost::json::object& meta, bool* has_annotations,
                        boost::json::array& patch) const;
  absl::Status Apply(const std::string& key, const kube::Pod& pod, const boost::json::object& live,
                     const RescuePlan& plan);

  kube::RestClient& client_;
  kube::ClusterInformers& informers_;
  const burst::IntentResolver& resolver_;
  const burst::VirtualNodeRule& rule_;
  kube::EventRecorder& events_;
  const Clock& clock_;
  AutoscalerMetrics& metrics_;
  const Options options_;
  Controller controller_;

  mutable absl::Mutex mu_;
  // When the informer delivered the pod's Unschedulable state (latency metric).
  absl::flat_hash_map<std::string, absl::Time> seen_unschedulable_ ABSL_GUARDED_BY(mu_);
  // The other rescuer seen at the last look ("namespace/name"), and when.
  std::optional<std::string> other_rescuer_ ABSL_GUARDED_BY(mu_);
  absl::Time other_looked_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool other_reported_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_RESCUER_H_
