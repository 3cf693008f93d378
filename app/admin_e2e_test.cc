// The admin API end to end: `spillway serve --components=...,admin` against
// `spillway apiserver`, the cluster shaped by the real kubectl, and the
// answers read through the real CLI (`spillway explain`, `spillway status`)
// and, for the standard services (health, reflection), through Python's
// grpcio — a second, independent gRPC implementation.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/binary_cluster.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::app {
namespace {

using ::spillway::testing::CommandResult;
using ::spillway::testing::Process;
using ::spillway::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

// With testing::kEcsAndVirtualNode.
constexpr char kCluster[] = R"(apiVersion: v1
kind: Namespace
metadata: {name: plain}
---
apiVersion: v1
kind: Namespace
metadata: {name: burst-ns, labels: {alibabacloud.com/eci: "true"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: eci-profile, namespace: kube-system}
data:
  selectors: |
    [{"name": "offline", "objectSelector": {"matchLabels": {"type": "offline-task"}},
      "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: plain, annotations: {alibabacloud.com/burst-resource: eci}}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: job-1, namespace: burst-ns}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: plain, annotations: {alibabacloud.com/burst-resource: gpu}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: offline-1, namespace: plain, labels: {type: offline-task}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: hungry, namespace: plain}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "8"}}}]}
)";

// Python's grpcio against the admin port: the standard health service for
// the server and for the Admin service, an unknown service, and reflection's
// service list. Raw bytes keep it free of generated code.
constexpr char kGrpcProbe[] = R"(import sys, grpc
channel = grpc.insecure_channel(sys.argv[1])
same = lambda b: b
check = channel.unary_unary('/grpc.health.v1.Health/Check', request_serializer=same, response_deserializer=same)
def ask(service):
    name = service.encode()
    try:
        return check((b'\x0a' + bytes([len(name)]) + name) if name else b'', timeout=5).hex()
    except grpc.RpcError as e:
        return str(e.code())
print('overall', ask(''))
print('admin', ask('spillway.admin.v1.Admin'))
print('unknown', ask('nope.v1.Nope'))
info = channel.stream_stream('/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
                             request_serializer=same, response_deserializer=same)
answer = next(info(iter([b'\x3a\x00']), timeout=5))
for service in (b'spillway.admin.v1.Admin', b'grpc.health.v1.Health'):
    print('reflection', service.decode(), service in answer)
explain = channel.unary_unary('/spillway.admin.v1.Admin/Explain', request_serializer=same, response_deserializer=same)
for ns, pod in ((b'Bad_NS', b'web'), (b'plain', b'Not/A/Name'), (b'plain', b'nope')):
    try:
        explain(b'\x0a' + bytes([len(ns)]) + ns + b'\x12' + bytes([len(pod)]) + pod, timeout=5)
        print('explain', ns.decode(), 'OK')
    except grpc.RpcError as e:
        print('explain', ns.decode(), pod.decode(), str(e.code()))
)";

class AdminE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = std::getenv("TEST_TMPDIR");
    cluster_ = testing::BinaryCluster::Start(tmp_);
    ASSERT_NE(cluster_, nullptr);
    const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
    std::ofstream(manifest) << testing::kEcsAndVirtualNode << "---\n" << kCluster;
    CommandResult applied = cluster_->Kubectl("apply -f " + manifest);
    ASSERT_EQ(applied.exit_code, 0) << applied.output;
    // The webhook runs for its part of explain (the eci-profile effect); it is
    // not registered with the API server here.
    const std::string certs = testing::BinaryCluster::StageWebhookCertificates(tmp_);
    ASSERT_FALSE(certs.empty());
    serve_ = std::make_unique<Process>(std::vector<std::string>{
        testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
        "--components=extender,autoscaler,webhook,admin", "--admin-listen=127.0.0.1:0",
        "--webhook-listen=127.0.0.1:0", "--webhook-cert-dir=" + certs, "--kubeconfig=" + cluster_->kubeconfig()});
    ASSERT_FALSE(serve_->WaitForLine("spillway: listening on port ").empty());
    int port = 0;
    ASSERT_TRUE(absl::SimpleAtoi(serve_->WaitForLine("spillway: admin on port "), &port));
    server_ = absl::StrCat("127.0.0.1:", port);
  }

  CommandResult Kubectl(const std::string& args) { return cluster_->Kubectl(args); }

  CommandResult Spillway(const std::string& args) {
    return RunCommand(absl::StrCat(testing::RunfilePath("spillway"), " ", args, " 2>&1"));
  }

  // Runs `spillway <args>`, which must succeed.
  CommandResult SpillwayOk(const std::string& args) {
    CommandResult result = Spillway(args);
    EXPECT_EQ(result.exit_code, 0) << "spillway " << args << ": " << result.output;
    return result;
  }

  // Runs `spillway <args>` until its output contains `want` (10 s at most);
  // answers the last result.
  CommandResult AwaitOutput(const std::string& args, const std::string& want) {
    CommandResult result;
    for (int i = 0; i < 100; ++i) {
      result = Spillway(args);
      if (result.output.find(want) != std::string::npos) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return result;
  }

  std::string tmp_;
  std::unique_ptr<testing::BinaryCluster> cluster_;
  std::unique_ptr<Process> serve_;
  std::string server_;
};

TEST_F(AdminE2eTest, StatusShowsComponentsLeaderCachesProfileAndQuota) {
  // Every cache listed and the Lease taken, in whichever order they come.
  CommandResult status = AwaitOutput("status --server=" + server_,
                                     "  extender    yes    -\n  autoscaler  yes    -\n  webhook     yes    -\n"
                                     "  admin       yes    -\n");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("  extender    yes    -\n  autoscaler  yes    -\n  webhook     yes    -\n"
                                       "  admin       yes    -\n"));
  status = AwaitOutput("status --server=" + server_, "Leader:     this replica");
  EXPECT_THAT(status.output, HasSubstr("Leader:     this replica"));
  EXPECT_THAT(status.output, HasSubstr("; Lease kube-system/spillway-autoscaler\n"));
  EXPECT_THAT(status.output, HasSubstr("  nodes           yes     2\n"));
  EXPECT_THAT(status.output, HasSubstr("  offline: pods type=offline-task; adds annotation "
                                       "k8s.aliyun.com/eci-use-specs=2-4Gi\n"));
  // Caps from what the virtual node advertises (ECI_QUOTA_* of the virtual kubelet).
  EXPECT_THAT(status.output, HasSubstr("ECI quota:  cpu 0/1000000m, memory 0/6400Ti, pods 0/10000\n"));

  CommandResult json = SpillwayOk("status -o json --server=" + server_);
  EXPECT_THAT(json.output, HasSubstr("\"leading\": true"));
  EXPECT_THAT(json.output, HasSubstr("\"name\": \"pods\",\n      \"synced\": true"));
  // kubectl's spelling (issue 23.3).
  EXPECT_EQ(SpillwayOk("status -ojson --server=" + server_).output.substr(0, 1), "{");
}

// Issue 23.3: linked as kubectl-spillway on PATH, the binary is a kubectl
// plugin the real kubectl finds and runs; it offers the admin commands only.
TEST_F(AdminE2eTest, TheRealKubectlRunsItAsAPlugin) {
  const std::string bin = absl::StrCat(tmp_, "/plugin-bin");
  ASSERT_EQ(RunCommand(absl::StrCat("mkdir -p ", bin, " && ln -sf ", testing::RunfilePath("spillway"), " ", bin,
                                    "/kubectl-spillway"))
                .exit_code,
            0);
  const std::string env = absl::StrCat("PATH=", bin, ":/usr/bin:/bin HOME=", tmp_, " ");
  CommandResult listed = RunCommand(env + "/usr/bin/kubectl plugin list 2>&1");
  EXPECT_THAT(listed.output, HasSubstr(bin + "/kubectl-spillway"));
  CommandResult status = RunCommand(absl::StrCat(env, "/usr/bin/kubectl spillway status --server=", server_, " 2>&1"));
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("Leader:"));
  CommandResult explain =
      RunCommand(absl::StrCat(env, "/usr/bin/kubectl spillway explain pod plain/web-1 --server=", server_, " 2>&1"));
  EXPECT_EQ(explain.exit_code, 0) << explain.output;
  EXPECT_THAT(explain.output, HasSubstr("ecs-1"));
  CommandResult help = RunCommand(env + "/usr/bin/kubectl spillway help 2>&1");
  EXPECT_THAT(help.output, HasSubstr("Usage: kubectl spillway <command> [flags]"));
  CommandResult serve = RunCommand(env + "/usr/bin/kubectl spillway serve 2>&1");
  EXPECT_NE(serve.exit_code, 0);
  EXPECT_THAT(serve.output, HasSubstr("kubectl spillway: 'serve' is not a plugin command"));
}

TEST_F(AdminE2eTest, ExplainSaysWhereEachIntentComesFromAndEachNodesVerdict) {
  CommandResult web = AwaitOutput("explain pod plain/web-1 --server=" + server_, "ecs-1  ");
  ASSERT_EQ(web.exit_code, 0) << web.output;
  EXPECT_THAT(web.output, HasSubstr("Intent:     eci (annotation alibabacloud.com/burst-resource=eci)\n"));
  EXPECT_THAT(web.output, HasSubstr("  ecs-1                          regular  pass      10     -\n"));
  // kube-scheduler drops the tainted virtual node before asking the extender.
  EXPECT_THAT(web.output, HasSubstr("  virtual-kubelet-cn-hangzhou-j  virtual  -         -      kube-scheduler: node(s) "
                                    "had untolerated taint {virtual-kubelet.io/provider: alibabacloud}\n"));
  EXPECT_THAT(web.output, HasSubstr("Rescue:     not_unschedulable: "));

  CommandResult job = SpillwayOk("explain pod job-1 -n burst-ns --server=" + server_);
  EXPECT_THAT(job.output, HasSubstr("Intent:     eci_only (namespace burst-ns label alibabacloud.com/eci=true)\n"));
  EXPECT_THAT(job.output, HasSubstr("  ecs-1                          regular  unresolvable"));

  // An eci-profile selector sends this one to ECI and its effect is added.
  CommandResult offline = SpillwayOk("explain pod plain/offline-1 --server=" + server_);
  EXPECT_THAT(offline.output, HasSubstr("Intent:     eci_only (eci-profile selector offline"));
  EXPECT_THAT(offline.output, HasSubstr("Profile:    effect of offline\n"));

  CommandResult bad = SpillwayOk("explain pod plain/bad -o yaml --server=" + server_);
  EXPECT_THAT(bad.output, HasSubstr("  error: \"pod plain/bad has annotation alibabacloud.com/burst-resource=\\\"gpu\\\"; "
                                    "request type must be eci, eci_only or ecs\"\n"));
  EXPECT_THAT(bad.output, HasSubstr("\ngaps: []\n"));
  EXPECT_THAT(bad.output, HasSubstr("summary: \"The pod's ECI request is invalid: "));

  // A name no pod can have is refused without being echoed (issue 19.9).
  CommandResult long_name = Spillway(absl::StrCat("explain pod plain/", std::string(5000, 'x'), " --server=", server_));
  EXPECT_NE(long_name.exit_code, 0);
  EXPECT_THAT(long_name.output, HasSubstr("pod names at most 253 (got 5 and 5000)"));
  EXPECT_LT(long_name.output.size(), 1000u);
}

TEST_F(AdminE2eTest, ExplainShowsTheRescueAndItsEvent) {
  // kube-scheduler's verdict on a pod regular nodes cannot hold.
  CommandResult marked = cluster_->Kubectl(
      "patch pod hungry -n plain --subresource=status --type=merge -p "
      "'{\"status\":{\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":\"Unschedulable\","
      "\"message\":\"0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
      "{virtual-kubelet.io/provider: alibabacloud}.\"}]}}'");
  ASSERT_EQ(marked.exit_code, 0) << marked.output;
  CommandResult hungry = AwaitOutput("explain pod plain/hungry --server=" + server_, "already_rescued");
  ASSERT_EQ(hungry.exit_code, 0) << hungry.output;
  EXPECT_THAT(hungry.output, HasSubstr("Intent:     eci (annotation alibabacloud.com/burst-resource=eci)\n"));
  EXPECT_THAT(hungry.output, HasSubstr("Rescue:     already_rescued: rescued before; never twice\n"));
  EXPECT_THAT(hungry.output, HasSubstr("Scheduling: 0/2 nodes are available: 1 Insufficient cpu"));
  // The rescue's toleration lets the virtual node through kube-scheduler's
  // filters, the regular node is full, so the extender sees the virtual node
  // alone and passes it.
  EXPECT_THAT(hungry.output, HasSubstr("  ecs-1                          regular  -         -      kube-scheduler: "
                                       "Insufficient cpu\n"));
  EXPECT_THAT(hungry.output, HasSubstr("  virtual-kubelet-cn-hangzhou-j  virtual  pass      1      -\n"));
  EXPECT_THAT(hungry.output, HasSubstr("Now 0 of 1 regular and 1 of 1 virtual nodes would pass"));
  EXPECT_THAT(AwaitOutput("explain pod plain/hungry --server=" + server_, "RescuedToECI").output,
              HasSubstr("Normal  RescuedToECI"));
}

// A configuration that turns the rescue off: explain used to dereference
// the rescue controller that was never built (issue 26.2's controller list
// found it); now it says the rescue is off.
TEST_F(AdminE2eTest, ExplainWithTheRescueOffSaysSo) {
  const std::string config = absl::StrCat(tmp_, "/rescue-off.yaml");
  std::ofstream(config) << "autoscaler:\n  rescue:\n    enabled: false\n";
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=autoscaler,admin",
                 "--admin-listen=127.0.0.1:0", "--config=" + config, "--kubeconfig=" + cluster_->kubeconfig()});
  ASSERT_FALSE(serve.WaitForLine("spillway: listening on port ").empty());
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(serve.WaitForLine("spillway: admin on port "), &port));
  CommandResult explained = SpillwayOk(absl::StrCat("explain pod plain/hungry --server=127.0.0.1:", port));
  EXPECT_THAT(explained.output, HasSubstr("Rescue:     disabled: the rescue is off (autoscaler.rescue.enabled: false)"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(AdminE2eTest, StatusShowsStockCoolDownsAndTheElasticWorkloadSplit) {
  ASSERT_EQ(Kubectl("apply -f " + testing::RunfilePath("deploy/elasticworkload-crd.yaml")).exit_code, 0);
  ASSERT_EQ(Kubectl("apply -f " + testing::RunfilePath("testdata/elasticworkload/sample.yaml")).exit_code, 0);
  // A second zone's virtual node, and the first zone out of stock for a pod
  // stuck on it.
  const std::string path = absl::StrCat(tmp_, "/stock.yaml");
  std::ofstream(path) << R"(apiVersion: v1
kind: Node
metadata: {name: virtual-kubelet-cn-hangzhou-k, labels: {type: virtual-kubelet}}
spec:
  taints: [{key: virtual-kubelet.io/provider, value: alibabacloud, effect: NoSchedule}]
status: {allocatable: {cpu: "1000", memory: 6400Ti, pods: "10000"}}
---
apiVersion: v1
kind: Pod
metadata: {name: stuck, namespace: burst-ns}
spec: {nodeName: virtual-kubelet-cn-hangzhou-j, containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: job-2, namespace: burst-ns}
spec:
  containers: [{name: c, image: nginx}]
  tolerations: [{key: virtual-kubelet.io/provider, operator: Exists}]
---
apiVersion: v1
kind: Event
metadata: {name: stuck.nostock, namespace: burst-ns}
type: Warning
reason: NoStock
message: Create ECI failed because the specified instance is out of stock.
involvedObject: {kind: Pod, namespace: burst-ns, name: stuck}
source: {component: virtual-kubelet}
)";
  ASSERT_EQ(Kubectl("apply -f " + path).exit_code, 0);
  CommandResult status = AwaitOutput("status --server=" + server_, "nginx-deployment-basic-unit-virtual-kubelet=2");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("  default/elasticworkload-sample  6         Deployment/nginx-deployment-basic  "
                                       "2..4      4          nginx-deployment-basic-unit-virtual-kubelet=2\n"));
  status = AwaitOutput("status --server=" + server_, "  virtual-kubelet-cn-hangzhou-j until ");
  EXPECT_THAT(status.output, HasSubstr("  virtual-kubelet-cn-hangzhou-j until "));
  EXPECT_THAT(status.output, HasSubstr("NoStock"));
  // An ECI-only pod (tolerating the taint, as the webhook would make it) is
  // steered to the other zone, and explain says why.
  CommandResult job = SpillwayOk("explain pod burst-ns/job-2 --server=" + server_);
  EXPECT_THAT(job.output, HasSubstr("virtual node virtual-kubelet-cn-hangzhou-j reported NoStock"));
  EXPECT_THAT(job.output, HasSubstr("  virtual-kubelet-cn-hangzhou-k  virtual  pass"));
  // The stuck pod's Event is among its Events.
  CommandResult stuck = SpillwayOk("explain pod burst-ns/stuck --server=" + server_);
  EXPECT_THAT(stuck.output, HasSubstr("Warning  NoStock  virtual-kubelet  Create ECI failed because the specified "
                                      "instance is out of stock."));
}

TEST_F(AdminE2eTest, ErrorsSayWhatToDo) {
  CommandResult missing = Spillway("explain pod plain/nope --server=" + server_);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.output, "spillway explain: pod plain/nope not found\n");
  CommandResult usage = Spillway("explain plain/web-1 --server=" + server_);
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(usage.output, "spillway explain: expected 'pod NAMESPACE/NAME' (or 'pod NAME -n NAMESPACE')\n");
  CommandResult wide = Spillway("status -o wide --server=" + server_);
  EXPECT_EQ(wide.exit_code, 2);
  EXPECT_EQ(wide.output, "spillway: -o wide: use json or yaml (or leave -o out for text)\n");
  // Nothing listens on port 1.
  CommandResult unreachable = Spillway("status --timeout=2 --server=127.0.0.1:1");
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.output, HasSubstr("spillway status: cannot reach the admin API at 127.0.0.1:1: "));
  EXPECT_THAT(unreachable.output, HasSubstr("port-forward deploy/spillway 10264"));
}

TEST_F(AdminE2eTest, HealthAndReflectionAnswerAnyGrpcClient) {
  const std::string probe = absl::StrCat(tmp_, "/probe.py");
  std::ofstream(probe) << kGrpcProbe;
  CommandResult answered = RunCommand(absl::StrCat("/usr/bin/python3 ", probe, " ", server_, " 2>&1"));
  ASSERT_EQ(answered.exit_code, 0) << answered.output;
  // HealthCheckResponse{status: SERVING} is 08 01 on the wire.
  EXPECT_EQ(answered.output,
            "overall 0801\n"
            "admin 0801\n"
            "unknown StatusCode.NOT_FOUND\n"
            "reflection spillway.admin.v1.Admin True\n"
            "reflection grpc.health.v1.Health True\n"
            // Issue 23.3: a name that cannot exist is the caller's mistake, not a
            // reason to retry (it was UNAVAILABLE); a missing pod is NOT_FOUND.
            "explain Bad_NS web StatusCode.INVALID_ARGUMENT\n"
            "explain plain Not/A/Name StatusCode.INVALID_ARGUMENT\n"
            "explain plain nope StatusCode.NOT_FOUND\n");
}

}  // namespace
}  // namespace spillway::app
