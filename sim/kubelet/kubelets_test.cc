// The kubelet and virtual-kubelet stand-ins against the embedded API server,
// on a fake clock.
#include "sim/kubelet/kubelets.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kVirtualJ[] = "virtual-kubelet-cn-hangzhou-j";

class KubeletsTest : public EmbeddedClusterTest {
 protected:
  void SetUp() override {
    EmbeddedClusterTest::SetUp();
    KubeletOptions options;
    options.ecs_startup = absl::Seconds(2);
    options.eci_startup_min = absl::Seconds(5);
    options.eci_startup_max = absl::Seconds(5);
    options.stock_outs.push_back({"cn-hangzhou-j", clock_.Now() + absl::Seconds(10), clock_.Now() + absl::Seconds(30)});
    reader_ = std::make_unique<LiveReader>(*client_);
    kubelets_ = std::make_unique<Kubelets>(
        *client_, *reader_, clock_,
        std::vector<SimNode>{{"ecs-1", "cn-hangzhou-j", false, 4000, 16LL << 30, 110},
                             {kVirtualJ, "cn-hangzhou-j", true, 1000000000, 1LL << 50, 10000}},
        options);
    ASSERT_TRUE(kubelets_->Register().ok());
  }
  void BoundPod(const std::string& name, const std::string& node) {
    json::object pod{{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", json::object{{"name", name}, {"namespace", "default"}}},
                     {"spec", json::object{{"containers", json::array{json::object{
                                                {"name", "app"}, {"image", "nginx"},
                                                {"resources", json::object{{"requests", json::object{
                                                                                {"cpu", "2"}, {"memory", "4Gi"}}}}}}}}}}};
    ASSERT_TRUE(client_->Create(PathOf("", "v1", "pods", "default"), pod).ok());
    ASSERT_TRUE(client_->Bind("default", name, node).ok());
  }
  json::object Pod(const std::string& name) { return *client_->Get(PathOf("", "v1", "pods", "default", name)); }
  std::string Phase(const std::string& name) {
    const json::object pod = Pod(name);
    const json::object* status = json_fields::ObjectAt(pod, {"status"});
    return status == nullptr ? "" : json_fields::String(*status, "phase");
  }

  FakeClock clock_{absl::Now()};
  std::unique_ptr<LiveReader> reader_;
  std::unique_ptr<Kubelets> kubelets_;
};

TEST_F(KubeletsTest, NodesRegisterAsKubeletsAndVirtualKubeletsDo) {
  json::object node = *client_->Get(PathOf("", "v1", "nodes", "", kVirtualJ));
  EXPECT_EQ(Label(node, "type"), "virtual-kubelet");
  EXPECT_EQ(Label(node, "topology.kubernetes.io/zone"), "cn-hangzhou-j");
  EXPECT_EQ(json::serialize(*json_fields::At(node, {"spec", "taints"})),
            R"([{"key":"virtual-kubelet.io/provider","value":"alibabacloud","effect":"NoSchedule"}])");
  json::object ecs = *client_->Get(PathOf("", "v1", "nodes", "", "ecs-1"));
  EXPECT_TRUE(ConditionTrue(ecs, "Ready"));
  // The kubelet reports "4000m"; the API server stores it canonical, as a real one.
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(ecs, {"status", "allocatable"}), "cpu"), "4");
  EXPECT_TRUE(client_->Get(PathOf("coordination.k8s.io", "v1", "leases", "kube-node-lease", "ecs-1")).ok());
}

TEST_F(KubeletsTest, PodsStartAfterTheirDelay) {
  BoundPod("web", "ecs-1");
  BoundPod("eci", kVirtualJ);
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("web"), "Pending");
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("web"), "Running");
  EXPECT_TRUE(ConditionTrue(Pod("web"), "Ready"));
  EXPECT_EQ(Phase("eci"), "Pending");
  clock_.Advance(absl::Seconds(3));
  ASSERT_TRUE(kubelets_->Sync().ok());
  const json::object eci = Pod("eci");
  EXPECT_EQ(Phase("eci"), "Running");
  EXPECT_THAT(Annotation(eci, "k8s.aliyun.com/eci-instance-id"), StartsWith("eci-"));
  EXPECT_EQ(Annotation(eci, "k8s.aliyun.com/eci-instance-spec"), "2.0-4.0Gi");
}

// The nodes a node pool gains (the cluster-autoscaler stand-in registers
// them) are adopted: their pods start; a deleted one is forgotten.
TEST_F(KubeletsTest, NodePoolNodesAreAdoptedAndForgotten) {
  SimNode pooled;
  pooled.name = "np-burst-0";
  pooled.zone = "cn-hangzhou-j";
  pooled.cpu_milli = 4000;
  pooled.memory_bytes = int64_t{16} << 30;
  pooled.labels = {{kNodePoolLabel, "np-burst"}};
  ASSERT_TRUE(client_->Create(PathOf("", "v1", "nodes"), SimNodeObject(pooled, clock_.Now())).ok());
  BoundPod("web", "np-burst-0");
  ASSERT_TRUE(kubelets_->Sync().ok());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("web"), "Running");
  // Its Lease is renewed as every node's.
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_TRUE(client_->Get(PathOf("coordination.k8s.io", "v1", "leases", "kube-node-lease", "np-burst-0")).ok());
  ASSERT_TRUE(client_->Delete(PathOf("", "v1", "nodes", "", "np-burst-0")).ok());
  BoundPod("late", "np-burst-0");
  ASSERT_TRUE(kubelets_->Sync().ok());
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("late"), "Pending");  // No kubelet runs it.
}

// Pods due in one pass start together (their writes overlap), yet each gets
// the address it would get one at a time: pod IPs in pod order, and a host
// IP that stays an IPv4 address past the 240th node.
TEST_F(KubeletsTest, PodsDueTogetherStartWithAddressesInPodOrder) {
  std::vector<SimNode> nodes;
  for (int i = 0; i < 300; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "n%03d", i);
    nodes.push_back({name, "cn-hangzhou-k", false, 4000, 16LL << 30, 110});
  }
  Kubelets many(*client_, *reader_, clock_, nodes, KubeletOptions());
  ASSERT_TRUE(many.Register().ok());
  for (int i = 0; i < 40; ++i) {
    char pod[8];
    std::snprintf(pod, sizeof(pod), "p%02d", i);
    BoundPod(pod, i == 39 ? "n299" : nodes[i].name);
  }
  ASSERT_TRUE(many.Sync().ok());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(many.Sync().ok());
  for (int i = 0; i < 40; ++i) {
    char pod[8];
    std::snprintf(pod, sizeof(pod), "p%02d", i);
    const json::object status = *json_fields::ObjectAt(Pod(pod), {"status"});
    EXPECT_EQ(json_fields::String(status, "phase"), "Running") << pod;
    EXPECT_EQ(json_fields::String(status, "podIP"), absl::StrCat("10.100.0.", i + 3)) << pod;
  }
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(Pod("p00"), {"status"}), "hostIP"), "192.168.0.10");
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(Pod("p39"), {"status"}), "hostIP"), "192.168.1.69");
}

TEST_F(KubeletsTest, OutOfStockZonesLeavePodsPendingWithNoStock) {
  clock_.Advance(absl::Seconds(10));
  BoundPod("eci", kVirtualJ);
  ASSERT_TRUE(kubelets_->Sync().ok());
  ASSERT_TRUE(kubelets_->Sync().ok());  // Reported once, not per pass.
  json::object events = *client_->List(PathOf("", "v1", "events", "default"), kube::ListOptions());
  ASSERT_EQ(events.at("items").as_array().size(), 1u);
  const json::object& event = events.at("items").as_array()[0].as_object();
  EXPECT_EQ(json_fields::String(event, "reason"), "NoStock");
  EXPECT_EQ(json_fields::String(event, "type"), "Warning");
  EXPECT_THAT(json_fields::String(event, "message"),
              StartsWith("Create ECI failed because the specified instance is out of stock. "));
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(event, {"source"}), "host"), kVirtualJ);
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(Pod("eci"), {"status"}), "reason"), "ProviderFailed");
  clock_.Advance(absl::Seconds(15));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("eci"), "Pending");
  // Stock is back at 30 s; the pod starts its delay then.
  clock_.Advance(absl::Seconds(6));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("eci"), "Pending");
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(kubelets_->Sync().ok());
  EXPECT_EQ(Phase("eci"), "Running");
}

TEST(SimAddressesTest, StayIPv4AddressesPastTheThirdOctet) {
  const struct {
    bool on_virtual_node;
    int64_t n;
    const char* want;
  } kPods[] = {
      {false, 1, "10.100.0.3"},      {false, 249, "10.100.0.251"},   {false, 250, "10.100.1.2"},
      {false, 63999, "10.100.255.251"}, {false, 64000, "10.101.0.2"}, {true, 1, "10.200.0.3"},
      {true, 64000, "10.201.0.2"},
  };
  for (const auto& c : kPods) EXPECT_EQ(SimPodIp(c.on_virtual_node, c.n), c.want) << c.n;
  const struct {
    int64_t n;
    const char* want;
  } kHosts[] = {{0, "192.168.0.10"}, {239, "192.168.0.249"}, {240, "192.168.1.10"},
                {61439, "192.168.255.249"}, {61440, "192.169.0.10"}, {99999, "192.169.160.169"}};
  for (const auto& c : kHosts) EXPECT_EQ(SimHostIp(c.n), c.want) << c.n;
}

TEST(EciInstanceSpecTest, CoresAndGibWithEcisSmallestSize) {
  EXPECT_EQ(EciInstanceSpec(2000, 4LL << 30), "2.0-4.0Gi");
  EXPECT_EQ(EciInstanceSpec(0, 0), "0.2-0.5Gi");
  EXPECT_EQ(EciInstanceSpec(500, 1LL << 30), "0.5-1.0Gi");
}

}  // namespace
}  // namespace spillway::sim
