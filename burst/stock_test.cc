#include "burst/stock.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

using ::testing::HasSubstr;

TEST(StockTest, OnlyStockAndCapacityReasonsCount) {
  for (const char* reason : {"NoStock", "StockExhaust", "StockClose", "Throttling", "UnknownError",
                             "ResourceInsufficient", "QuotaFull"}) {
    EXPECT_TRUE(IsStockReason(reason)) << reason;
  }
  for (const char* reason : {"FailedScheduling", "SpotToBeReleased", "DiskCapacityQuotaFull", "BackOff"}) {
    EXPECT_FALSE(IsStockReason(reason)) << reason;
  }
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
  EXPECT_FALSE(stock.Report("virtual-kubelet-cn-hangzhou-j", "StockExhaust"));  // Extended.
  clock.Advance(absl::Minutes(2));
  EXPECT_NE(stock.Cooling("virtual-kubelet-cn-hangzhou-j"), std::nullopt);
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(stock.Cooling("virtual-kubelet-cn-hangzhou-j"), std::nullopt);
  EXPECT_EQ(stock.CoolingCount(), 0);
}

}  // namespace
}  // namespace spillway::burst
