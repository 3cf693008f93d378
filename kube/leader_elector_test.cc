// Leader election against the embedded API server: rounds driven with a
// FakeClock, then two real replicas with short leases.
#include "kube/leader_elector.h"

#include <atomic>
#include <memory>

#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;

class LeaderElectorTest : public sim::EmbeddedClusterTest {
 protected:
  std::unique_ptr<LeaderElector> Candidate(const std::string& identity, const Clock& clock,
                                           std::atomic<int>* leading = nullptr) {
    LeaderElector::Options options;
    options.lease_namespace = "kube-system";
    options.lease_name = "spillway";
    options.identity = identity;
    if (leading != nullptr) {
      options.on_started_leading = [leading] { leading->fetch_add(1); };
      options.on_stopped_leading = [leading] { leading->fetch_sub(1); };
    }
    return std::make_unique<LeaderElector>(*client_, clock, options);
  }

  json::object LeaseSpec() {
    absl::StatusOr<json::object> lease =
        client_->Get({"coordination.k8s.io", "v1", "leases", "kube-system", "spillway", ""});
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? lease->at("spec").as_object() : json::object();
  }

  FakeClock clock_a_;
  FakeClock clock_b_{clock_a_.Now() + absl::Hours(3)};  // Skewed: must not matter.
};

TEST_F(LeaderElectorTest, OneLeaderAtATimeAndTakeoverAfterTheLeaseExpires) {
  std::atomic<int> a_leading{0};
  std::unique_ptr<LeaderElector> a = Candidate("replica-a", clock_a_, &a_leading);
  std::unique_ptr<LeaderElector> b = Candidate("replica-b", clock_b_);

  ASSERT_TRUE(a->Step().ok());
  ASSERT_TRUE(b->Step().ok());
  EXPECT_TRUE(a->IsLeader());
  EXPECT_FALSE(b->IsLeader());
  EXPECT_EQ(b->observed_holder(), "replica-a");
  json::object spec = LeaseSpec();
  EXPECT_EQ(spec.at("holderIdentity").as_string(), "replica-a");
  EXPECT_EQ(spec.at("leaseDurationSeconds").as_int64(), 15);
  EXPECT_EQ(spec.at("leaseTransitions").as_int64(), 0);

  // A renews; B keeps seeing a live lease however long it waits in total.
  for (int i = 0; i < 5; ++i) {
    clock_a_.Advance(absl::Seconds(2));
    clock_b_.Advance(absl::Seconds(10));
    ASSERT_TRUE(a->Step().ok());
    ASSERT_TRUE(b->Step().ok());
    EXPECT_FALSE(b->IsLeader());
  }
  const std::string acquired = std::string(LeaseSpec().at("acquireTime").as_string());

  // A stops renewing (hung, partitioned): B takes over once the record has
  // not changed for a lease duration on B's clock.
  clock_b_.Advance(absl::Seconds(14));
  ASSERT_TRUE(b->Step().ok());
  EXPECT_FALSE(b->IsLeader());
  clock_b_.Advance(absl::Seconds(2));
  ASSERT_TRUE(b->Step().ok());
  EXPECT_TRUE(b->IsLeader());
  spec = LeaseSpec();
  EXPECT_EQ(spec.at("holderIdentity").as_string(), "replica-b");
  EXPECT_EQ(spec.at("leaseTransitions").as_int64(), 1);
  EXPECT_NE(spec.at("acquireTime").as_string(), acquired);

  // A comes back: it sees B's fresh lease and stops leading.
  EXPECT_EQ(a_leading.load(), 1);
  ASSERT_TRUE(a->Step().ok());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(a_leading.load(), 0);
}

TEST_F(LeaderElectorTest, ALeaderThatCannotRenewStopsBeforeTheLeaseCouldPass) {
  std::atomic<int> leading{0};
  std::unique_ptr<LeaderElector> a = Candidate("replica-a", clock_a_, &leading);
  ASSERT_TRUE(a->Step().ok());
  ASSERT_EQ(leading.load(), 1);
  server_->Stop();  // The API server becomes unreachable.
  clock_a_.Advance(absl::Seconds(5));
  EXPECT_EQ(a->Step().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(a->IsLeader());  // Within renew_deadline (10 s): keep going.
  clock_a_.Advance(absl::Seconds(5));
  EXPECT_EQ(a->Step().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(a->IsLeader());  // 10 s without renewal, 5 s before anyone may take over.
  EXPECT_EQ(leading.load(), 0);
}

TEST_F(LeaderElectorTest, StopReleasesTheLeaseForAnImmediateTakeover) {
  std::unique_ptr<LeaderElector> a = Candidate("replica-a", clock_a_);
  std::unique_ptr<LeaderElector> b = Candidate("replica-b", clock_b_);
  ASSERT_TRUE(a->Step().ok());
  ASSERT_TRUE(b->Step().ok());
  ASSERT_FALSE(b->IsLeader());
  a->Stop();
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(LeaseSpec().at("holderIdentity").as_string(), "");
  ASSERT_TRUE(b->Step().ok());  // No waiting out the lease.
  EXPECT_TRUE(b->IsLeader());
  EXPECT_EQ(LeaseSpec().at("leaseTransitions").as_int64(), 1);
}

TEST_F(LeaderElectorTest, TwoRunningReplicasNeverLeadTogether) {
  std::atomic<int> leaders{0};
  std::atomic<int> most{0};
  auto make = [&](const std::string& identity) {
    LeaderElector::Options options;
    options.identity = identity;
    options.lease_duration = absl::Seconds(1);
    options.renew_deadline = absl::Milliseconds(700);
    options.retry_period = absl::Milliseconds(100);
    options.on_started_leading = [&] {
      const int now = leaders.fetch_add(1) + 1;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
    };
    options.on_stopped_leading = [&] { leaders.fetch_sub(1); };
    return std::make_unique<LeaderElector>(*client_, Clock::Real(), options);
  };
  std::unique_ptr<LeaderElector> a = make("replica-a");
  std::unique_ptr<LeaderElector> b = make("replica-b");
  a->Start();
  b->Start();
  for (int i = 0; i < 200 && leaders.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(leaders.load(), 1);
  LeaderElector* leader = a->IsLeader() ? a.get() : b.get();
  LeaderElector* standby = a->IsLeader() ? b.get() : a.get();
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_FALSE(standby->IsLeader());
  leader->Stop();
  for (int i = 0; i < 300 && !standby->IsLeader(); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(standby->IsLeader());
  EXPECT_EQ(most.load(), 1);
  standby->Stop();
  EXPECT_EQ(leaders.load(), 0);
}

}  // namespace
}  // namespace spillway::kube
