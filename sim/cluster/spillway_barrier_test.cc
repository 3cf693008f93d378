#include "sim/cluster/spillway_barrier.h"

#include <string>

#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

// What `spillway serve` exposes, trimmed to the series the barrier reads and
// a neighbour of each.
constexpr char kMetrics[] = R"(# HELP workqueue_depth Current depth of workqueue
# TYPE workqueue_depth gauge
workqueue_depth{name="rescue"} 2
workqueue_depth{name="elastic-workload"} 1
workqueue_adds_total{name="rescue"} 40
workqueue_queue_duration_seconds_count{name="rescue"} 38
workqueue_queue_duration_seconds_sum{name="rescue"} 0.5
workqueue_queue_duration_seconds_count{name="elastic-workload"} 9
workqueue_work_duration_seconds_count{name="rescue"} 37
workqueue_work_duration_seconds_count{name="elastic-workload"} 9
spillway_informer_watch_events_total{resource="pods"} 120
spillway_informer_watch_events_total{resource="elasticworkloads.autoscaling.alibabacloud.com"} 3
rest_client_requests_total{code="200",host="127.0.0.1:1",method="GET"} 7
)";

TEST(ParseActivityTest, SumsQueuesAndKeepsWatchEventsPerResource) {
  absl::StatusOr<SpillwayActivity> activity = ParseActivity(kMetrics);
  ASSERT_TRUE(activity.ok()) << activity.status();
  EXPECT_EQ(activity->queued, 3);
  EXPECT_EQ(activity->taken, 47);
  EXPECT_EQ(activity->finished, 46);
  EXPECT_EQ(activity->watch_events.at("pods"), 120);
  EXPECT_EQ(activity->watch_events.at("elasticworkloads.autoscaling.alibabacloud.com"), 3);
  EXPECT_EQ(activity->watch_events.size(), 2u);
}

TEST(ParseActivityTest, AValueThatIsNoNumberIsNamed) {
  absl::StatusOr<SpillwayActivity> activity = ParseActivity("workqueue_depth{name=\"x\"} many\n");
  EXPECT_EQ(activity.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(activity.status().message(), "metrics: no number at the end of \"workqueue_depth{name=\"x\"} many\"");
}

TEST(ParseActivityTest, NothingExposedYetIsIdle) {
  absl::StatusOr<SpillwayActivity> activity = ParseActivity("# nothing\n");
  ASSERT_TRUE(activity.ok());
  EXPECT_EQ(Unsettled(*activity, {}, true), "");
}

TEST(UnsettledTest, Table) {
  // Counts of "pods" events (applied by Spillway, sent by the API server) and
  // of "events" events sent; -1: no series at all.
  struct Case {
    const char* name;
    int64_t pods_applied, pods_sent, events_sent;
    int64_t queued, taken, finished;
    bool current;
    std::string want;
  };
  const Case cases[] = {
      {"settled", 5, 5, -1, 0, 4, 4, true, ""},
      {"nothing yet", -1, -1, -1, 0, 0, 0, true, ""},
      {"a watch behind the store", 5, 5, -1, 0, 4, 4, false, "a watch has not been sent every write yet"},
      {"events sent, not applied", 5, 7, -1, 0, 4, 4, true, "pods: 5 of 7 events applied"},
      {"a resource never applied", 5, 5, 1, 0, 4, 4, true, "events: 0 of 1 events applied"},
      // A count from before a restart the tally did not see: not settled, and said so.
      {"more applied than sent", 5, -1, -1, 0, 4, 4, true, "pods: 5 of 0 events applied"},
      {"queued", 5, 5, -1, 2, 4, 4, true, "2 work item(s) queued"},
      {"in progress", 5, 5, -1, 0, 5, 4, true, "1 work item(s) in progress"},
      {"everything at once", 4, 5, -1, 1, 3, 2, false,
       "a watch has not been sent every write yet; pods: 4 of 5 events applied; 1 work item(s) queued; "
       "1 work item(s) in progress"},
  };
  for (const Case& c : cases) {
    SpillwayActivity activity;
    if (c.pods_applied >= 0) activity.watch_events["pods"] = c.pods_applied;
    activity.queued = c.queued;
    activity.taken = c.taken;
    activity.finished = c.finished;
    std::map<std::string, int64_t> sent;
    if (c.pods_sent >= 0) sent["pods"] = c.pods_sent;
    if (c.events_sent >= 0) sent["events"] = c.events_sent;
    EXPECT_EQ(Unsettled(activity, sent, c.current), c.want) << c.name;
  }
}

}  // namespace
}  // namespace spillway::sim
