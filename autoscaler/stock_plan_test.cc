#include "autoscaler/stock_plan.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::string Stamp(absl::Time when) { return absl::FormatTime(absl::RFC3339_sec, when, absl::UTCTimeZone()); }

kube::Event NoStock() {
  kube::Event event;
  event.reason = "NoStock";
  event.involved_kind = "Pod";
  event.involved_namespace = "shop";
  event.involved_name = "web-0";
  event.source_component = "virtual-kubelet";
  event.creation_timestamp = Stamp(kNow - absl::Seconds(5));
  return event;
}

TEST(JudgeStockEventTest, TrustsOnlyFreshPodEventsFromTheVirtualKubelet) {
  struct Case {
    std::string name;
    std::function<void(kube::Event&)> change;
    StockEventTrust want;
  };
  const std::vector<Case> cases = {
      {"ACK's virtual kubelet", [](kube::Event&) {}, StockEventTrust::kTrusted},
      {"upstream virtual-kubelet's pod controller",
       [](kube::Event& e) { e.source_component = "virtual-kubelet-cn-hangzhou-j/pod-controller"; },
       StockEventTrust::kTrusted},
      {"events.k8s.io reportingComponent",
       [](kube::Event& e) {
         e.source_component.clear();
         e.reporting_controller = "virtual-kubelet";
       },
       StockEventTrust::kTrusted},
      {"about a Node", [](kube::Event& e) { e.involved_kind = "Node"; }, StockEventTrust::kNotAboutAPod},
      {"about a Deployment", [](kube::Event& e) { e.involved_kind = "Deployment"; }, StockEventTrust::kNotAboutAPod},
      {"written by a user", [](kube::Event& e) { e.source_component = ""; },
       StockEventTrust::kNotFromVirtualKubelet},
      {"claiming to be the kubelet", [](kube::Event& e) { e.source_component = "kubelet"; },
       StockEventTrust::kNotFromVirtualKubelet},
      {"a pod controller of a regular node",
       [](kube::Event& e) { e.source_component = "ecs-1/pod-controller"; }, StockEventTrust::kNotFromVirtualKubelet},
      {"older than NoStock's 3-minute cool-down",
       [](kube::Event& e) { e.creation_timestamp = Stamp(kNow - absl::Minutes(3)); }, StockEventTrust::kStale},
      {"old, but seen again (lastTimestamp)",
       [](kube::Event& e) {
         e.creation_timestamp = Stamp(kNow - absl::Hours(2));
         e.last_timestamp = Stamp(kNow - absl::Seconds(10));
       },
       StockEventTrust::kTrusted},
      {"old, seen again in a series",
       [](kube::Event& e) {
         e.event_time = Stamp(kNow - absl::Hours(2));
         e.series_last_observed = Stamp(kNow - absl::Seconds(10));
       },
       StockEventTrust::kTrusted},
      {"StockClose cools 10 minutes, so 5 minutes old still counts",
       [](kube::Event& e) {
         e.reason = "StockClose";
         e.creation_timestamp = Stamp(kNow - absl::Minutes(5));
       },
       StockEventTrust::kTrusted},
      {"Throttling cools 30 s", [](kube::Event& e) {
         e.reason = "Throttling";
         e.creation_timestamp = Stamp(kNow - absl::Seconds(31));
       },
       StockEventTrust::kStale},
  };
  const burst::StockPolicy policy;
  auto is_virtual = [](absl::string_view node) { return absl::StartsWith(node, "virtual-kubelet"); };
  for (const Case& c : cases) {
    kube::Event event = NoStock();
    c.change(event);
    EXPECT_EQ(JudgeStockEvent(event, kNow, policy, is_virtual), c.want) << c.name;
  }
}

StuckPod Stuck() {
  StuckPod pod;
  pod.node = "virtual-kubelet-cn-hangzhou-j";
  pod.has_controller = true;
  pod.cooling = "virtual node virtual-kubelet-cn-hangzhou-j reported NoStock";
  pod.now = kNow;
  return pod;
}

TEST(PlanStuckPodTest, DeletesOnlyWhenSomewhereElseCanRunIt) {
  struct Case {
    std::string name;
    std::function<void(StuckPod&)> change;
    StockPlan::Action want;
    std::string why;
  };
  const burst::StockCoolDowns::Active j{"virtual-kubelet-cn-hangzhou-j", "NoStock", kNow + absl::Seconds(170)};
  const burst::StockCoolDowns::Active k{"virtual-kubelet-cn-hangzhou-k", "StockClose", kNow + absl::Seconds(40)};
  const std::vector<Case> cases = {
      {"another zone has stock",
       [](StuckPod& p) { p.elsewhere = {"virtual-kubelet-cn-hangzhou-k"}; },
       StockPlan::Action::kDelete, "it can run on virtual-kubelet-cn-hangzhou-k"},
      {"an ECS node has room (for a pod that may use it)", [](StuckPod& p) { p.elsewhere = {"ecs-1"}; },
       StockPlan::Action::kDelete, "it can run on ecs-1"},
      {"every zone is out of stock",
       [&](StuckPod& p) { p.blocking = {j, k}; }, StockPlan::Action::kWait,
       "every node it may use is avoided for stock or capacity: virtual-kubelet-cn-hangzhou-j (NoStock until"},
      {"the workload lost a pod a moment ago",
       [](StuckPod& p) {
         p.elsewhere = {"virtual-kubelet-cn-hangzhou-k"};
         p.owner_may_delete_at = kNow + absl::Seconds(4);
       },
       StockPlan::Action::kWait, "the next deletion waits"},
      {"a bare pod", [](StuckPod& p) {
         p.has_controller = false;
         p.elsewhere = {"ecs-1"};
       },
       StockPlan::Action::kNone, "no controller"},
      {"the pod asks virtual-kubelet to keep retrying",
       [](StuckPod& p) {
         p.keep = "it asks virtual-kubelet to keep retrying";
         p.elsewhere = {"ecs-1"};
       },
       StockPlan::Action::kNone, "keep retrying"},
      {"its node is not cooling", [](StuckPod& p) {
         p.cooling.reset();
         p.elsewhere = {"ecs-1"};
       },
       StockPlan::Action::kNone, "not out of stock"},
      {"it waited, the cool-down ended and the virtual kubelet gave up on it",
       [](StuckPod& p) {
         p.cooling.reset();
         p.waiting = true;
         p.provider_failed = true;
         p.elsewhere = {"virtual-kubelet-cn-hangzhou-j"};
       },
       StockPlan::Action::kDelete, "stock returned to virtual-kubelet-cn-hangzhou-j"},
      {"it waited, the cool-down ended and the virtual kubelet is still creating it",
       [](StuckPod& p) {
         p.cooling.reset();
         p.waiting = true;
         p.elsewhere = {"virtual-kubelet-cn-hangzhou-j"};
       },
       StockPlan::Action::kNone, "still creating it"},
  };
  for (const Case& c : cases) {
    StuckPod pod = Stuck();
    c.change(pod);
    const StockPlan plan = PlanStuckPod(pod);
    EXPECT_EQ(plan.action, c.want) << c.name;
    EXPECT_THAT(plan.why, HasSubstr(c.why)) << c.name;
  }
}

TEST(PlanStuckPodTest, AWaitingPodIsToldOnceAndLooksAgainWhenTheFirstCoolDownEnds) {
  StuckPod pod = Stuck();
  pod.blocking = {{"virtual-kubelet-cn-hangzhou-j", "NoStock", kNow + absl::Seconds(170)},
                  {"virtual-kubelet-cn-hangzhou-k", "NoStock", kNow + absl::Seconds(40)}};
  StockPlan first = PlanStuckPod(pod);
  ASSERT_EQ(first.action, StockPlan::Action::kWait);
  EXPECT_EQ(first.look_again_in, absl::Seconds(40));
  ASSERT_TRUE(first.waiting_event.has_value());
  EXPECT_THAT(*first.waiting_event, HasSubstr("Spillway keeps the pod (a replacement would meet the same) "
                                              "and looks again at "));
  EXPECT_THAT(*first.waiting_event, HasSubstr("virtual-kubelet-cn-hangzhou-k (NoStock until "));
  EXPECT_THAT(*first.waiting_event, HasSubstr("is out of ECI stock and every other node"));
  // Issue 22.5: a vSwitch out of IPs is said as such, not as a stock-out.
  StuckPod no_ips = pod;
  no_ips.blocking[0].reason = "ResourceInsufficient";
  EXPECT_THAT(*PlanStuckPod(no_ips).waiting_event, HasSubstr("is out of IP addresses in its vSwitch and every other"));
  pod.waiting = true;
  const StockPlan again = PlanStuckPod(pod);
  EXPECT_EQ(again.action, StockPlan::Action::kWait);
  EXPECT_FALSE(again.waiting_event.has_value()) << "one Event per waiting pod";
}

TEST(DeletionBackoffTest, DoublesUpToFiveMinutesAndForgetsAfterTenQuietMinutes) {
  DeletionBackoff backoff;
  EXPECT_EQ(backoff.NextAllowed("sts-uid", kNow), absl::InfinitePast());
  absl::Time now = kNow;
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 11; ++i) {
    backoff.Deleted("sts-uid", now);
    waits.push_back(backoff.NextAllowed("sts-uid", now) - now);
    now = backoff.NextAllowed("sts-uid", now);
  }
  EXPECT_EQ(waits.front(), absl::Seconds(1));
  EXPECT_EQ(waits[1], absl::Seconds(2));
  EXPECT_EQ(waits[2], absl::Seconds(4));
  EXPECT_EQ(waits.back(), absl::Minutes(5));
  EXPECT_EQ(backoff.NextAllowed("other-uid", now), absl::InfinitePast()) << "per workload";
  EXPECT_EQ(backoff.NextAllowed("sts-uid", now + absl::Minutes(10)), absl::InfinitePast());
  backoff.Deleted("sts-uid", now + absl::Minutes(10));
  EXPECT_EQ(backoff.NextAllowed("sts-uid", now + absl::Minutes(10)), now + absl::Minutes(10) + absl::Seconds(1));
}

}  // namespace
}  // namespace spillway::autoscaler
