#include "common/http/server.h"

#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

#include "common/http/client.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Notified when a /slow request reaches the handler.
absl::Notification* slow_request_entered = nullptr;

// Echoes the request so tests can see exactly what the handler received.
Response Echo(Request& request) {
  Response response;
  response.content_type = "text/plain";
  if (request.target == "/throw") throw std::runtime_error("boom");
  if (request.target == "/slow") {
    if (slow_request_entered != nullptr) slow_request_entered->Notify();
    absl::SleepFor(absl::Milliseconds(300));
  }
  response.body = request.method + " " + request.target + " " + std::to_string(request.body.size()) +
                  " padded=" +
                  (request.body.capacity() >= request.body.size() + kBodyPadding ? "yes" : "no");
  return response;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, Echo);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  ClientOptions Options() const {
    ClientOptions options;
    options.port = server_->port();
    options.tls = server_->tls();
    return options;
  }

  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ServesManyRequestsOnOneKeepAliveConnection) {
  StartServer({});
  Client client(Options());
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<ClientResponse> response = client.Post("/extender/filter", std::string(i, 'x'));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST /extender/filter " + std::to_string(i) + " padded=yes");
  }
}

TEST_F(ServerTest, RefusesBodiesOverTheLimitWith413AndKeepsServing) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  Client client(Options());
  absl::StatusOr<ClientResponse> big = client.Post("/x", std::string(1001, 'x'));
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("exceeds the limit of 1000 bytes"));
  absl::StatusOr<ClientResponse> fits = client.Post("/x", std::string(1000, 'x'));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->status, 200);
}

TEST_F(ServerTest, ChunkedBodiesOverTheLimitAreRefused) {
  ServerOptions options;
  options.max_body_bytes = 10;
  StartServer(options);
  Client client(Options());
  absl::StatusOr<std::string> answer = client.SendRaw(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 413"));
  absl::StatusOr<std::string> small = client.SendRaw(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "4\r\n1234\r\n0\r\n\r\n");
  ASSERT_TRUE(small.ok());
  EXPECT_THAT(*small, HasSubstr("POST /x 4 padded=yes"));
}

TEST_F(ServerTest, GarbageGets400AndTheServerGoesOn) {
  StartServer({});
  Client client(Options());
  absl::StatusOr<std::string> answer = client.SendRaw("NOT HTTP AT ALL\r\n\r\n");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, StartsWith("HTTP/1.1 400"));
  absl::StatusOr<ClientResponse> response = client.Get("/healthz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, AThrowingHandlerIsA500NotACrash) {
  StartServer({});
  Client client(Options());
  absl::StatusOr<ClientResponse> response = client.Get("/throw");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(client.Get("/ok")->status, 200);
}

TEST_F(ServerTest, ServesHttpsWithTheGivenCertificate) {
  ServerOptions options;
  options.tls_cert_file = testing::RunfilePath("testdata/tls/server.crt");
  options.tls_key_file = testing::RunfilePath("testdata/tls/server.key");
  StartServer(options);
  ClientOptions client_options = Options();
  client_options.ca_file = testing::RunfilePath("testdata/tls/server.crt");
  client_options.host = "127.0.0.1";
  Client client(client_options);
  absl::StatusOr<ClientResponse> response = client.Post("/extender/filter", "{}");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "POST /extender/filter 2 padded=yes");

  ClientOptions plain = Options();
  plain.tls = false;
  Client plain_client(plain);
  absl::StatusOr<ClientResponse> refused = plain_client.Get("/healthz");
  EXPECT_FALSE(refused.ok()) << "a plain-HTTP request to the TLS port must not be served";
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  StartServer({});
  absl::Notification entered;
  slow_request_entered = &entered;
  absl::StatusOr<ClientResponse> response;
  std::thread client_thread([&] {
    Client client(Options());
    response = client.Post("/slow", "{}");
  });
  entered.WaitForNotification();
  server_->Stop();
  client_thread.join();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /slow 2 padded=yes");
  Client late(Options());
  EXPECT_FALSE(late.Get("/healthz").ok()) << "a stopped server accepts nothing";
  slow_request_entered = nullptr;
}

TEST(ServerStartTest, MissingTlsFilesAreNamed) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, Echo);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(), HasSubstr("/nonexistent/cert.pem"));
}

TEST(ServerStartTest, BusyPortIsUnavailable) {
  ServerOptions options;
  options.host = "127.0.0.1";
  absl::StatusOr<std::unique_ptr<Server>> first = Server::Start(options, Echo);
  ASSERT_TRUE(first.ok());
  options.port = (*first)->port();
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(options, Echo);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace spillway::http
