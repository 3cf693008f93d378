// The simulated cluster's kube-scheduler: each pass takes the pending pods of
// its schedulerName (oldest first; an unschedulable pod waits as in
// kube-scheduler's queues, see Backoff), filters nodes with the
// default plugins (filter.h), sampling feasible nodes as kube-scheduler
// does, then calls each interested extender over HTTP as kube-scheduler
// does (filter, then prioritize with score x weight x 10), scores by least
// allocated resources, and assumes the pod on its node; the binding
// (pods/binding) and the "Scheduled" Event are written in the background
// (a WriteQueue) while the pass goes on, as kube-scheduler's binding cycle
// and event broadcaster do, and the pass ends when they are written. On
// failure it writes PodScheduled=False/Unschedulable with kube-scheduler's
// FitError text and a FailedScheduling Event, queued the same way. Extender errors fail the
// attempt unless the extender is ignorable. Preemption is not run: the
// scenarios give every pod the same priority, where kube-scheduler's
// DefaultPreemption finds no victims (docs/simulated-cluster.md).
// Not thread-safe: one caller (the write queue's thread touches only
// results_, under results_mu_).
#ifndef SPILLWAY_SIM_SCHEDULER_SCHEDULER_H_
#define SPILLWAY_SIM_SCHEDULER_SCHEDULER_H_

#include <map>
#include <utility>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "common/clock.h"
#include "kube/objects.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/object_memo.h"
#include "sim/cluster/stand_in.h"
#include "sim/cluster/write_queue.h"
#include "sim/scheduler/extender_client.h"
#include "sim/scheduler/filter.h"
#include "sim/scheduler/scheduler_config.h"

namespace spillway::sim {

struct SchedulerStats {
  int64_t bound = 0;
  int64_t unschedulable_attempts = 0;
  int64_t extender_calls = 0;
  absl::Duration extender_time;  // Waiting for extenders.
  absl::Duration filter_time;    // The stand-in's own filters and scores.
  // The write queue's time (it overlaps the scheduling of the next pods):
  absl::Duration bind_time;      // pods/binding calls.
  absl::Duration event_time;     // Writing Events and failed-pod conditions.
  // Pods bound after an ignorable extender failed ("namespace/name" -> node):
  // what failed open while the extender was unreachable.
  std::vector<std::pair<std::string, std::string>> bound_without_extender;
};

class Scheduler : public StandIn {
 public:
  struct Options {
    SchedulerConfig config;
    std::string extender_address;  // host:port replacing every urlPrefix's; empty: as configured
    uint64_t seed = 1;
  };

  // Writes through `client`, reads through `reader` (which may lag: pods it
  // bound stay assumed on their node until the reader shows them bound); all
  // must outlive the scheduler.
  static absl::StatusOr<std::unique_ptr<Scheduler>> Create(kube::RestClient& client, ClusterReader& reader,
                                                           Clock& clock, Options options);

  // One pass over the pending pods.
  absl::Status Sync() override;

  const SchedulerStats& stats() const { return stats_; }

 private:
  struct Candidate {
    const boost::json::object* json;
    const kube::Node* node;  // In nodes_.
    NodeUsage usage;  // Of the pods bound to it, and those this pass assumed.
  };
  // An unschedulable pod waits, as in kube-scheduler's unschedulable queue,
  // for a cluster event that could make it fit (a node added or changed, a
  // pod gone from a node) or for podMaxInUnschedulablePodsDuration (5 min);
  // then for its backoff (1 s doubling to 10 s) since the last attempt. A
  // change to the pod itself retries it at once.
  struct Backoff {
    std::string resource_version;
    int failures = 0;
    absl::Time last_attempt;
    bool event_since = false;
  };
  // What one scheduling attempt concluded.
  struct Outcome {
    std::string node;     // Chosen node; empty when none.
    std::string message;  // FitError or extender error when no node.
    bool error = false;   // An extender error rather than a fit failure.
    bool extender_skipped = false;  // An ignorable extender failed and was skipped.
  };

  // Candidates by node name (views into nodes_, stable for a pass).
  using NodeIndex = absl::flat_hash_map<std::string_view, size_t>;
  struct Assumed {
    std::string node;
    kube::Resources requests;
  };
  Scheduler(kube::RestClient& client, ClusterReader& reader, Clock& clock, Options options);
  // A pod's requests, decoded once per generation (spec change), and a
  // Node, once per resourceVersion.
  kube::Resources RequestsOf(const boost::json::object& pod);
  const kube::Node* NodeOf(const boost::json::object& object);
  // What a pass reads of a pod, once per pod version (ObjectMemo).
  struct PodFacts {
    bool done = false;  // Succeeded, Failed or terminating: nothing else is read.
    std::string node;   // spec.nodeName
    std::string uid;
    kube::Resources requests;
    bool ours = false;  // Its schedulerName is this scheduler's.
    absl::Time created;  // Read for our unbound pods only.
  };
  PodFacts FactsOf(const boost::json::object& pod);
  // Adds the requests of bound pods to their nodes' usage; returns the pods
  // this scheduler should place, oldest first.
  std::vector<const boost::json::object*> ReadPods(const std::vector<ObjectRef>& pods,
                                                   std::vector<Candidate>& nodes, const NodeIndex& index);
  // One scheduling attempt for one pod (unless it is backing off): bind, or
  // record why not.
  absl::Status Attempt(const boost::json::object& pod_json, std::vector<Candidate>& nodes,
                       const NodeIndex& index);
  // Marks waiting pods when nodes were added or changed or lost pods since
  // the last pass.
  void NoticeClusterEvents(const std::vector<Candidate>& nodes);
  Outcome ScheduleOne(const boost::json::object& pod_json, const kube::Pod& pod, std::vector<Candidate>& nodes);
  std::vector<Candidate*> Feasible(const kube::Pod& pod, std::vector<Candidate>& nodes,
                                   std::map<std::string, int>& reasons, std::vector<FilterVerdict>& verdicts);
  Outcome RunExtenders(const boost::json::object& pod_json, std::vector<Candidate*>& feasible,
                       std::map<std::string, int>& reasons, std::vector<FilterVerdict>& verdicts);
  std::string Pick(const boost::json::object& pod_json, const kube::Pod& pod, const std::vector<Candidate*>& feasible);
  // Queues the PodScheduled=False write and a FailedScheduling Event.
  void RecordFailure(const boost::json::object& pod_json, const Outcome& outcome);
  // On the write queue: binds the pod, then writes its Scheduled `event`.
  void BindAndRecord(const std::string& uid, const std::string& name_space, const std::string& name,
                     const std::string& node, bool extender_skipped, const boost::json::object& event);
  // After the pass's writes have run: their figures into stats_, refused
  // bindings out of assumed_, new pod versions into attempts_; the first
  // error a write met.
  absl::Status ApplyWriteResults();

  kube::RestClient& client_;
  ClusterReader& reader_;
  Clock& clock_;
  Options options_;
  std::map<std::string, Assumed> assumed_;  // By pod uid.
  // A pass reads every pod: hashed, not ordered (50,000 uids at scale).
  // uid -> (spec version, requests).
  absl::flat_hash_map<std::string, std::pair<std::string, kube::Resources>> requests_;
  // Decoded, by name; node-based, so the Candidates' pointers survive
  // insertions during a pass.
  absl::node_hash_map<std::string, kube::Node> nodes_;
  std::vector<std::unique_ptr<ExtenderClient>> extenders_;
  std::map<std::string, Backoff> attempts_;  // By pod uid.
  ObjectMemo<PodFacts> pod_facts_;
  // What the last pass saw of each node, to notice cluster events.
  struct NodeSeen {
    std::string resource_version;
    int64_t pods = 0;
    uint64_t pass = 0;  // The last pass that saw the node.
  };
  absl::flat_hash_map<std::string, NodeSeen> last_nodes_;  // By node name.
  uint64_t passes_ = 0;
  size_t next_start_ = 0;
  std::mt19937_64 random_;
  SchedulerStats stats_;

  // What the write queue's thread learned during a pass.
  struct WriteResults {
    int64_t bound = 0;
    absl::Duration bind_time;
    absl::Duration event_time;
    std::vector<std::pair<std::string, std::string>> bound_without_extender;
    std::vector<std::string> unbound;  // Uids whose binding was refused.
    std::vector<std::pair<std::string, std::string>> status_versions;  // Uid -> version after our status write.
    absl::Status first_error;
  };
  absl::Mutex results_mu_;
  WriteResults results_ ABSL_GUARDED_BY(results_mu_);
  // Declared last: destroyed first, so its thread ends before what it uses.
  WriteQueue writes_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_SCHEDULER_SCHEDULER_H_
