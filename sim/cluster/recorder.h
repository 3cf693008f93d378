// What the simulated cluster records while a scenario runs, from the API
// server only (as an observer would): per reported workload its pods on ECS
// nodes, on virtual nodes (ECI) and pending; the HPAs' view; the Events
// (the decisions and their reasons); and, per pod, when it was created,
// when it first ran, where, and what it requested — enough for the summary
// (peak ECI, vCPU-seconds and cost, pending time percentiles, pods that
// asked for nothing but ran on ECI, scale-in victims) and the report.
// Not thread-safe: one caller.
#ifndef SPILLWAY_SIM_CLUSTER_RECORDER_H_
#define SPILLWAY_SIM_CLUSTER_RECORDER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/scenario.h"
#include "sim/hpa/hpa_controller.h"

namespace spillway::sim {

struct WorkloadCounts {
  int ecs = 0;      // Running on a regular node.
  int eci = 0;      // Running on a virtual node.
  int pending = 0;  // Not running yet (unscheduled, starting, out of stock).
};

struct Sample {
  double seconds = 0;  // Since the scenario started.
  std::map<std::string, WorkloadCounts> workloads;
  int pending = 0;  // Every pod not running.
  std::map<std::string, HpaSample> hpas;
  double eci_vcpu = 0;   // Running on ECI now.
  double eci_cost = 0;   // Spent on ECI so far.
};

struct Decision {
  double seconds = 0;
  std::string text;  // "NoStock pod/web-7c9-x: Create ECI failed because ..."
};

struct Summary {
  int peak_eci_pods = 0;
  double peak_eci_vcpu = 0;
  double eci_vcpu_seconds = 0;
  double eci_gib_seconds = 0;
  double eci_cost = 0;
  double always_on_ecs_cost = 0;  // The peak ECI vCPU as ECS for the whole run.
  double pending_p50_seconds = 0;
  double pending_p99_seconds = 0;
  int pods = 0;
  int never_ran = 0;
  int unasked_on_eci = 0;        // Pods of "asked: nothing" workloads seen on a virtual node.
  int scale_in_eci_victims = 0;  // Running pods removed from a virtual node.
  int scale_in_ecs_victims = 0;  // Running pods removed from regular nodes ...
  int scale_in_ecs_victims_while_eci = 0;  // ... of which while their workload kept ECI pods running.
  std::map<std::string, int> started_by_virtual_node;
  int no_stock_events = 0;
};

// Nearest-rank percentile of `values` (p in 0..100); 0 when empty.
double Percentile(std::vector<double> values, double p);

class Recorder {
 public:
  // `reader` and `scenario` must outlive the recorder.
  Recorder(ClusterReader& reader, const Scenario& scenario, std::set<std::string> virtual_nodes, absl::Time start);

  // Takes one sample at `now`.
  absl::Status Observe(absl::Time now, const std::map<std::string, HpaSample>& hpas);

  const std::vector<Sample>& samples() const { return samples_; }
  // Decisions recorded since the last call.
  std::vector<Decision> TakeNewDecisions();
  const std::vector<Decision>& decisions() const { return decisions_; }
  Summary Summarize() const;

 private:
  struct PodTrack {
    int workload = -1;  // Index of its reported workload; -1 for others.
    uint64_t generation = 0;  // The last sample that saw it.
    absl::Time created;
    std::optional<absl::Time> running_since;
    std::string node;
    bool on_virtual = false;
    double vcpu = 0;
    double gib = 0;
    bool gone = false;  // Deleted; kept for the summary.
    absl::Time gone_at;
  };
  absl::Status ObserveEvents(absl::Time now);
  int WorkloadOf(const boost::json::object& pod) const;
  PodTrack NewTrack(const boost::json::object& pod) const;

  ClusterReader& reader_;
  const Scenario& scenario_;
  std::set<std::string> virtual_nodes_;
  absl::Time start_;
  std::vector<Sample> samples_;
  std::map<std::string, PodTrack, std::less<>> pods_;  // By uid.
  uint64_t generation_ = 0;
  std::set<std::string> unasked_on_eci_;
  std::set<std::string, std::less<>> seen_events_;
  std::vector<Decision> decisions_;
  size_t decisions_taken_ = 0;
  Summary totals_;  // The parts accumulated as pods come and go.
  double eci_vcpu_seconds_ = 0;
  double eci_gib_seconds_ = 0;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_RECORDER_H_
