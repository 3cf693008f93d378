// The fixture of the tests that drive the embedded API server with the real
// kubectl binary (/usr/bin/kubectl, 1.32) and with raw HTTP. Test-only.
#ifndef SPILLWAY_SIM_APISERVER_KUBECTL_FIXTURE_H_
#define SPILLWAY_SIM_APISERVER_KUBECTL_FIXTURE_H_

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/http/client.h"
#include "common/testing/process.h"
#include "gtest/gtest.h"
#include "sim/apiserver/api_server.h"

namespace spillway::sim {

inline constexpr char kKubectl[] = "/usr/bin/kubectl";

// A Pod, a ConfigMap and a Deployment, as a user applies them.
inline constexpr char kManifest[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: burst
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment-basic
spec:
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx:1.25}]
)";


class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiServerOptions options;
    absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    tmp_ = std::getenv("TEST_TMPDIR");
  }

  // Runs kubectl against the server; HOME is the test's temp dir so the
  // discovery cache starts empty.
  testing::CommandResult Kubectl(const std::string& args) {
    return testing::RunCommand(absl::StrCat("HOME=", tmp_, " KUBECONFIG=/dev/null ", kKubectl,
                                   " --server=http://127.0.0.1:", server_->port(), " ", args));
  }

  std::string WriteManifest(const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(tmp_, "/", name);
    std::ofstream(path) << text;
    return path;
  }

  http::ClientResponse Http(const std::string& method, const std::string& target,
                            const std::string& body = "",
                            const std::string& content_type = "application/json") {
    http::ClientOptions options;
    options.port = server_->port();
    http::Client client(options);
    absl::StatusOr<http::ClientResponse> response = client.Send(method, target, body, content_type);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::ClientResponse{};
  }

  std::unique_ptr<ApiServer> server_;
  std::string tmp_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_KUBECTL_FIXTURE_H_
