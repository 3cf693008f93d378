// What the simulated cluster records while a scenario runs, from the API
// server only (as an observer would). Every pod watch event updates a
// ledger: when each pod was created, bound, first ran and went, where, what
// it requested, and what broke a rule on the way (a pod that asked for
// nothing bound to a virtual node, an ECI-only pod on an ECS node, the most
// pods on ECI at any instant, pods created per workload) — so churn between
// samples is never missed. Once a simulated second a sample for the charts:
// per reported workload its pods on ECS, on ECI and pending against what its
// controllers ask for, the HPAs' view, cost; and the Events (the decisions
// and their reasons). The summary and the invariants (invariants.h) read
// both.
// Thread-safety: Observe, Summarize and the accessors from one thread; the
// pod watch's handler (the reader's thread) shares the ledger under a lock.
#ifndef SPILLWAY_SIM_CLUSTER_RECORDER_H_
#define SPILLWAY_SIM_CLUSTER_RECORDER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/scenario.h"
#include "sim/hpa/hpa_controller.h"

namespace spillway::sim {

struct WorkloadCounts {
  int ecs = 0;      // Running on a regular node.
  int eci = 0;      // Running on a virtual node.
  int pending = 0;  // Not running yet (unscheduled, starting, out of stock).
  // Replicas its Deployments and StatefulSets ask for (spec.replicas of
  // those whose pod template the workload's selector picks); -1: none.
  int desired = -1;
  // A pod of it runs on ECI while an ECS node has room for that pod's
  // requests (cpu, memory, pod slots): burst capacity not given back.
  bool eci_while_ecs_room = false;
  int pods() const { return ecs + eci + pending; }
};

struct Sample {
  double seconds = 0;  // Since the scenario started.
  std::map<std::string, WorkloadCounts> workloads;
  int pending = 0;  // Every pod not running.
  std::map<std::string, HpaSample> hpas;
  double eci_vcpu = 0;   // Running on ECI now.
  double eci_cost = 0;   // Spent on ECI so far.
  std::map<std::string, int> eci_by_zone;  // Pods running on virtual nodes, by the node's zone.
  int regular_nodes = 0;  // Registered regular (ECS) nodes, not draining.
};

struct Decision {
  double seconds = 0;
  std::string text;  // "NoStock pod/web-7c9-x: Create ECI failed because ..."
  std::string workload;  // The reported workload of the pod it is about; "" for others.
  bool warning = false;  // A Warning Event, a refusal or a failed action.
};

struct Summary {
  int peak_eci_pods = 0;
  double peak_eci_vcpu = 0;
  double eci_vcpu_seconds = 0;
  double eci_gib_seconds = 0;
  double eci_cost = 0;
  double always_on_ecs_cost = 0;  // The peak ECI vCPU as ECS for the run.
  double pending_p50_seconds = 0;
  double pending_p99_seconds = 0;
  int pods = 0;
  int never_ran = 0;
  int unasked_on_eci = 0;        // Pods of "asked: nothing"/"ecs" workloads bound to a virtual node.
  int eci_only_on_ecs = 0;       // Pods of "asked: eci" workloads bound to a regular node.
  int scale_in_eci_victims = 0;  // Running pods removed from a virtual node.
  int scale_in_ecs_victims = 0;  // Running pods removed from regular nodes ...
  int scale_in_ecs_victims_while_eci = 0;  // ... of which while their workload kept ECI pods running.
  std::map<std::string, int> started_by_virtual_node;
  int no_stock_events = 0;
  int failed_create_events = 0;
  // From every watch event, not the samples:
  int peak_eci_bound = 0;  // Most pods bound to virtual nodes at any instant.
  std::map<std::string, int> pods_created;  // Per reported workload.
  // Pods that still exist and never ran, with how long they had existed at
  // the end ("every pod runs"), longest first.
  std::vector<std::pair<std::string, double>> not_running_at_end;
  std::vector<std::string> examples;  // A few pods that broke a placement rule, "ns/name on node".
  // Regular (ECS) nodes, sampled: node-hours of every one, and what the
  // node-pool ones cost at their pool's pricePerHour.
  double ecs_node_hours = 0;
  double node_pool_cost = 0;
  // Repatriation, from Spillway's RepatriatedToECS Events and the pods that
  // replaced the evicted ones: moves home, replacements that ran on ECS, and
  // flaps (a replacement bound to a virtual node again).
  int moves_home = 0;
  int placeholders = 0;  // Spillway's capacity-request pods (not counted in pods or pending times).
  int moves_home_landed = 0;
  int flaps = 0;
  std::vector<std::string> flap_examples = {};
};

// Nearest-rank percentile of `values` (p in 0..100); 0 when empty.
double Percentile(std::vector<double> values, double p);

// The label of Spillway's capacity-request placeholders: pods that ask a node
// autoscaler for nodes and wait by design (docs/node-autoscalers.md).
inline constexpr char kCapacityRequestLabel[] = "spillway.alibabacloud.com/capacity-request";

class Recorder {
 public:
  // `reader`, `scenario` and `clock` must outlive the recorder; `reader`
  // must deliver pod watch events (ClusterCache) and watch deployments and
  // statefulsets (for what workloads ask for) and events.
  Recorder(ClusterReader& reader, const Scenario& scenario, std::set<std::string> virtual_nodes, absl::Time start,
           Clock& clock);
  ~Recorder();

  // Follows pod events from now on. Errors: the reader's.
  absl::Status Start();

  // Takes one sample at `now`.
  absl::Status Observe(absl::Time now, const std::map<std::string, HpaSample>& hpas);

  // A decision of the sim's own (a user's action, a refused manifest).
  void Note(absl::Time at, std::string text, bool warning) {
    decisions_.push_back({absl::ToDoubleSeconds(at - start_), std::move(text), "", warning});
  }

  const std::vector<Sample>& samples() const { return samples_; }
  // Decisions recorded since the last call.
  std::vector<Decision> TakeNewDecisions();
  const std::vector<Decision>& decisions() const { return decisions_; }
  Summary Summarize() const;

 private:
  struct PodTrack {
    int workload = -1;  // Index of its reported workload; -1 for others.
    std::string name;   // namespace/name
    absl::Time created;
    std::optional<absl::Time> running_since;
    bool running = false;
    std::string node;
    bool on_virtual = false;
    double vcpu = 0;
    double gib = 0;
    bool gone = false;  // Deleted or terminating; kept for the summary.
    absl::Time gone_at;
    bool replaces_moved = false;  // It replaced a pod Spillway moved home; judged when bound.
    bool placeholder = false;     // Spillway's capacity request (kCapacityRequestLabel).
  };
  // A running ECS pod removed while its workload had ECI pods running:
  // wrong, unless those are gone too by the next sample (one scale-in).
  struct EcsVictim {
    int workload;
  };
  void OnPod(const ObjectEvent& event);
  void Place(PodTrack& track, const std::string& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remove(PodTrack& track, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ObserveEvents(absl::Time now);
  // A RepatriatedToECS Event about the pod with `uid`: its replacement is the
  // first pod of its workload created after it went.
  void MovedHome(const std::string& uid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void JudgeReplacement(const PodTrack& track) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<int>> DesiredReplicas();
  // A regular node's allocatable, as the cluster holds it now.
  struct RegularNode {
    std::string name;
    double cpu = 0, gib = 0;
    int64_t pods = 0;
    std::string pool = "";  // Its alibabacloud.com/nodepool-id, if any.
  };
  // Every regular node now: the scenario's and those a node autoscaler
  // added; not virtual ones, nor one being drained
  // (ToBeDeletedByClusterAutoscaler).
  absl::StatusOr<std::vector<RegularNode>> RegularNodes();
  void MarkEciWhileEcsRoom(Sample& sample, const std::vector<RegularNode>& regular) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int WorkloadOf(const boost::json::object& pod) const;
  PodTrack NewTrack(const boost::json::object& pod) const;

  ClusterReader& reader_;
  const Scenario& scenario_;
  std::set<std::string> virtual_nodes_;
  std::map<std::string, std::string> zone_of_;  // Node name -> zone.
  double regular_node_seconds_ ABSL_GUARDED_BY(mu_) = 0;
  // Per workload, moved pods whose replacement has not appeared yet.
  std::map<int, int> awaiting_replacement_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, double> pool_node_seconds_ ABSL_GUARDED_BY(mu_);  // By node pool.
  absl::Time start_;
  Clock& clock_;
  std::optional<int> handler_;
  std::optional<int> events_handler_;
  std::vector<Sample> samples_;
  // Event uids already turned into decisions (an Event bumped by its count
  // is not a new one); forgotten when the Event is deleted (its TTL).
  absl::flat_hash_set<std::string> seen_events_;
  // Events the watch delivered since the last ObserveEvents: a pass reads
  // what changed, not all 50,000 Events of a large run.
  absl::Mutex events_mu_;
  std::vector<ObjectEvent> new_events_ ABSL_GUARDED_BY(events_mu_);
  std::vector<Decision> decisions_;
  size_t decisions_taken_ = 0;
  int no_stock_events_ = 0;
  int failed_create_events_ = 0;
  double eci_vcpu_seconds_ = 0;
  double eci_gib_seconds_ = 0;

  mutable absl::Mutex mu_;
  std::map<std::string, PodTrack, std::less<>> pods_ ABSL_GUARDED_BY(mu_);  // By uid.
  Summary ledger_ ABSL_GUARDED_BY(mu_);  // The parts kept from events.
  int eci_bound_now_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int> eci_running_ ABSL_GUARDED_BY(mu_);  // Per reported workload, now.
  std::vector<EcsVictim> ecs_victims_ ABSL_GUARDED_BY(mu_);  // Since the last sample.
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_RECORDER_H_
