// Waiting, between the simulated cluster's ticks, until Spillway has taken in
// everything the tick wrote and finished what it set off.
//
// Spillway runs as its own process on real time; the stand-ins are
// deterministic, Spillway's reaction time is not. Without this wait a busy
// machine changes the story: whether Spillway's stock watcher has seen a
// NoStock Event, or its ElasticWorkload controller has split a new replica
// count, before the scheduler's next pass decides where the next pod goes.
// Spillway is settled when
//   - each of its open watches has been sent every write to its collection
//     (the API server's view, WatchTally::Current),
//   - it has applied as many watch events as it was sent, per resource
//     (spillway_informer_watch_events_total against WatchTally::Sent), and
//   - its work queues hold nothing and work on nothing (client-go's
//     workqueue_depth, and as many items finished as taken:
//     workqueue_work_duration_seconds_count against
//     workqueue_queue_duration_seconds_count),
// and the store did not change while that was read. Only Spillway's
// published metrics are read: no hook in Spillway serves the sim. What
// Spillway times on its own clock (grace periods, cool-downs, retries after a
// back-off) still runs in real time (docs/simulated-cluster.md, "Time").
//
// Thread-compatible: one scenario loop calls Wait().
#ifndef SPILLWAY_SIM_CLUSTER_SPILLWAY_BARRIER_H_
#define SPILLWAY_SIM_CLUSTER_SPILLWAY_BARRIER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sim/apiserver/api_server.h"

namespace spillway::sim {

// What Spillway's /metrics say about its progress.
struct SpillwayActivity {
  std::map<std::string, int64_t> watch_events;  // Applied, per resource.
  int64_t queued = 0;    // Sum of workqueue_depth.
  int64_t taken = 0;     // Items taken from work queues.
  int64_t finished = 0;  // Items whose work is done.
};

// Reads the series above from Prometheus' text exposition format. Errors:
// InvalidArgument naming a line whose value is not a number.
absl::StatusOr<SpillwayActivity> ParseActivity(absl::string_view metrics_text);

// Why Spillway is not settled yet ("" when it is): `sent` are the events its
// watches were sent per resource, `watches_current` whether every open watch
// has been sent every write.
std::string Unsettled(const SpillwayActivity& activity, const std::map<std::string, int64_t>& sent,
                      bool watches_current);

// How the waits went, for the run's summary.
struct BarrierStats {
  int64_t waits = 0;
  int64_t timeouts = 0;
  absl::Duration total;
  absl::Duration longest;
  std::string last_timeout;  // Why the last wait that ran out was still unsettled.
};

class SpillwayBarrier {
 public:
  // `api` must outlive the barrier. Spillway's watches are recognised by
  // `agent`, its User-Agent up to the first '/'.
  SpillwayBarrier(ApiServer& api, std::string agent);

  // Counts Spillway's watches afresh: call before (re)starting it.
  void Reset();
  // Waits until Spillway, serving /metrics on `metrics_port`, is settled, up
  // to `limit` of real time (then the tick goes on and the timeout is
  // counted: a Spillway that keeps working, e.g. retrying a refused write,
  // must not stall the story).
  void Wait(uint16_t metrics_port, absl::Duration limit);

  const BarrierStats& stats() const { return stats_; }

 private:
  ApiServer& api_;
  const std::string agent_;
  BarrierStats stats_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_SPILLWAY_BARRIER_H_
