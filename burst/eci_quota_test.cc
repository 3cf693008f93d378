#include "burst/eci_quota.h"

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
