#include "common/testing/binary_cluster.h"

#include <fstream>
#include <iostream>

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
  return RunCommand(absl::StrCat("HOME=", dir_, " KUBECONFIG=", kubeconfig_, " /usr/bin/kubectl ", args));
}

}  // namespace spillway::testing
