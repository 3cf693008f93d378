// The fixture of the binary end-to-end tests (cluster_e2e_test,
// webhook_e2e_test): `spillway apiserver` and `spillway serve`, both the real
// binary, with the cluster shaped by the real kubectl, and the manifests and
// requests they share. Test-only.
#ifndef SPILLWAY_APP_CLUSTER_E2E_FIXTURE_H_
#define SPILLWAY_APP_CLUSTER_E2E_FIXTURE_H_

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

using ::spillway::testing::CommandResult;
using ::spillway::testing::Process;
using ::spillway::testing::RunCommand;
using ::testing::HasSubstr;

inline constexpr char kCluster[] = R"(apiVersion: v1
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
inline constexpr char kWebhookCluster[] = R"(---
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
inline constexpr char kStockPods[] = R"(---
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
inline constexpr char kNoStockMessage[] = "Create ECI failed because the specified instance is out of stock";

// A Warning Event the virtual kubelet reports for a pod in burst-ns.
inline std::string StockEvent(const std::string& pod, const std::string& reason, const std::string& message) {
  return absl::StrCat("apiVersion: v1\nkind: Event\nmetadata: {name: ", pod, ".", absl::AsciiStrToLower(reason),
                      ", namespace: burst-ns}\ntype: Warning\nreason: ", reason, "\nmessage: ", message,
                      "\ninvolvedObject: {kind: Pod, namespace: burst-ns, name: ", pod,
                      "}\nsource: {component: virtual-kubelet}\n");
}

inline std::string PodJson(const std::string& ns) {
  return absl::StrCat(R"({"metadata":{"name":"web-1","namespace":")", ns,
                      R"(","uid":"u-1"},"spec":{"containers":[{"name":"c","image":"nginx",)",
                      R"("resources":{"requests":{"memory":"512Mi"}}}]}})");
}

inline std::string NamesRequest(const std::string& ns) {
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

}  // namespace spillway::app

#endif  // SPILLWAY_APP_CLUSTER_E2E_FIXTURE_H_
