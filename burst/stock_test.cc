#include "burst/stock.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

using ::testing::HasSubstr;

TEST(StockTest, OnlyStockAndCapacityReasonsCount) {
  for (const char* reason : {"NoStock", "StockExhaust", "StockClose", "Throttling", "UnknownError",
                             "ResourceInsufficient", "QuotaFull", "DiskCapacityQuotaFull"}) {
    EXPECT_TRUE(IsStockReason(reason)) << reason;
  }
  for (const char* reason : {"FailedScheduling", "SpotToBeReleased", "BackOff"}) {
    EXPECT_FALSE(IsStockReason(reason)) << reason;
  }
}

// Issue 22.5: each reason says what it is (a vSwitch out of IPs is not a
// stock-out).
TEST(StockTest, ReasonsInWords) {
  EXPECT_EQ(ReasonInWords("NoStock"), "out of ECI stock");
  EXPECT_EQ(ReasonInWords("ResourceInsufficient"), "out of IP addresses in its vSwitch");
  EXPECT_EQ(ReasonInWords("DiskCapacityQuotaFull"), "at the account's disk capacity quota");
  EXPECT_EQ(ReasonInWords("QuotaFull"), "at its security group's instance quota");
  EXPECT_EQ(ReasonInWords("SomethingNew"), "SomethingNew");
}

TEST(StockTest, ANodeCoolsDownForTheConfiguredTime) {
  FakeClock clock;
  StockCoolDowns stock(clock, absl::Minutes(3));
  EXPECT_EQ(stock.Cooling("virtual-kubelet-cn-hangzhou-j"), std::nullopt);
  EXPECT_TRUE(stock.Report("virtual-kubelet-cn-hangzhou-j", "NoStock"));
  EXPECT_THAT(stock.Cooling("virtual-kubelet-cn-hangzhou-j").value_or(""),
              HasSubstr("virtual node virtual-kubelet-cn-hangzhou-j reported NoStock; avoided until"));
  EXPECT_EQ(stock.CoolingCount(), 1);
  clock.Advance(absl::Minutes(2));
  EXPECT_FALSE(stock.Report("virtual-kubelet-cn-hangzhou-j", "NoStock"));  // Extended.
  clock.Advance(absl::Minutes(2));
  EXPECT_NE(stock.Cooling("virtual-kubelet-cn-hangzhou-j"), std::nullopt);
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(stock.Cooling("virtual-kubelet-cn-hangzhou-j"), std::nullopt);
  EXPECT_EQ(stock.CoolingCount(), 0);
}

}  // namespace
}  // namespace spillway::burst

namespace spillway::burst {
namespace {

TEST(StockPolicyTest, EachReasonHasItsCoolDownAndDeletionRule) {
  const StockPolicy policy;
  struct Case {
    const char* reason;
    int seconds;
    bool deletes;
  };
  for (const Case& c : {Case{"NoStock", 180, true}, Case{"StockClose", 600, true},
                        Case{"ResourceInsufficient", 180, true}, Case{"QuotaFull", 300, false},
                        Case{"StockExhaust", 60, false}, Case{"Throttling", 30, false},
                        Case{"UnknownError", 30, false}, Case{"DiskCapacityQuotaFull", 300, false}}) {
    std::optional<StockReaction> reaction = policy.For(c.reason);
    ASSERT_TRUE(reaction.has_value()) << c.reason;
    EXPECT_EQ(reaction->cool_down, absl::Seconds(c.seconds)) << c.reason;
    EXPECT_EQ(reaction->delete_stuck_pods, c.deletes) << c.reason;
  }
  EXPECT_FALSE(policy.For("FailedScheduling").has_value());
  EXPECT_FALSE(policy.For("SpotToBeReleased").has_value());
}

TEST(StockPolicyTest, TheConfigOverridesAllThenEachReason) {
  config::StockConfig config;
  config.set_cool_down_seconds(100);
  (*config.mutable_cool_down_seconds_by_reason())["Throttling"] = 5;
  absl::StatusOr<StockPolicy> policy = StockPolicy::FromConfig(config);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->For("NoStock")->cool_down, absl::Seconds(100));
  EXPECT_EQ(policy->For("Throttling")->cool_down, absl::Seconds(5));
  EXPECT_TRUE(policy->For("NoStock")->delete_stuck_pods);

  (*config.mutable_cool_down_seconds_by_reason())["NoStok"] = 5;
  EXPECT_THAT(StockPolicy::FromConfig(config).status().message(),
              ::testing::HasSubstr("\"NoStok\" is not a stock reason"));
  config.mutable_cool_down_seconds_by_reason()->erase("NoStok");
  (*config.mutable_cool_down_seconds_by_reason())["NoStock"] = 0;
  EXPECT_THAT(StockPolicy::FromConfig(config).status().message(),
              ::testing::HasSubstr("coolDownSecondsByReason.NoStock: 0 is outside 1..86400"));
}

TEST(StockPolicyTest, AMilderReasonDoesNotShortenALongerCoolDown) {
  FakeClock clock;
  StockCoolDowns stock(clock, StockPolicy());
  EXPECT_TRUE(stock.Report("vk-j", "StockClose"));  // 600 s.
  EXPECT_FALSE(stock.Report("vk-j", "Throttling"));  // 30 s: no change.
  clock.Advance(absl::Seconds(120));
  EXPECT_NE(stock.Cooling("vk-j"), std::nullopt);
  EXPECT_NE(stock.Cooling("vk-j")->find("StockClose"), std::string::npos);
}

}  // namespace
}  // namespace spillway::burst
