#include "common/testing/binary_cluster.h"

#include <fstream>
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/testing/testdata.h"

namespace spillway::testing {

std::unique_ptr<BinaryCluster> BinaryCluster::Start(const std::string& dir) {
  std::unique_ptr<BinaryCluster> cluster(new BinaryCluster());
  cluster->dir_ = dir;
  cluster->apiserver_ = std::make_unique<Process>(
      std::vector<std::string>{RunfilePath("spillway"), "apiserver", "--listen=127.0.0.1:0"});
  if (!absl::SimpleAtoi(cluster->apiserver_->WaitForLine("spillway: apiserver listening on port "),
                        &cluster->port_)) {
    std::cerr << "spillway apiserver did not start: " << cluster->apiserver_->ReadAllStderr() << "\n";
    return nullptr;
  }
  cluster->kubeconfig_ = absl::StrCat(dir, "/kubeconfig");
  std::ofstream(cluster->kubeconfig_) << absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: sim
contexts:
- name: sim
  context: {cluster: sim, user: nobody}
clusters:
- name: sim
  cluster: {server: "http://127.0.0.1:)", cluster->port_, R"("}
users:
- name: nobody
  user: {}
)");
  return cluster;
}

CommandResult BinaryCluster::Kubectl(const std::string& args) const {
  CommandResult result =
      RunCommand(absl::StrCat("HOME=", dir_, " KUBECONFIG=", kubeconfig_, " /usr/bin/kubectl ", args));
  // A failure because the server is gone says how it went.
  if (result.exit_code != 0) {
    if (const int code = apiserver_->ExitCodeIfExited(); code >= 0) {
      std::string log = apiserver_->ReadAllStderr();
      if (log.size() > 4000) log = log.substr(log.size() - 4000);
      absl::StrAppend(&result.output, "\n(spillway apiserver exited with ", code, "; the end of its log:\n", log, ")");
    }
  }
  return result;
}

CommandResult BinaryCluster::RegisterPodWebhook(int port, int timeout_seconds) const {
  const std::string path = absl::StrCat(dir_, "/webhook-", port, ".yaml");
  std::ofstream(path) << absl::StrCat(R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: spillway}
webhooks:
- name: pods.spillway.alibabacloud.com
  clientConfig:
    url: https://127.0.0.1:)", port, R"(/mutate/pods
    caBundle: )", absl::Base64Escape(ReadRunfile("testdata/pki/ca.crt")), R"(
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  failurePolicy: Fail
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: )", timeout_seconds, "\n");
  return Kubectl("apply -f " + path);
}

std::string BinaryCluster::StageWebhookCertificates(const std::string& dir) {
  const std::string certs = absl::StrCat(dir, "/webhook-certs");
  const CommandResult copied =
      RunCommand(absl::StrCat("mkdir -p ", certs, " && cp ", RunfilePath("testdata/pki/server.crt"), " ", certs,
                              "/tls.crt && cp ", RunfilePath("testdata/pki/server.key"), " ", certs, "/tls.key"));
  return copied.exit_code == 0 ? certs : "";
}

}  // namespace spillway::testing
