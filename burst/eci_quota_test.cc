#include "burst/eci_quota.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

using ::testing::HasSubstr;

TEST(EciQuotaTest, ClusterCapsDefaultToTheVirtualNodesCapacity) {
  EciQuota quota;
  EXPECT_TRUE(quota.Admit("shop", {2000, 4LL << 30}).ok());  // No caps at all yet.
  quota.SetVirtualCapacity({4000, 8LL << 30, 3});
  quota.Add("shop", {3000, 2LL << 30});
  absl::Status refused = quota.Admit("shop", {2000, 1LL << 30});
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message(), "ECI quota: cluster-wide cpu cap 4 would be exceeded (3 used, the pod asks 2)");
  EXPECT_TRUE(quota.Admit("shop", {500, 1LL << 30}).ok());
  quota.Remove("shop", {3000, 2LL << 30});
  EXPECT_TRUE(quota.Admit("shop", {2000, 1LL << 30}).ok());
}

TEST(EciQuotaTest, ConfiguredCapsWinAndNamespacesHaveTheirOwn) {
  config::EciQuotaConfig config;
  config.mutable_cluster()->set_pods(2);
  (*config.mutable_namespaces())["shop"].set_memory("4Gi");
  absl::StatusOr<std::unique_ptr<EciQuota>> quota = EciQuota::FromConfig(config);
  ASSERT_TRUE(quota.ok()) << quota.status();
  (*quota)->SetVirtualCapacity({1000000000, 6400LL << 40, 10000});
  (*quota)->Add("shop", {500, 3LL << 30});
  EXPECT_THAT(std::string((*quota)->Admit("shop", {500, 2LL << 30}).message()),
              HasSubstr("namespace shop memory cap 4Gi would be exceeded (3Gi used, the pod asks 2Gi)"));
  EXPECT_TRUE((*quota)->Admit("other", {500, 2LL << 30}).ok());
  (*quota)->Add("other", {500, 1LL << 30});
  EXPECT_THAT(std::string((*quota)->Admit("other", {1, 1}).message()),
              HasSubstr("cluster-wide pod cap 2 would be exceeded"));
}

// Issue 19.3: pods filtered within milliseconds of each other, before any
// binding reaches the watch, must not all fit the same room.
TEST(EciQuotaTest, AssumedPodsCountUntilSeenBoundGoneOrExpired) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EciQuota quota(EciCaps{std::nullopt, std::nullopt, 2});
  EXPECT_TRUE(quota.Assume("uid-1", "shop", {1000, 0}, now).ok());
  EXPECT_TRUE(quota.Assume("uid-1", "shop", {1000, 0}, now).ok()) << "a retried filter counts once";
  EXPECT_TRUE(quota.Assume("uid-2", "shop", {1000, 0}, now).ok());
  absl::Status third = quota.Assume("uid-3", "shop", {1000, 0}, now);
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(third.message(), "ECI quota: cluster-wide pod cap 2 would be exceeded (2 used, the pod asks 1)");
  EXPECT_EQ(quota.AssumedPods(), 2);
  // uid-1's binding is seen: the accountant adds it, then the hold ends; still 2.
  quota.Add("shop", {1000, 0});
  quota.Forget("uid-1");
  EXPECT_EQ(quota.ClusterUsage().pods, 2);
  EXPECT_FALSE(quota.Assume("uid-3", "shop", {1000, 0}, now).ok());
  // uid-2's binding never came: its hold ends after 30 s.
  EXPECT_FALSE(quota.Assume("uid-3", "shop", {1000, 0}, now + absl::Seconds(29)).ok());
  EXPECT_TRUE(quota.Assume("uid-3", "shop", {1000, 0}, now + absl::Seconds(30)).ok());
  quota.Forget("uid-3");  // Gone before it was bound.
  EXPECT_EQ(quota.ClusterUsage().pods, 1);
  quota.Forget("never-assumed");
  EXPECT_EQ(quota.ClusterUsage().pods, 1);
}

TEST(EciQuotaTest, ConcurrentAssumesNeverExceedTheCap) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  absl::flat_hash_map<std::string, EciCaps> namespaces;
  namespaces["shop"] = EciCaps{2000, std::nullopt, 4};
  EciQuota quota(EciCaps{}, namespaces);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if (quota.Assume(absl::StrCat("uid-", t, "-", i), "shop", {500, 0}, now).ok()) admitted.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 4);
  EXPECT_EQ(quota.AssumedPods(), 4);
}

TEST(EciQuotaTest, BadQuantitiesNameTheField) {
  config::EciQuotaConfig config;
  config.mutable_cluster()->set_cpu("lots");
  EXPECT_THAT(std::string(EciQuota::FromConfig(config).status().message()),
              HasSubstr("eciQuota.cluster.cpu: invalid quantity \"lots\""));
}

}  // namespace
}  // namespace spillway::burst

namespace spillway::burst {
namespace {

// One controller, three zones: each virtual node shows the same quota.
TEST(CombineVirtualCapacityTest, TheLargestNotTheSum) {
  const EciUsage zone{1000000 * 1000, int64_t{6400} << 40, 10000};
  EciUsage combined = CombineVirtualCapacity({zone, zone, zone});
  EXPECT_EQ(combined.cpu_milli, zone.cpu_milli);
  EXPECT_EQ(combined.memory_bytes, zone.memory_bytes);
  EXPECT_EQ(combined.pods, 10000);
  combined = CombineVirtualCapacity({EciUsage{4000, 100, 10}, EciUsage{2000, 200, 5}});
  EXPECT_EQ(combined.cpu_milli, 4000);
  EXPECT_EQ(combined.memory_bytes, 200);
  EXPECT_EQ(combined.pods, 10);
  EXPECT_EQ(CombineVirtualCapacity({}).pods, 0);
}

}  // namespace
}  // namespace spillway::burst
