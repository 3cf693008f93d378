// Repatriation (issue 24.3; docs/node-autoscalers.md, "Bringing pods home"):
// burst pods running on ECI move back to ECS once an ECS node has had room
// for them for a while.
//
// A pass runs every `interval` (one key in a Controller, so passes never
// overlap). It reads the shared caches and:
//  - samples each schedulable regular node's free room (allocatable less
//    what its pods request). The room a move may count on is the least seen
//    over the last `stable_for`, so a node that had room for a moment does
//    not count;
//  - collects the controller-owned (ReplicaSet, StatefulSet) pods Running
//    on virtual nodes. Each one's age counts from when this replica first
//    saw it running there: its own clock, never a timestamp another clock
//    wrote. The first time a pod is judged, the whole pod is read once to
//    resolve its intent and which regular nodes kube-scheduler's filters
//    accept for it (the same filters as `spillway explain`);
//  - plans with PlanRepatriation (repatriation_plan.h) and evicts each pod
//    it moves through the eviction API with the pod's uid as a
//    precondition, so PodDisruptionBudgets hold and a replacement of the
//    same name is never touched. The pod's controller recreates it, and
//    kube-scheduler and the extender place the replacement on the ECS node
//    that has room (the extender prefers regular nodes for burst pods).
//
// No move happens while a pod that may use regular nodes waits for a node:
// it is first in line for that room. A move stays in flight until the
// evicted pod is gone and no pod of its workload waits for a node (at most
// two minutes). A workload that sends a new pod to ECI within `hysteresis`
// of a move home has flapped; it waits out the hysteresis.
//
// Every move is a `RepatriatedToECS` Event on the pod; a pod that asked to
// burst but waits gets a `NotRepatriated` Event when the reason changes (not
// while it is only too young). Metrics: moves by outcome, flaps, and the
// estimated ECI vCPU-seconds saved (the moved pods' vCPUs for as long as
// their workload keeps at least that many pods on ECS).
//
// Thread-safe: passes run on the Controller's one worker; Explain and
// InFlight are called from the admin API's threads.
#ifndef SPILLWAY_AUTOSCALER_REPATRIATOR_H_
#define SPILLWAY_AUTOSCALER_REPATRIATOR_H_

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "autoscaler/capacity_requester.h"
#include "autoscaler/controller.h"
#include "autoscaler/metrics.h"
#include "autoscaler/repatriation_plan.h"
#include "autoscaler/runnable.h"
#include "burst/intent_resolver.h"
#include "burst/placement.h"
#include "burst/virtual_node.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "proto/config.pb.h"

namespace spillway::autoscaler {

// What repatriation would do with a pod, for `spillway explain`.
struct RepatriationVerdict {
  // "moving", "waiting" (with a WaitReasonName in `reason`), "not_on_eci",
  // "not_judged_yet".
  std::string outcome;
  std::string reason;
  std::string why;
};

// A move home not finished yet, for `spillway status`.
struct MoveInFlight {
  std::string pod;
  std::string workload;
  std::string node;  // Where its replacement is expected.
  absl::Time started;
};

// The config section with its defaults filled in.
RepatriationOptions RepatriationOptionsFrom(const config::RepatriationConfig& config);

class Repatriator : public Runnable {
 public:
  struct Options {
    RepatriationOptions plan;
    absl::Duration interval = absl::Seconds(10);
    // Whether this replica may act (the leader); checked before every write.
    std::function<bool()> may_act = [] { return true; };
    // Ask the node autoscaler for ECS nodes (capacity_requester.h); none: off.
    std::optional<CapacityRequestOptions> capacity = std::nullopt;
  };

  // Everything referenced must outlive the repatriator.
  Repatriator(kube::RestClient& client, kube::ClusterInformers& informers, const burst::IntentResolver& resolver,
              const burst::VirtualNodeRule& rule, kube::EventRecorder& events, const Clock& clock,
              AutoscalerMetrics& metrics, Options options);

  void Start() override { controller_.Start(); }
  void Stop() override { controller_.Stop(); }
  // Starts the passes (on becoming the leader).
  void EnqueueAll() override { controller_.Enqueue(kPassKey); }

  RepatriationVerdict Explain(const std::string& pod_key) const ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<MoveInFlight> InFlight() const ABSL_LOCKS_EXCLUDED(mu_);

  // One pass now (tests call it directly; the worker calls it every interval).
  absl::Status Pass() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  static constexpr char kPassKey[] = "pass";

  struct RoomSample {
    absl::Time at;
    int64_t cpu_milli = 0;
    int64_t memory_bytes = 0;
    int64_t pods = 0;
  };
  // What the whole pod says, read once per pod (uid).
  struct PodFacts {
    bool asked_burst = false;
    std::shared_ptr<const kube::Pod> pod;  // For kube-scheduler's filters against each regular node.
  };
  struct Seen {
    absl::Time since;  // First seen Running on a virtual node.
    std::optional<PodFacts> facts;
  };
  struct Moved {
    MoveInFlight move;
    std::string uid;
    int64_t cpu_milli = 0;
    bool done = false;
  };
  using Pods = std::vector<std::shared_ptr<const kube::PodRecord>>;

  std::vector<EcsRoom> ObserveRoom(const Pods& pods, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<EciCandidate> Candidates(const Pods& pods, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // Notes first sightings (and flaps) of `on_eci`, forgets pods gone, and
  // returns those old enough to judge whose facts were not read yet.
  std::vector<const kube::PodRecord*> NoteOnEci(const Pods& on_eci, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<PodFacts> ReadFacts(const kube::PodRecord& record);
  std::map<std::string, WorkloadHistory> History(const Pods& pods, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void AccrueSavings(const Pods& pods, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void MoveHome(const Move& move, const kube::PodRecord& pod, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordWaits(const std::vector<Waiting>& waiting,
                   const absl::flat_hash_map<std::string, const kube::PodRecord*>& by_key) ABSL_LOCKS_EXCLUDED(mu_);
  int MovedSince(absl::Time since) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the placeholders in the way of `pod` moving to `move.node`: its
  // own, then others on that node until it fits.
  void MakeRoom(const Move& move, const kube::PodRecord& pod, const Pods& pods);
  // Keeps a placeholder for each pod ECS has no room for that is past the break-even.
  void RequestCapacity(const std::vector<EciCandidate>& candidates, const RepatriationPlan& plan,
                       const absl::flat_hash_map<std::string, const kube::PodRecord*>& by_key, const Pods& pods,
                       absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  kube::RestClient& client_;
  kube::ClusterInformers& informers_;
  const burst::IntentResolver& resolver_;
  const burst::VirtualNodeRule& rule_;
  kube::EventRecorder& events_;
  const Clock& clock_;
  AutoscalerMetrics& metrics_;
  const Options options_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::deque<RoomSample>> room_ ABSL_GUARDED_BY(mu_);  // By node.
  absl::flat_hash_map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);                    // By pod uid.
  std::map<std::string, WorkloadHistory> history_ ABSL_GUARDED_BY(mu_);                 // By workload.
  std::deque<Moved> moves_ ABSL_GUARDED_BY(mu_);  // The last `hysteresis` (at least a minute), oldest first.
  // Per workload, the vCPUs (milli) of pods moved home still counted as saved.
  std::map<std::string, std::vector<int64_t>> saved_ ABSL_GUARDED_BY(mu_);
  absl::Time last_pass_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The last pass's waits by pod key, and the wait reason last written as an
  // Event by pod uid.
  absl::flat_hash_map<std::string, Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, WaitReason> told_ ABSL_GUARDED_BY(mu_);

  std::unique_ptr<CapacityRequester> requester_;  // Null unless options.capacity.
  Controller controller_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_REPATRIATOR_H_
