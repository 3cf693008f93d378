// The embedded API server as a child process (the real `spillway apiserver`
// binary, a runfile of the test) with a kubeconfig naming it, and the real
// kubectl pointed at it: the cluster of end-to-end tests that drive the real
// binaries. The process is killed with the object.
#ifndef SPILLWAY_COMMON_TESTING_BINARY_CLUSTER_H_
#define SPILLWAY_COMMON_TESTING_BINARY_CLUSTER_H_

#include <memory>
#include <string>

#include "common/testing/process.h"

namespace spillway::testing {

// The smallest cluster with somewhere to burst, as YAML for `kubectl apply`:
// ECS node ecs-1 (4 cpu, 16Gi, 110 pods) and virtual node
// virtual-kubelet-cn-hangzhou-j, labelled and tainted as virtual-kubelet
// registers it and advertising the ECI quota defaults. Ends with a newline,
// without "---".
inline constexpr char kEcsAndVirtualNode[] = R"(apiVersion: v1
kind: Node
metadata: {name: ecs-1, labels: {kubernetes.io/hostname: ecs-1}}
status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: virtual-kubelet-cn-hangzhou-j, labels: {type: virtual-kubelet}}
spec:
  taints: [{key: virtual-kubelet.io/provider, value: alibabacloud, effect: NoSchedule}]
status: {allocatable: {cpu: "1000", memory: 6400Ti, pods: "10000"}}
)";

class BinaryCluster {
 public:
  // Starts the API server on a free port and writes `dir`/kubeconfig; null
  // (with the reason on stderr) when the server did not start.
  static std::unique_ptr<BinaryCluster> Start(const std::string& dir);

  // Runs /usr/bin/kubectl with `args` (a shell fragment) against the server,
  // HOME set to the directory so kubectl's cache stays inside it.
  CommandResult Kubectl(const std::string& args) const;

  // Registers MutatingWebhookConfiguration "spillway": pod CREATEs call
  // https://127.0.0.1:`port`/mutate/pods, trusting the test CA
  // (testdata/pki/ca.crt, a runfile of the caller), failurePolicy Fail so a
  // broken webhook fails the test.
  CommandResult RegisterPodWebhook(int port, int timeout_seconds) const;

  // Copies testdata/pki's server certificate (for 127.0.0.1 and localhost)
  // into `dir`/webhook-certs as tls.crt and tls.key, as cert-manager mounts a
  // Secret; answers that directory ("" on failure).
  static std::string StageWebhookCertificates(const std::string& dir);

  const std::string& kubeconfig() const { return kubeconfig_; }
  int port() const { return port_; }
  // The server's process, to freeze (SIGSTOP) or kill it.
  Process& apiserver() { return *apiserver_; }

 private:
  BinaryCluster() = default;

  std::string dir_;
  std::string kubeconfig_;
  int port_ = 0;
  std::unique_ptr<Process> apiserver_;
};

}  // namespace spillway::testing

#endif  // SPILLWAY_COMMON_TESTING_BINARY_CLUSTER_H_
