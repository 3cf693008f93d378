// `spillway serve --kubeconfig` against `spillway apiserver`, both the real
// binary, with the cluster shaped by the real kubectl: the extender reports
// not-ready until its node and namespace caches are listed, classifies nodes
// it knows only by name from the node informer (labels, taints), honours
// namespace opt-in labels, and follows changes live.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/http/client.h"
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

constexpr char kCluster[] = R"(apiVersion: v1
kind: Namespace
metadata:
  name: plain
---
apiVersion: v1
kind: Namespace
metadata:
  name: burst-ns
  labels:
    alibabacloud.com/eci: "true"
---
apiVersion: v1
kind: Node
metadata:
  name: ecs-1
  labels:
    kubernetes.io/hostname: ecs-1
status:
  allocatable: {cpu: "4", memory: 16Gi, pods: "110"}
---
apiVersion: v1
kind: Node
metadata:
  name: edge-pool-1
  labels:
    type: virtual-kubelet
spec:
  taints:
  - key: virtual-kubelet.io/provider
    value: alibabacloud
    effect: NoSchedule
)";

// The cluster of the webhook tests: a namespace for the profile's example,
// the eci-profile (a documented default selector and the example with its
// effect) and a NodePort Service.
constexpr char kWebhookCluster[] = R"(---
apiVersion: v1
kind: Namespace
metadata:
  name: bigdata
  labels: {department: bigdata}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: eci-profile, namespace: kube-system}
data:
  selectors: |
    [{"name": "default-selector-1", "objectSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
     {"name": "bigdata", "namespaceSelector": {"matchLabels": {"department": "bigdata"}},
      "objectSelector": {"matchLabels": {"type": "offline-task"}},
      "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"}, "labels": {"created-by-eci": "true"}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np, namespace: plain}
spec:
  type: NodePort
  selector: {app: np}
  ports: [{port: 80}]
)";

// The stock test's cluster: a second virtual node, and pods stuck on the
// first one (controller-owned, bare, one asking virtual-kubelet to keep
// retrying, one that only saw low stock).
constexpr char kStockPods[] = R"(---
apiVersion: v1
kind: Node
metadata: {name: virtual-kubelet-cn-hangzhou-k, labels: {type: virtual-kubelet}}
---
apiVersion: v1
kind: Pod
metadata:
  name: stuck
  namespace: burst-ns
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-1, controller: true}]
spec: {nodeName: edge-pool-1, containers: [{name: app, image: nginx}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: burst-ns}
spec: {nodeName: edge-pool-1, containers: [{name: app, image: nginx}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata:
  name: retrying
  namespace: burst-ns
  annotations: {k8s.aliyun.com/eci-reschedule-enable: "true"}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-1, controller: true}]
spec: {nodeName: edge-pool-1, containers: [{name: app, image: nginx}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata:
  name: low-stock
  namespace: burst-ns
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-1, controller: true}]
spec: {nodeName: edge-pool-1, containers: [{name: app, image: nginx}]}
status: {phase: Pending}
)";

// A pod of namespace `ns` asking for 512Mi of memory.
constexpr char kNoStockMessage[] = "Create ECI failed because the specified instance is out of stock";

// A Warning Event the virtual kubelet reports for a pod in burst-ns.
std::string StockEvent(const std::string& pod, const std::string& reason, const std::string& message) {
  return absl::StrCat("apiVersion: v1\nkind: Event\nmetadata: {name: ", pod, ".", absl::AsciiStrToLower(reason),
                      ", namespace: burst-ns}\ntype: Warning\nreason: ", reason, "\nmessage: ", message,
                      "\ninvolvedObject: {kind: Pod, namespace: burst-ns, name: ", pod,
                      "}\nsource: {component: virtual-kubelet}\n");
}

std::string PodJson(const std::string& ns) {
  return absl::StrCat(R"({"metadata":{"name":"web-1","namespace":")", ns,
                      R"(","uid":"u-1"},"spec":{"containers":[{"name":"c","image":"nginx",)",
                      R"("resources":{"requests":{"memory":"512Mi"}}}]}})");
}

std::string NamesRequest(const std::string& ns) {
  return absl::StrCat(R"({"Pod":)", PodJson(ns), R"(,"Nodes":null,"NodeNames":["ecs-1","edge-pool-1"]})");
}

class ClusterE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = std::getenv("TEST_TMPDIR");
    cluster_ = testing::BinaryCluster::Start(tmp_);
    ASSERT_NE(cluster_, nullptr);
    kubeconfig_ = cluster_->kubeconfig();
  }

  CommandResult Kubectl(const std::string& args) { return cluster_->Kubectl(args); }

  // Calls `get` until its answer contains `want`, for up to `seconds`;
  // answers the last answer (so a failed expectation shows it).
  static std::string AwaitContaining(const std::function<std::string()>& get, const std::string& want,
                                     int seconds = 5) {
    std::string got;
    for (int i = 0; i < seconds * 100; ++i) {
      got = get();
      if (got.find(want) != std::string::npos) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return got;
  }

  // Polls `target` until it answers `status`, for up to 10 s.
  bool AwaitStatus(http::Client& client, const std::string& target, int status) {
    for (int i = 0; i < 1000; ++i) {
      absl::StatusOr<http::ClientResponse> response = client.Get(target);
      if (response.ok() && response->status == status) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  std::string Filter(http::Client& client, const std::string& ns) {
    absl::StatusOr<http::ClientResponse> response = client.Post("/extender/filter", NamesRequest(ns));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : "";
  }

  // A client of the `spillway serve` process once it printed its port; null
  // when it did not.
  static std::unique_ptr<http::Client> ClientFor(Process& serve) {
    int port = 0;
    if (!absl::SimpleAtoi(serve.WaitForLine("spillway: listening on port "), &port)) return nullptr;
    http::ClientOptions options;
    options.port = static_cast<uint16_t>(port);
    return std::make_unique<http::Client>(options);
  }

  // Applies kWebhookCluster, starts `spillway serve` with the extender and
  // the webhook (certificate from testdata/pki) and registers the webhook
  // (failurePolicy Fail, so a broken webhook fails the test).
  void StartWithWebhook(std::unique_ptr<Process>* serve, std::unique_ptr<http::Client>* client) {
    const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
    std::ofstream(manifest) << kCluster << kWebhookCluster;
    ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
    const std::string certs = testing::BinaryCluster::StageWebhookCertificates(tmp_);
    ASSERT_FALSE(certs.empty());
    *serve = std::make_unique<Process>(std::vector<std::string>{
        testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=extender,webhook",
        "--webhook-listen=127.0.0.1:0", "--webhook-cert-dir=" + certs, "--kubeconfig=" + kubeconfig_});
    *client = ClientFor(**serve);
    ASSERT_NE(*client, nullptr);
    int webhook_port = 0;
    ASSERT_TRUE(absl::SimpleAtoi((*serve)->WaitForLine("spillway: webhook on port "), &webhook_port));
    ASSERT_TRUE(AwaitStatus(**client, "/readyz", 200));
    CommandResult registered = cluster_->RegisterPodWebhook(webhook_port, /*timeout_seconds=*/2);
    ASSERT_EQ(registered.exit_code, 0) << registered.output;
  }

  CommandResult CreatePod(const std::string& name, const std::string& ns, const std::string& metadata,
                          const std::string& spec = "") {
    const std::string path = absl::StrCat(tmp_, "/", name, ".yaml");
    std::ofstream(path) << "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " << name << "\n  namespace: " << ns
                        << "\n" << metadata << "spec:\n  containers: [{name: c, image: nginx}]\n" << spec;
    return Kubectl("apply -f " + path);
  }

  std::string PodField(const std::string& name, const std::string& ns, const std::string& jsonpath) {
    return Kubectl(absl::StrCat("get pod ", name, " -n ", ns, " -o jsonpath='", jsonpath, "'")).output;
  }

  std::string tmp_;
  std::unique_ptr<testing::BinaryCluster> cluster_;
  std::string kubeconfig_;
};

TEST_F(ClusterE2eTest, NamesModeAndNamespaceOptInComeFromTheInformers) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;

  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  http::Client& client = *connected;
  ASSERT_TRUE(AwaitStatus(client, "/readyz", 200));

  // edge-pool-1 is virtual by its label (not by name): only the informer knows.
  std::string plain = Filter(client, "plain");
  EXPECT_THAT(plain, HasSubstr(R"("NodeNames":["ecs-1"])"));
  EXPECT_THAT(plain, HasSubstr(R"("edge-pool-1")"));
  // The namespace's alibabacloud.com/eci=true label sends every pod to ECI.
  std::string burst = Filter(client, "burst-ns");
  EXPECT_THAT(burst, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  EXPECT_THAT(burst, HasSubstr("namespace burst-ns label alibabacloud.com/eci=true"));

  // Changes made with kubectl reach the caches while serving.
  ASSERT_EQ(Kubectl("label namespace burst-ns alibabacloud.com/eci-").exit_code, 0);
  ASSERT_EQ(Kubectl("label node ecs-1 type=virtual-kubelet").exit_code, 0);
  std::string after;
  for (int i = 0; i < 500; ++i) {
    after = Filter(client, "burst-ns");
    if (after.find(R"("NodeNames":[])") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(after, HasSubstr(R"("NodeNames":[])"));  // Both virtual now; pod asks for nothing.

  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, NotReadyWhileTheApiServerIsUnreachable) {
  cluster_->apiserver().Signal(SIGKILL);
  cluster_->apiserver().Wait();
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  http::Client& client = *connected;
  absl::StatusOr<http::ClientResponse> ready = client.Get("/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, HasSubstr("not synced"));
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  // Full-mode requests need no cluster and keep being answered.
  absl::StatusOr<http::ClientResponse> full = client.Post(
      "/extender/filter", testing::ReadRunfile("testdata/extender/filter_full_request.json"));
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->status, 200);
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

// The API server stops answering (frozen: connections accepted, nothing
// answered). SIGTERM must still end the process within the configured grace:
// the Lease release and every watch and list waiting on it are cut off.
TEST_F(ClusterE2eTest, SigtermWithAFrozenApiServerStopsWithinTheGrace) {
  const std::string config = absl::StrCat(tmp_, "/grace.yaml");
  std::ofstream(config) << "server: {shutdownGraceSeconds: 2}\n";
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=extender,autoscaler", "--kubeconfig=" + kubeconfig_,
                 "--config=" + config, "--lease-namespace=default"});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  // Lead first, so stopping has a Lease to release.
  bool leading = false;
  for (int i = 0; i < 500 && !leading; ++i) {
    absl::StatusOr<http::ClientResponse> metrics = connected->Get("/metrics");
    leading = metrics.ok() && metrics->body.find("\nspillway_autoscaler_leader 1\n") != std::string::npos;
    if (!leading) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(leading);
  cluster_->apiserver().Signal(SIGSTOP);
  absl::SleepFor(absl::Milliseconds(500));  // Let calls start waiting on it.
  const absl::Time stop = absl::Now();
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
  const absl::Duration took = absl::Now() - stop;
  cluster_->apiserver().Signal(SIGCONT);
  // The grace (2 s) plus joining threads; before the fix it took over 50 s.
  EXPECT_LT(took, absl::Seconds(15)) << "shutdown waited on the frozen API server";
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("abandoning the calls still waiting"));
}

// During an outage the extender keeps serving from its caches (ready stays
// 200), but says how stale they are.
TEST_F(ClusterE2eTest, CacheStalenessIsExposedDuringAnOutage) {
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  // Ready once the first list is in; the watch opens just after (on a busy
  // machine, a few milliseconds later): 0 once it is open.
  bool watching = false;
  for (const absl::Time until = absl::Now() + absl::Seconds(10); !watching && absl::Now() < until;) {
    absl::StatusOr<http::ClientResponse> before = connected->Get("/metrics");
    ASSERT_TRUE(before.ok());
    watching = absl::StrContains(before->body, "spillway_cache_last_sync_age_seconds{resource=\"nodes\"} 0\n");
    if (!watching) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(watching) << "the nodes watch never opened";
  cluster_->apiserver().Signal(SIGKILL);
  cluster_->apiserver().Wait();
  absl::SleepFor(absl::Milliseconds(1500));
  absl::StatusOr<http::ClientResponse> during = connected->Get("/metrics");
  ASSERT_TRUE(during.ok());
  const std::string prefix = "spillway_cache_last_sync_age_seconds{resource=\"nodes\"} ";
  const size_t at = during->body.find(prefix);
  ASSERT_NE(at, std::string::npos);
  double age = 0;
  ASSERT_TRUE(absl::SimpleAtod(
      during->body.substr(at + prefix.size(), during->body.find('\n', at) - at - prefix.size()), &age));
  EXPECT_GE(age, 1.0);
  EXPECT_EQ(connected->Get("/readyz")->status, 200) << "a synced cache keeps serving";
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

// The eci-profile as users write it (the documentation's example), applied
// with kubectl: the extender judges pods by it, follows edits without a
// restart, refuses a bad edit (keeping the profile in force, with a Warning
// Event), and forgets it when the ConfigMap goes.
TEST_F(ClusterE2eTest, TheEciProfileSendsMatchingPodsToEciAndFollowsEdits) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster << R"(---
apiVersion: v1
kind: Namespace
metadata:
  name: bigdata
  labels: {department: bigdata}
)";
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  auto profile = [&](const std::string& selectors) {
    const std::string path = absl::StrCat(tmp_, "/profile.yaml");
    std::ofstream(path) << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: eci-profile\n"
                        << "  namespace: kube-system\ndata:\n  vpcId: vpc-demo\n  selectors: |\n    "
                        << selectors << "\n";
    return Kubectl("apply -f " + path);
  };
  ASSERT_EQ(profile(R"([{"name": "bigdata", "namespaceSelector": {"matchLabels": {"department": "bigdata"}}, )"
                    R"("objectSelector": {"matchLabels": {"type": "offline-task"}}}])").exit_code, 0);

  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  auto filter = [&](const std::string& type) {
    const std::string request = absl::StrCat(
        R"({"Pod":{"metadata":{"name":"job-1","namespace":"bigdata","uid":"u-1","labels":{"type":")", type,
        R"("}},"spec":{"containers":[{"name":"c","image":"spark"}]}},"Nodes":null,)",
        R"("NodeNames":["ecs-1","edge-pool-1"]})");
    absl::StatusOr<http::ClientResponse> response = connected->Post("/extender/filter", request);
    return response.ok() ? response->body : response.status().ToString();
  };
  auto await = [&](const std::string& type, const std::string& want) {
    return AwaitContaining([&] { return filter(type); }, want);
  };
  EXPECT_THAT(await("offline-task", R"("NodeNames":["edge-pool-1"])"),
              HasSubstr("eci-profile selector bigdata"));
  EXPECT_THAT(filter("web"), HasSubstr(R"("NodeNames":["ecs-1"])"));
  // What is in force is shown on the ConfigMap, and annotating it settles.
  auto in_force = [&] {
    return Kubectl("get configmap eci-profile -n kube-system -o "
                   "jsonpath='{.metadata.annotations.spillway\\.alibabacloud\\.com/eci-profile-in-force}'")
        .output;
  };
  EXPECT_THAT(AwaitContaining(in_force, "(bigdata)"), HasSubstr("1 selector(s) (bigdata); content "));
  const std::string settled = Kubectl("get configmap eci-profile -n kube-system -o jsonpath={.metadata.resourceVersion}").output;
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Kubectl("get configmap eci-profile -n kube-system -o jsonpath={.metadata.resourceVersion}").output, settled)
      << "the annotation must not trigger an endless rewrite";

  // An edit applies without a restart.
  ASSERT_EQ(profile(R"([{"name": "every-bigdata-pod", "namespaceSelector": {"matchLabels": {"department": "bigdata"}}}])").exit_code, 0);
  EXPECT_THAT(await("web", R"("NodeNames":["edge-pool-1"])"), HasSubstr("eci-profile selector every-bigdata-pod"));

  // A bad edit is refused: the profile in force stays, an Event says why.
  ASSERT_EQ(profile(R"([{"name": "broken", "objectSelector": {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]}}])").exit_code, 0);
  const std::string events = AwaitContaining(
      [&] {
        return Kubectl("get events -n kube-system -o jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}'")
            .output;
      },
      "InvalidEciProfile");
  EXPECT_THAT(events, HasSubstr("InvalidEciProfile: Spillway refused this eci-profile: selectors[0].objectSelector."
                                "matchExpressions[0].operator: unknown operator \"Equals\""));
  EXPECT_THAT(filter("web"), HasSubstr("eci-profile selector every-bigdata-pod"));
  // So is an effect the API server would refuse on every pod it reaches (issue 19.7).
  ASSERT_EQ(profile(R"([{"name": "team", "effect": {"labels": {"team": "data platform"}}}])").exit_code, 0);
  EXPECT_THAT(AwaitContaining(
                  [&] {
                    return Kubectl("get events -n kube-system -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}'")
                        .output;
                  },
                  "data platform"),
              HasSubstr("selectors[0].effect.labels: Invalid value: \"data platform\""));
  EXPECT_THAT(filter("web"), HasSubstr("eci-profile selector every-bigdata-pod"));

  // Deleted: no selectors.
  ASSERT_EQ(Kubectl("delete configmap eci-profile -n kube-system").exit_code, 0);
  EXPECT_THAT(await("offline-task", R"("NodeNames":["ecs-1"])"), HasSubstr(R"("NodeNames":["ecs-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("in force: 1 selector(s): every-bigdata-pod"));
}

// The admission webhook as kube-apiserver calls it (AdmissionReview v1 over
// TLS, trusting the caBundle), with pods created by the real kubectl.
TEST_F(ClusterE2eTest, TheWebhookSendsPodsToEciAsKubectlCreatesThem) {
  std::unique_ptr<Process> serve_process;
  std::unique_ptr<http::Client> connected;
  ASSERT_NO_FATAL_FAILURE(StartWithWebhook(&serve_process, &connected));
  Process& serve = *serve_process;
  auto create = [&](const std::string& name, const std::string& ns, const std::string& metadata,
                    const std::string& spec = "") { return CreatePod(name, ns, metadata, spec); };
  auto get = [&](const std::string& name, const std::string& ns, const std::string& jsonpath) {
    return PodField(name, ns, jsonpath);
  };

  // ECI only by label: toleration and the virtual-node affinity.
  ASSERT_EQ(create("eci-1", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n").exit_code, 0);
  EXPECT_EQ(get("eci-1", "plain", "{.spec.tolerations[0].key}"), "virtual-kubelet.io/provider");
  EXPECT_EQ(get("eci-1", "plain",
                "{.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key}"),
            "type");
  // Nothing asked: untouched.
  ASSERT_EQ(create("plain-1", "plain", "").exit_code, 0);
  EXPECT_EQ(get("plain-1", "plain", "{.spec.tolerations}"), "");
  // The profile's example: scheduled and its effect applied.
  ASSERT_EQ(create("job-1", "bigdata", "  labels: {type: offline-task}\n").exit_code, 0);
  EXPECT_EQ(get("job-1", "bigdata", "{.metadata.annotations.k8s\\.aliyun\\.com/eci-use-specs}"), "2-4Gi");
  EXPECT_EQ(get("job-1", "bigdata", "{.metadata.labels.created-by-eci}"), "true");
  EXPECT_EQ(get("job-1", "bigdata", "{.spec.tolerations[0].key}"), "virtual-kubelet.io/provider");
  // Refused with the reason, as kubectl prints it.
  CommandResult refused = create("bad-1", "plain", "  annotations: {alibabacloud.com/burst-resource: eci_first}\n");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("denied the request"));
  EXPECT_THAT(refused.output, HasSubstr("eci, eci_only or ecs"));
  // Admitted with a warning kubectl shows.
  CommandResult warned = create("host-1", "plain", "  labels: {alibabacloud.com/eci: \"true\"}\n",
                                "  volumes: [{name: logs, hostPath: {path: /var/log}}]\n");
  EXPECT_EQ(warned.exit_code, 0) << warned.output;
  EXPECT_THAT(warned.output, HasSubstr("Warning: this pod asks for ECI"));
  EXPECT_THAT(warned.output, HasSubstr("'logs'"));

  // The selectors are mirrored where ACK's documentation says to look.
  const std::string mirrored = AwaitContaining(
      [&] { return Kubectl("get mutatingwebhookconfigurations spillway -o yaml").output; }, "default-selector-1");
  EXPECT_THAT(mirrored, HasSubstr("spillway.alibabacloud.com/eci-profile-selectors"));
  EXPECT_THAT(mirrored, HasSubstr("default-selector-1"));

  // A NodePort Service does not reach an ECI pod.
  CommandResult node_port = create("np-1", "plain", "  labels: {app: np, eci: \"true\"}\n");
  EXPECT_EQ(node_port.exit_code, 0) << node_port.output;
  EXPECT_THAT(node_port.output, HasSubstr("Warning: Service plain/web-np of type NodePort selects this pod"));

  // The mutated pod, sent to the extender as kube-scheduler would, passes
  // only the virtual node.
  const std::string pod_json = Kubectl("get pod job-1 -n bigdata -o json").output;
  absl::StatusOr<http::ClientResponse> filtered = connected->Post(
      "/extender/filter", absl::StrCat(R"({"Pod":)", pod_json, R"(,"NodeNames":["ecs-1","edge-pool-1"]})"));
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  EXPECT_THAT(filtered->body, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, TheWebhookFollowsProfileEditsAtOnce) {
  std::unique_ptr<Process> serve;
  std::unique_ptr<http::Client> connected;
  ASSERT_NO_FATAL_FAILURE(StartWithWebhook(&serve, &connected));
  auto create = [&](const std::string& name, const std::string& ns, const std::string& metadata,
                    const std::string& spec = "") { return CreatePod(name, ns, metadata, spec); };
  auto get = [&](const std::string& name, const std::string& ns, const std::string& jsonpath) {
    return PodField(name, ns, jsonpath);
  };
  // Hot update: an effect-only selector added with kubectl applies to the
  // next ECI pod (by any method), never overwriting what the pod has, and
  // never to a pod that did not ask for ECI.
  const std::string edited = absl::StrCat(tmp_, "/profile-edit.yaml");
  std::ofstream(edited) << R"(apiVersion: v1
kind: ConfigMap
metadata: {name: eci-profile, namespace: kube-system}
data:
  selectors: |
    [{"name": "default-selector-1", "objectSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
     {"name": "every-eci-pod", "effect": {"annotations": {"k8s.aliyun.com/eci-ntp-server": "10.0.0.1",
                                                          "k8s.aliyun.com/eci-image-cache": "true"}}}]
)";
  ASSERT_EQ(Kubectl("apply -f " + edited).exit_code, 0);
  const std::string ntp = "{.metadata.annotations.k8s\\.aliyun\\.com/eci-ntp-server}";
  const std::string cache = "{.metadata.annotations.k8s\\.aliyun\\.com/eci-image-cache}";
  int attempt = 0;
  const std::string applied = AwaitContaining(
      [&] {
        const std::string name = absl::StrCat("burst-", ++attempt);
        create(name, "plain",
               "  annotations: {alibabacloud.com/burst-resource: eci, k8s.aliyun.com/eci-image-cache: \"false\"}\n");
        return get(name, "plain", ntp) + " " + get(name, "plain", cache);
      },
      "10.0.0.1");
  EXPECT_EQ(applied, "10.0.0.1 false") << "the effect applies without a restart and never overwrites";
  ASSERT_EQ(create("plain-2", "plain", "").exit_code, 0);
  EXPECT_EQ(get("plain-2", "plain", ntp), "") << "effect-only selectors touch only pods headed to ECI";

  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(), 0);
}

// A port nothing listens on now (for a configuration written before the
// server that will use it starts).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// `kubectl apply -f deploy/` without cert-manager: from nothing, Spillway
// creates the Secret, writes the caBundle, and the API server's calls verify.
// (The Service name "localhost" makes the certificate valid for the URL the
// embedded API server dials; a cluster dials <service>.<ns>.svc.)
TEST_F(ClusterE2eTest, SelfManagedWebhookCertificatesFromNothing) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  const int port = FreePort();
  const std::string configuration = absl::StrCat(tmp_, "/webhook.yaml");
  std::ofstream(configuration) << absl::StrCat(R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: spillway}
webhooks:
- name: pods.spillway.alibabacloud.com
  clientConfig: {url: "https://localhost:)", port, R"(/mutate/pods"}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  failurePolicy: Fail
  sideEffects: None
  admissionReviewVersions: [v1]
)");
  ASSERT_EQ(Kubectl("apply -f " + configuration).exit_code, 0);
  const std::string certs = absl::StrCat(tmp_, "/self-managed");
  ASSERT_EQ(RunCommand("mkdir -p " + certs).exit_code, 0);
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=webhook", absl::StrCat("--webhook-listen=127.0.0.1:", port),
                 "--webhook-cert-dir=" + certs, "--webhook-self-managed-secret=kube-system/spillway-webhook-certs",
                 "--webhook-service=kube-system/localhost", "--kubeconfig=" + kubeconfig_});
  std::unique_ptr<http::Client> connected = ClientFor(serve);
  ASSERT_NE(connected, nullptr);
  ASSERT_TRUE(AwaitStatus(*connected, "/readyz", 200));
  EXPECT_EQ(Kubectl("get secret spillway-webhook-certs -n kube-system -o jsonpath={.type}").output,
            "kubernetes.io/tls");
  EXPECT_FALSE(Kubectl("get mutatingwebhookconfiguration spillway -o jsonpath={.webhooks[0].clientConfig.caBundle}")
                   .output.empty());
  CommandResult created = Kubectl("run eci-1 -n plain --image=nginx --restart=Never --labels=alibabacloud.com/eci=true");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_EQ(Kubectl("get pod eci-1 -n plain -o jsonpath='{.spec.tolerations[0].key}'").output,
            "virtual-kubelet.io/provider");
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, ABadKubeconfigFailsAtStartNamingTheFile) {
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + tmp_ + "/missing.yaml"});
  EXPECT_EQ(serve.Wait(), 2);
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("missing.yaml"));
}

// Marks a pod as kube-scheduler does when regular nodes are full.
std::string UnschedulableStatus() {
  return R"('{"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}.","lastTransitionTime":"2026-11-22T08:00:00Z"}]}}')";
}

TEST_F(ClusterE2eTest, TwoAutoscalerReplicasOneActsTheOtherTakesOver) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  auto replica = [&] {
    return std::make_unique<Process>(std::vector<std::string>{
        testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=autoscaler",
        "--kubeconfig=" + kubeconfig_, "--lease-namespace=default", "--lease-name=spillway-test"});
  };
  std::unique_ptr<Process> first = replica();
  std::unique_ptr<http::Client> first_client = ClientFor(*first);
  ASSERT_NE(first_client, nullptr);
  ASSERT_TRUE(AwaitStatus(*first_client, "/readyz", 200));
  std::unique_ptr<Process> second = replica();
  std::unique_ptr<http::Client> second_client = ClientFor(*second);
  ASSERT_NE(second_client, nullptr);

  auto rescued = [&](const std::string& pod) {
    for (int i = 0; i < 1000; ++i) {
      CommandResult got = Kubectl("get pod " + pod + " -n plain -o jsonpath='{.metadata.annotations.alibabacloud\\.com/burst-resource}'");
      if (got.output == "eci") return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  };
  ASSERT_EQ(Kubectl("run web-1 -n plain --image=nginx --restart=Never").exit_code, 0);
  ASSERT_EQ(Kubectl("patch pod web-1 -n plain --subresource=status --type=merge -p " + UnschedulableStatus()).exit_code, 0);
  ASSERT_TRUE(rescued("web-1"));
  EXPECT_EQ(Kubectl("get pod web-1 -n plain -o jsonpath='{.spec.tolerations[0].key}'").output,
            "virtual-kubelet.io/provider");
  EXPECT_THAT(Kubectl("get events -n plain -o jsonpath={.items[*].reason}").output,
              HasSubstr("RescuedToECI"));

  // Exactly one replica holds the lease; stopping it hands over.
  const std::string holder = Kubectl("get lease spillway-test -n default -o jsonpath={.spec.holderIdentity}").output;
  ASSERT_FALSE(holder.empty());
  auto leads = [&](http::Client& client) {
    absl::StatusOr<http::ClientResponse> metrics = client.Get("/metrics");
    return metrics.ok() && metrics->body.find("\nspillway_autoscaler_leader 1\n") != std::string::npos;
  };
  ASSERT_NE(leads(*first_client), leads(*second_client));
  Process& leader = leads(*first_client) ? *first : *second;
  http::Client& standby_client = leads(*first_client) ? *second_client : *first_client;
  leader.Signal(SIGTERM);
  EXPECT_EQ(leader.Wait(), 0);
  bool took_over = false;
  for (int i = 0; i < 1000 && !took_over; ++i) {
    took_over = leads(standby_client);
    if (!took_over) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(took_over);
  EXPECT_NE(Kubectl("get lease spillway-test -n default -o jsonpath={.spec.holderIdentity}").output, holder);
  ASSERT_EQ(Kubectl("run web-2 -n plain --image=nginx --restart=Never").exit_code, 0);
  ASSERT_EQ(Kubectl("patch pod web-2 -n plain --subresource=status --type=merge -p " + UnschedulableStatus()).exit_code, 0);
  EXPECT_TRUE(rescued("web-2"));
}

TEST_F(ClusterE2eTest, TheAutoscalerRefusesToStartWithoutACluster) {
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=autoscaler", "--standalone"});
  EXPECT_EQ(serve.Wait(), 1);
  EXPECT_THAT(serve.ReadAllStderr(), HasSubstr("the autoscaler needs cluster access"));
}

TEST_F(ClusterE2eTest, ElasticWorkloadSampleSplitsScalesAndReturnsOnDelete) {
  const std::string crd = testing::RunfilePath("deploy/elasticworkload-crd.yaml");
  ASSERT_EQ(Kubectl("apply -f " + crd).exit_code, 0);
  const std::string manifest = testing::RunfilePath("testdata/elasticworkload/sample.yaml");
  CommandResult applied = Kubectl("apply -f " + manifest);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--components=autoscaler",
                 "--kubeconfig=" + kubeconfig_, "--leader-elect=false"});
  ASSERT_NE(ClientFor(serve), nullptr);

  // Polls a kubectl jsonpath until it prints `want` (up to 10 s).
  auto await_output = [&](const std::string& args, const std::function<bool(const std::string&)>& done) {
    std::string got;
    for (int i = 0; i < 500; ++i) {
      got = Kubectl(args).output;
      if (done(got)) return got;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return got;
  };
  auto await = [&](const std::string& args, const std::string& want) {
    return await_output(args, [&](const std::string& got) { return got == want; });
  };
  const std::string source = "get deployment nginx-deployment-basic -o jsonpath={.spec.replicas}";
  const std::string unit = "get deployment nginx-deployment-basic-unit-virtual-kubelet -o jsonpath={.spec.replicas}";
  EXPECT_EQ(await(source, "4"), "4");
  EXPECT_EQ(await(unit, "2"), "2");
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic-unit-virtual-kubelet "
                    "-o jsonpath='{.spec.template.metadata.labels.alibabacloud\\.com/eci} "
                    "{.metadata.ownerReferences[0].kind} {.spec.selector.matchLabels.autoscaling\\.alibabacloud\\.com/elastic-unit}'")
                .output,
            "true ElasticWorkload virtual-kubelet");
  EXPECT_EQ(await("get ew elasticworkload-sample -o jsonpath='{.status.replicas} {.status.selector} "
                  "{.status.sourceTarget.desiredReplicas} {.status.elasticUnitsStatus[0].name} "
                  "{.status.elasticUnitsStatus[0].desiredReplicas}'",
                  "6 app=nginx 4 nginx-deployment-basic-unit-virtual-kubelet 2"),
            "6 app=nginx 4 nginx-deployment-basic-unit-virtual-kubelet 2");
  CommandResult as_json = Kubectl("get ew elasticworkload-sample -o json");
  ASSERT_EQ(as_json.exit_code, 0) << as_json.output;
  EXPECT_THAT(as_json.output, HasSubstr("\"updateTimestamp\""));
  EXPECT_THAT(as_json.output, HasSubstr("\"finalizers\": [\n            \"autoscaling.alibabacloud.com/elastic-workload\""));
  // The unit's pods reach a tainted virtual node without the webhook: its
  // labels ask for ECI, so its template tolerates the virtual-node taint.
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic-unit-virtual-kubelet "
                    "-o jsonpath='{.spec.template.spec.tolerations[0].key}'").output,
            "virtual-kubelet.io/provider");
  EXPECT_EQ(Kubectl("get deployment nginx-deployment-basic -o jsonpath='{.spec.template.spec.tolerations}'").output, "")
      << "the source is untouched";
  // Events as the documentation shows them: reason, message (prefix), source.
  const std::string events = Kubectl(
      "get events -o jsonpath='{range .items[*]}{.source.component}|{.reason}|{.message}{\"\\n\"}{end}'").output;
  EXPECT_THAT(events, HasSubstr("ElasticWorkload|SourceUpdate|Source Target scale from 2 to 4"));
  EXPECT_THAT(events, HasSubstr("ElasticWorkload|UnitCreation|ElasticWorkloadUnit nginx-deployment-basic-unit-virtual-kubelet created"));
  EXPECT_THAT(events, HasSubstr("ElasticWorkload|ElasticWorkloadUpdate|ElasticWorkload update"));

  // What an HPA does, through the scale subresource. The source's 4 replicas
  // are available (the Deployment controller would say so), so the unit may go.
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --subresource=status --type=merge "
                    "-p '{\"status\":{\"availableReplicas\":4,\"readyReplicas\":4}}'").exit_code, 0);
  ASSERT_EQ(Kubectl("scale ew elasticworkload-sample --replicas=4").exit_code, 0);
  EXPECT_EQ(await(unit, "0"), "0");
  EXPECT_EQ(Kubectl(source).output, "4");
  ASSERT_EQ(Kubectl("scale ew elasticworkload-sample --replicas=10").exit_code, 0);
  EXPECT_EQ(await(unit, "6"), "6");
  EXPECT_EQ(Kubectl(source).output, "4");
  EXPECT_THAT(Kubectl("get events -o jsonpath='{range .items[*]}{.reason}|{.message}{\"\\n\"}{end}'").output,
              HasSubstr("UnitUpdate|ElasticWorkloadUnit virtual-kubelet has been updated: scale from 0 to 6"));

  // Make-before-break: max raised to 10 moves 6 replicas to the source; the
  // unit keeps them until the source reports them available.
  ASSERT_EQ(Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"sourceTarget\":{\"max\":10}}}'").exit_code, 0);
  EXPECT_EQ(await(source, "10"), "10");
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Kubectl(unit).output, "6");
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --subresource=status --type=merge "
                    "-p '{\"status\":{\"availableReplicas\":10,\"readyReplicas\":10}}'").exit_code, 0);
  EXPECT_EQ(await(unit, "0"), "0");

  // A bad spec: Ready=False with the reason, nothing scaled.
  ASSERT_EQ(Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"sourceTarget\":{\"min\":12}}}'").exit_code, 0);
  EXPECT_EQ(await("get ew elasticworkload-sample -o jsonpath={.status.conditions[0].message}",
                  "spec.sourceTarget.min (12) is greater than max (10)"),
            "spec.sourceTarget.min (12) is greater than max (10)");
  EXPECT_THAT(Kubectl("get events -o jsonpath={.items[*].reason}").output, HasSubstr("InvalidSpec"));
  EXPECT_EQ(Kubectl(source).output, "10");
  ASSERT_EQ(Kubectl("patch ew elasticworkload-sample --type=merge -p '{\"spec\":{\"sourceTarget\":{\"min\":2,\"max\":4}}}'").exit_code, 0);
  EXPECT_EQ(await(unit, "6"), "6");

  // Deleting it returns the source to the full count, then the units go.
  ASSERT_EQ(Kubectl("patch deployment nginx-deployment-basic --subresource=status --type=merge "
                    "-p '{\"status\":{\"availableReplicas\":10,\"readyReplicas\":10}}'").exit_code, 0);
  CommandResult deleted = Kubectl("delete ew elasticworkload-sample --wait=false");
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_THAT(await_output("get ew elasticworkload-sample",
                           [](const std::string& got) { return got.find("NotFound") != std::string::npos; }),
              HasSubstr("NotFound"));
  EXPECT_EQ(Kubectl(source).output, "10");
  EXPECT_THAT(Kubectl(unit).output, HasSubstr("NotFound"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, TheExtenderHonoursTheEciQuota) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  // The virtual node advertises room for 2 ECI pods; one runs already.
  ASSERT_EQ(Kubectl("patch node edge-pool-1 --subresource=status --type=merge "
                    "-p '{\"status\":{\"allocatable\":{\"cpu\":\"1000\",\"memory\":\"6400Ti\",\"pods\":\"2\"}}}'").exit_code, 0);
  const std::string running = absl::StrCat(tmp_, "/running.yaml");
  std::ofstream(running) << R"(apiVersion: v1
kind: Pod
metadata: {name: eci-1, namespace: burst-ns}
spec:
  nodeName: edge-pool-1
  containers: [{name: app, image: nginx, resources: {requests: {cpu: "1", memory: 1Gi}}}]
status: {phase: Running}
)";
  ASSERT_EQ(Kubectl("apply -f " + running).exit_code, 0);
  const std::string config = absl::StrCat(tmp_, "/quota.yaml");
  std::ofstream(config) << "eciQuota:\n  namespaces:\n    burst-ns: {memory: 1Gi}\n";
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--kubeconfig=" + kubeconfig_, "--config=" + config});
  std::unique_ptr<http::Client> client = ClientFor(serve);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(AwaitStatus(*client, "/readyz", 200));
  // The namespace's 1Gi is used up: the virtual node fails (resolvable) with the cap named.
  std::string burst = Filter(*client, "burst-ns");
  EXPECT_THAT(burst, HasSubstr(R"("NodeNames":[])"));
  EXPECT_THAT(burst, HasSubstr("ECI quota: namespace burst-ns memory cap 1Gi would be exceeded (1Gi used, the pod asks 512Mi)"));
  // Issue 26.1: the quota's metrics are named for what they are, not for the
  // autoscaler; the old names stay (deprecated) for one minor release.
  const std::string metrics = client->Get("/metrics")->body;
  EXPECT_THAT(metrics, HasSubstr("spillway_eci_quota_cap{resource=\"pods\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("spillway_autoscaler_eci_quota_cap{resource=\"pods\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("# HELP spillway_autoscaler_eci_quota_used Deprecated: use spillway_eci_quota_used"));
  // The ECI pod finishes: room again.
  ASSERT_EQ(Kubectl("delete pod eci-1 -n burst-ns").exit_code, 0);
  std::string after;
  for (int i = 0; i < 500; ++i) {
    after = Filter(*client, "burst-ns");
    if (after.find(R"("NodeNames":["edge-pool-1"])") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(after, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

TEST_F(ClusterE2eTest, AStockOutCoolsAVirtualNodeDownAndFreesStuckPods) {
  const std::string manifest = absl::StrCat(tmp_, "/cluster.yaml");
  std::ofstream(manifest) << kCluster << kStockPods;
  ASSERT_EQ(Kubectl("apply -f " + manifest).exit_code, 0);
  Process serve({testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0",
                 "--components=extender,autoscaler", "--kubeconfig=" + kubeconfig_, "--leader-elect=false"});
  std::unique_ptr<http::Client> client = ClientFor(serve);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(AwaitStatus(*client, "/readyz", 200));
  const std::string request = absl::StrCat(R"({"Pod":)", PodJson("burst-ns"),
                                           R"(,"Nodes":null,"NodeNames":["edge-pool-1","virtual-kubelet-cn-hangzhou-k"]})");
  EXPECT_THAT(client->Post("/extender/filter", request)->body,
              HasSubstr(R"("NodeNames":["edge-pool-1","virtual-kubelet-cn-hangzhou-k"])"));

  // The virtual kubelet reports the zone out of stock for the stuck pod.
  const std::string event = absl::StrCat(tmp_, "/event.yaml");
  std::ofstream(event) << StockEvent("stuck", "NoStock", kNoStockMessage);
  ASSERT_EQ(Kubectl("apply -f " + event).exit_code, 0);
  // A pod that asked virtual-kubelet to keep retrying, and one that saw only
  // low stock (StockExhaust): neither is deleted.
  const std::string more = absl::StrCat(tmp_, "/more-events.yaml");
  std::ofstream(more) << StockEvent("retrying", "NoStock", kNoStockMessage) << "---\n"
                       << StockEvent("low-stock", "StockExhaust", "The stock of the specified zones will be used up.");
  ASSERT_EQ(Kubectl("apply -f " + more).exit_code, 0);
  std::string filtered;
  for (int i = 0; i < 500; ++i) {
    filtered = client->Post("/extender/filter", request)->body;
    if (filtered.find(R"("NodeNames":["virtual-kubelet-cn-hangzhou-k"])") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(filtered, HasSubstr(R"("NodeNames":["virtual-kubelet-cn-hangzhou-k"])"));
  EXPECT_THAT(filtered, HasSubstr("virtual node edge-pool-1 reported NoStock; avoided until"));
  // The controller-owned pod is deleted so it is recreated elsewhere; the bare one stays.
  std::string stuck;
  for (int i = 0; i < 500; ++i) {
    stuck = Kubectl("get pod stuck -n burst-ns").output;
    if (stuck.find("NotFound") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(stuck, HasSubstr("NotFound"));
  EXPECT_EQ(Kubectl("get pod bare -n burst-ns -o jsonpath={.metadata.name}").output, "bare");
  absl::SleepFor(absl::Milliseconds(300));  // Time to (wrongly) delete them.
  EXPECT_EQ(Kubectl("get pod retrying -n burst-ns -o jsonpath={.metadata.name}").output, "retrying")
      << "eci-reschedule-enable: the user asked virtual-kubelet to keep retrying";
  EXPECT_EQ(Kubectl("get pod low-stock -n burst-ns -o jsonpath={.metadata.name}").output, "low-stock")
      << "StockExhaust: stock is low, not gone";
  EXPECT_THAT(client->Get("/metrics")->body,
              HasSubstr("spillway_autoscaler_stock_cool_downs_total{reason=\"NoStock\"} 1"));
  // The only virtual candidate is never cooled away: the pod must go somewhere.
  const std::string only = absl::StrCat(R"({"Pod":)", PodJson("burst-ns"), R"(,"Nodes":null,"NodeNames":["edge-pool-1"]})");
  EXPECT_THAT(client->Post("/extender/filter", only)->body, HasSubstr(R"("NodeNames":["edge-pool-1"])"));
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(), 0);
}

}  // namespace
}  // namespace spillway::app
