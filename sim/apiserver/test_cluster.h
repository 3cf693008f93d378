// For tests: the embedded API server on a free port, with a REST client
// connected to it (StartTestCluster, or the EmbeddedClusterTest fixture).
#ifndef SPILLWAY_SIM_APISERVER_TEST_CLUSTER_H_
#define SPILLWAY_SIM_APISERVER_TEST_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "kube/connection.h"
#include "kube/rest_client.h"
#include "sim/apiserver/api_server.h"

namespace spillway::sim {

// Plain HTTP to 127.0.0.1:`port`, as `spillway apiserver` serves.
inline kube::Connection LocalConnection(uint16_t port) {
  kube::Connection connection;
  connection.scheme = "http";
  connection.host = "127.0.0.1";
  connection.port = port;
  return connection;
}

struct TestCluster {
  std::unique_ptr<ApiServer> server;
  std::unique_ptr<kube::RestClient> client;
};

inline absl::StatusOr<TestCluster> StartTestCluster(const ApiServerOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(options);
  if (!server.ok()) return server.status();
  TestCluster cluster;
  cluster.client = std::make_unique<kube::RestClient>(LocalConnection((*server)->port()),
                                                      kube::RestClient::Options());
  cluster.server = std::move(*server);
  return cluster;
}

// A fixture with a fresh embedded API server and a client for each test.
class EmbeddedClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCluster> cluster = StartTestCluster();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    server_ = std::move(cluster->server);
    client_ = std::move(cluster->client);
  }

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_TEST_CLUSTER_H_
