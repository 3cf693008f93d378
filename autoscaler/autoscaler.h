// The autoscaler component of `spillway serve --components=autoscaler`: the
// controllers of controller_list.h (Unschedulable rescue, ECI-first deletion
// cost, ElasticWorkload, stock reaction), run by whichever replica holds the
// coordination.k8s.io/v1 Lease.
//
// Every replica keeps its informer caches warm; only the leader's controllers
// act (each checks before every write), so a standby that takes over resumes
// within one lease duration from a full cache, re-queueing every pod. Losing
// the lease stops the writes at once. Controllers are level-triggered, so a
// restart at any point converges to the same result.
//
// Lifecycle: construct before the shared informers start (it adds handlers),
// Start() after, Stop() before they stop. Thread-safe.
#ifndef SPILLWAY_AUTOSCALER_AUTOSCALER_H_
#define SPILLWAY_AUTOSCALER_AUTOSCALER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "autoscaler/metrics.h"
#include "autoscaler/options.h"
#include "autoscaler/rescuer.h"
#include "autoscaler/runnable.h"
#include "autoscaler/repatriator.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/leader_elector.h"
#include "kube/rest_client.h"
#include "prometheus/registry.h"
#include "proto/config.pb.h"

namespace spillway::autoscaler {

class Autoscaler {
 public:
  // Everything referenced must outlive the autoscaler.
  Autoscaler(kube::RestClient& client, kube::ClusterInformers& informers,
             const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
             const Clock& clock, prometheus::Registry& registry, AutoscalerOptions options);
  ~Autoscaler();

  void Start();
  void Stop();
  bool IsLeader() const { return leading_.load(); }
  const AutoscalerOptions& options() const { return options_; }
  // What the Unschedulable rescue did or would do with `pod` (admin API);
  // outcome "disabled" when the config turns the rescue off.
  RescueVerdict ExplainRescue(const kube::Pod& pod) const;
  // What repatriation would do with the pod keyed `pod_key`; outcome
  // "disabled" when the config leaves it off.
  RepatriationVerdict ExplainRepatriation(const std::string& pod_key) const;
  // Moves home not finished yet (empty when repatriation is off).
  std::vector<MoveInFlight> RepatriationsInFlight() const;

 private:
  void StartedLeading();
  void StoppedLeading();

  const AutoscalerOptions options_;
  kube::ClusterInformers& informers_;
  AutoscalerMetrics metrics_;
  kube::EventRecorder events_;
  // ElasticWorkload Events come from source component "ElasticWorkload", as
  // ack-kubernetes-elastic-workload's do (users alert on them).
  kube::EventRecorder elastic_workload_events_;
  std::atomic<bool> leading_{false};
  // The controllers this configuration enables, in controller_list.h's order.
  std::vector<std::unique_ptr<Runnable>> controllers_;
  // The rescue among them, for ExplainRescue; null when disabled.
  const Rescuer* rescuer_ = nullptr;
  // Repatriation, likewise; null when disabled.
  const Repatriator* repatriator_ = nullptr;
  std::unique_ptr<kube::LeaderElector> elector_;
  // Queues the cached objects once a new leader's caches have synced.
  absl::Mutex kickoff_mu_;
  std::thread kickoff_ ABSL_GUARDED_BY(kickoff_mu_);
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_AUTOSCALER_H_
