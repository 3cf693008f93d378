#include "kube/pod_record.h"

#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

TEST(PodRecordTest, KeepsWhatControllersReadAndPacksIt) {
  Pod pod;
  pod.metadata.namespace_ = "shop";
  pod.metadata.name = "web-7d9c6b5f4-x2x8k";
  pod.metadata.uid = "0b7e6d2c-1f3a-4e8b-9c5d-7a6b5c4d3e2f";
  pod.metadata.resource_version = "918273";
  pod.metadata.labels.Set("app", "web");
  pod.metadata.annotations.Set("alibabacloud.com/burst-resource", "eci");
  pod.metadata.owner_references.push_back({"apps/v1", "ReplicaSet", "web-7d9c6b5f4", "rs-uid", false});
  pod.metadata.owner_references.push_back({"apps/v1", "ReplicaSet", "web-owner", "rs-uid-2", true});
  pod.node_name = "virtual-kubelet-cn-hangzhou-j";
  pod.phase = "Pending";
  pod.status_reason = "ProviderFailed";
  pod.unschedulable = true;
  pod.scheduling_message = std::string(300, 'm');  // Longer than one varint byte.
  pod.container_requests = {500, 1 << 30};
  pod.init_requests = {2000, 1 << 20};
  pod.host_network = true;
  pod.volumes.push_back({"logs", true, "/var/log"});

  const PodRecord record = PodRecord::From(pod);
  EXPECT_EQ(record.Key(), "shop/web-7d9c6b5f4-x2x8k");
  EXPECT_EQ(record.uid(), "0b7e6d2c-1f3a-4e8b-9c5d-7a6b5c4d3e2f");
  EXPECT_EQ(record.resource_version(), "918273");
  EXPECT_EQ(record.node_name(), "virtual-kubelet-cn-hangzhou-j");
  EXPECT_EQ(record.phase(), "Pending");
  EXPECT_EQ(record.status_reason(), "ProviderFailed");
  EXPECT_TRUE(record.unschedulable());
  EXPECT_EQ(record.scheduling_message(), std::string(300, 'm'));
  EXPECT_EQ(record.unschedulable_since(), "");
  EXPECT_EQ(record.owner_kind(), "ReplicaSet");
  EXPECT_EQ(record.owner_name(), "web-owner");  // The controller reference, not the first.
  EXPECT_EQ(record.owner_uid(), "rs-uid-2");
  EXPECT_TRUE(record.labels().Has("app", "web"));
  EXPECT_TRUE(record.annotations().Has("alibabacloud.com/burst-resource", "eci"));
  EXPECT_EQ(record.requests().cpu_milli, 2000);
  EXPECT_EQ(record.requests().memory_bytes, 1 << 30);
  EXPECT_TRUE(record.host_network());
  EXPECT_TRUE(record.host_path_volumes());
  EXPECT_FALSE(record.privileged());
  EXPECT_FALSE(record.host_ports());
  EXPECT_FALSE(record.deleting());
  EXPECT_LT(record.bytes(), 700u);
}

TEST(PodRecordTest, ABarePodHasEmptyFields) {
  const PodRecord record = PodRecord::From(Pod());
  EXPECT_EQ(record.name(), "");
  EXPECT_EQ(record.owner_kind(), "");
  EXPECT_EQ(record.Key(), "/");
  EXPECT_FALSE(record.unschedulable());
}

}  // namespace
}  // namespace spillway::kube
