// The built-in kinds' printers: the cells kube-apiserver's printers give
// `kubectl get`.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/kinds/strategy_of.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

json::array Cells(const char* group, const char* kind, const char* object) {
  const Printer* printer = StrategyOf(group, kind).TablePrinter();
  if (printer == nullptr) {
    ADD_FAILURE() << kind << " has no printer";
    return json::array();
  }
  return printer->cells(json::parse(object).as_object(), kNow);
}

std::string Created(absl::Duration ago) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", kNow - ago, absl::UTCTimeZone());
}

TEST(PrintersTest, PodRowsAsARealClusterPrintsThem) {
  const std::string created = Created(absl::Minutes(5));
  const std::string running = R"({"metadata":{"name":"web","creationTimestamp":")" + created + R"("},
      "spec":{"nodeName":"virtual-kubelet-cn-hangzhou-k","containers":[{"name":"a"},{"name":"b"}]},
      "status":{"phase":"Running","podIP":"10.0.0.7","containerStatuses":[
        {"name":"a","ready":true,"restartCount":2},{"name":"b","ready":false,"restartCount":1}]}})";
  EXPECT_EQ(json::serialize(Cells("", "Pod", running.c_str())),
            R"(["1/2","Running","3","5m","10.0.0.7","virtual-kubelet-cn-hangzhou-k","<none>","<none>"])");
  const json::array waiting = Cells("", "Pod", R"({"metadata":{"name":"w"},"spec":{"containers":[{"name":"a"}]},
      "status":{"phase":"Pending","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}})");
  EXPECT_EQ(waiting[1], "ImagePullBackOff");
  const json::array unscheduled = Cells("", "Pod", R"({"metadata":{"name":"u"},"spec":{"containers":[{"name":"a"}]}})");
  EXPECT_EQ(unscheduled[1], "Pending");
  EXPECT_EQ(unscheduled[5], "<none>");
  const json::array going = Cells("", "Pod", R"({"metadata":{"name":"g","deletionTimestamp":"2027-01-01T00:00:00Z"},
      "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}})");
  EXPECT_EQ(going[1], "Terminating");
  const json::array exited = Cells("", "Pod", R"({"metadata":{"name":"e"},"spec":{"containers":[{"name":"a"}]},
      "status":{"phase":"Failed","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":137}}}]}})");
  EXPECT_EQ(exited[1], "ExitCode:137");
}

TEST(PrintersTest, NodeDeploymentServiceAndConfigMapRows) {
  EXPECT_EQ(json::serialize(Cells("", "Node", R"({"metadata":{"name":"vk","labels":{
      "node-role.kubernetes.io/agent":"","type":"virtual-kubelet"}},"spec":{"unschedulable":true},
      "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"10.1.0.2"}],
      "nodeInfo":{"kubeletVersion":"v1.32.0"}}})")),
            R"(["Ready,SchedulingDisabled","agent","<unknown>","v1.32.0","10.1.0.2","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(json::serialize(Cells("apps", "Deployment", R"({"metadata":{"name":"d"},"spec":{"replicas":3,
      "selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}},
      "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}})")),
            R"(["2/3",3,2,"<unknown>","nginx","nginx:1.25","app=web"])");
  EXPECT_EQ(json::serialize(Cells("", "Service", R"({"metadata":{"name":"s"},"spec":{"type":"NodePort",
      "clusterIP":"10.96.0.10","ports":[{"port":80,"nodePort":30080},{"port":53,"protocol":"UDP"}]}})")),
            R"(["NodePort","10.96.0.10","<none>","80:30080/TCP,53/UDP","<unknown>","<none>"])");
  EXPECT_EQ(Cells("", "Service", R"({"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer"}})")[2], "<pending>");
  EXPECT_EQ(json::serialize(Cells("", "ConfigMap", R"({"metadata":{"name":"c"},"data":{"a":"1","b":"2"}})")),
            R"([2,"<unknown>"])");
  EXPECT_EQ(StrategyOf("coordination.k8s.io", "Lease").TablePrinter(), nullptr);
  ASSERT_NE(StrategyOf("", "Pod").TablePrinter(), nullptr);
  EXPECT_EQ(StrategyOf("", "Pod").TablePrinter()->columns.size(), 8u);
}

}  // namespace
}  // namespace spillway::sim::kinds
