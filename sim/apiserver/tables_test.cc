#include "sim/apiserver/tables.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

json::array Cells(const char* group, const char* kind, const char* object) {
  return BuiltinCells(group, kind, json::parse(object).as_object(), kNow);
}

std::string Created(absl::Duration ago) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", kNow - ago, absl::UTCTimeZone());
}

TEST(TablesTest, HumanDurationAsKubectlPrintsIt) {
  struct Case {
    absl::Duration age;
    const char* want;
  };
  const Case cases[] = {{absl::Seconds(45), "45s"},     {absl::Seconds(119), "119s"}, {absl::Seconds(200), "3m20s"},
                        {absl::Minutes(5), "5m"},       {absl::Minutes(90), "90m"},   {absl::Minutes(200), "3h20m"},
                        {absl::Hours(5), "5h"},         {absl::Hours(30), "30h"},     {absl::Hours(50), "2d2h"},
                        {absl::Hours(24 * 20), "20d"},  {absl::Hours(24 * 800), "2y70d"},
                        {absl::Hours(24 * 365 * 9), "9y"}, {absl::Seconds(-1), "0s"}};
  for (const Case& c : cases) EXPECT_EQ(HumanDuration(c.age), c.want) << c.age;
}

TEST(TablesTest, PodRowsAsARealClusterPrintsThem) {
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

TEST(TablesTest, NodeDeploymentServiceAndConfigMapRows) {
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
  EXPECT_EQ(BuiltinColumns("", "Lease"), nullptr);
  ASSERT_NE(BuiltinColumns("", "Pod"), nullptr);
  EXPECT_EQ(BuiltinColumns("", "Pod")->size(), 8u);
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// Issue 23.6: printer columns as kube-apiserver's JSONPath reads them,
// including the condition filter a READY column needs.
TEST(PrinterColumnValueTest, PathsFiltersAndTypes) {
  const absl::Time now = absl::FromUnixSeconds(1796178500);
  const boost::json::value object = boost::json::parse(R"({
    "metadata": {"creationTimestamp": "2026-12-02T02:18:20Z"},
    "spec": {"replicas": 6, "sourceTarget": {"name": "web"}},
    "status": {"elasticUnitsStatus": [{"desiredReplicas": 2}, {"desiredReplicas": 3}],
               "conditions": [{"type": "Progressing", "status": "True"},
                              {"type": "Ready", "status": "False", "reason": "InvalidSpec"}]}})");
  struct Row {
    std::string path;
    std::string type;
    std::string want;  // Serialized JSON.
  } rows[] = {
      {".spec.sourceTarget.name", "string", R"("web")"},
      {".spec.replicas", "integer", "6"},
      {".status.elasticUnitsStatus[*].desiredReplicas", "string", R"("2,3")"},
      {".status.elasticUnitsStatus[1].desiredReplicas", "integer", "3"},
      {".status.elasticUnitsStatus[7].desiredReplicas", "integer", "null"},
      {R"(.status.conditions[?(@.type=="Ready")].status)", "string", R"("False")"},
      {R"(.status.conditions[?(@.type=='Ready')].reason)", "string", R"("InvalidSpec")"},
      {R"(.status.conditions[?(@.type=="Available")].status)", "string", "null"},
      {".metadata.creationTimestamp", "date", R"("10m")"},
      {".spec.missing", "string", "null"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(boost::json::serialize(PrinterColumnValue(object, row.path, row.type, now)), row.want) << row.path;
  }
}

}  // namespace
}  // namespace spillway::sim
