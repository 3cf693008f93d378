#include "autoscaler/stock_watcher.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

using ::testing::HasSubstr;

TEST(KeepStuckPodTest, ThePodsOwnChoicesAreRespected) {
  kube::StringMap none;
  EXPECT_EQ(KeepStuckPod(none), std::nullopt);
  kube::StringMap retry;
  retry.Set("k8s.aliyun.com/eci-reschedule-enable", "true");
  EXPECT_THAT(KeepStuckPod(retry).value_or(""), HasSubstr("keep retrying"));
  kube::StringMap fail;
  fail.Set("k8s.aliyun.com/pod-fail-on-create-err", "true");
  EXPECT_THAT(KeepStuckPod(fail).value_or(""), HasSubstr("fail visibly"));
  kube::StringMap off;
  off.Set("k8s.aliyun.com/eci-reschedule-enable", "false");
  EXPECT_EQ(KeepStuckPod(off), std::nullopt);
}

}  // namespace
}  // namespace spillway::autoscaler
