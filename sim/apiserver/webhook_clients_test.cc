#include "sim/apiserver/webhook_clients.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/http/server.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

http::ClientOptions Target(uint16_t port) {
  http::ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.timeout = absl::Seconds(10);
  return options;
}

TEST(WebhookClientsTest, AClientGivenBackServesTheNextCallToTheSameTarget) {
  WebhookClients clients;
  std::unique_ptr<http::Client> first = clients.Take(Target(8443));
  http::Client* const address = first.get();
  clients.GiveBack(Target(8443), std::move(first));
  EXPECT_EQ(clients.idle(), 1u);
  std::unique_ptr<http::Client> again = clients.Take(Target(8443));
  EXPECT_EQ(again.get(), address);
  EXPECT_EQ(clients.idle(), 0u);
  // Taken and not given back (a failed call): the next call gets a new one.
  EXPECT_NE(clients.Take(Target(8443)).get(), nullptr);
  EXPECT_EQ(clients.idle(), 0u);
}

TEST(WebhookClientsTest, ATargetIsItsAddressNameCasAndTimeout) {
  WebhookClients clients;
  std::unique_ptr<http::Client> kept = clients.Take(Target(8443));
  http::Client* const address = kept.get();
  clients.GiveBack(Target(8443), std::move(kept));
  std::vector<http::ClientOptions> others(5, Target(8443));
  others[0].port = 9443;
  others[1].host = "127.0.0.2";
  others[2].tls_server_name = "spillway.kube-system.svc";
  others[3].ca_pem = "-----BEGIN CERTIFICATE-----\nrotated\n-----END CERTIFICATE-----\n";
  others[4].timeout = absl::Seconds(30);
  for (const http::ClientOptions& other : others) {
    std::unique_ptr<http::Client> client = clients.Take(other);
    EXPECT_NE(client.get(), address) << other.host << ":" << other.port << " " << other.tls_server_name;
  }
  EXPECT_EQ(clients.idle(), 1u);
}

TEST(WebhookClientsTest, IdleClientsAreBounded) {
  WebhookClients clients;
  std::vector<std::unique_ptr<http::Client>> taken;
  for (size_t i = 0; i < WebhookClients::kMaxIdlePerTarget + 5; ++i) taken.push_back(clients.Take(Target(8443)));
  for (std::unique_ptr<http::Client>& client : taken) clients.GiveBack(Target(8443), std::move(client));
  EXPECT_EQ(clients.idle(), WebhookClients::kMaxIdlePerTarget);
  for (uint16_t port = 1; port <= WebhookClients::kMaxTargets + 3; ++port) {
    clients.GiveBack(Target(port), clients.Take(Target(port)));
  }
  EXPECT_LE(clients.idle(), WebhookClients::kMaxTargets);
}

// A kept client still answers after its server closed the connection (a
// webhook restarted): the client reconnects once.
TEST(WebhookClientsTest, AKeptClientSurvivesItsServerRestarting) {
  auto answer = [](http::Request&) {
    http::Response response;
    response.body = "ok";
    return response;
  };
  http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(server_options, answer);
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();
  WebhookClients clients;
  std::unique_ptr<http::Client> client = clients.Take(Target(port));
  ASSERT_TRUE(client->Post("/", "{}").ok());
  clients.GiveBack(Target(port), std::move(client));
  server->reset();

  server_options.port = port;
  server = http::Server::Start(server_options, answer);
  ASSERT_TRUE(server.ok()) << server.status();
  client = clients.Take(Target(port));
  absl::StatusOr<http::ClientResponse> response = client->Post("/", "{}");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "ok");
}

}  // namespace
}  // namespace spillway::sim
