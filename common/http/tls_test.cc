// TLS over real sockets, both ways: the client verifies whom it talks to
// before sending anything (a bearer token above all), and the server's mutual
// TLS admits only clients with a certificate from its CA. Certificates:
// testdata/pki (tools/gen_test_pki.sh).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <string>

#include "absl/time/time.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::http {
namespace {

using ::testing::HasSubstr;

std::string Pki(const std::string& name) { return testing::RunfilePath("testdata/pki/" + name); }
std::string PkiText(const std::string& name) { return testing::ReadRunfile("testdata/pki/" + name); }

// A TLS server that counts the requests it received: 0 means the client sent
// nothing, its token included.
class TlsServer {
 public:
  explicit TlsServer(const std::string& cert, const std::string& client_ca = "") {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.tls_cert_file = Pki(cert + ".crt");
    options.tls_key_file = Pki(cert + ".key");
    options.client_ca_file = client_ca.empty() ? "" : Pki(client_ca);
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, [this](Request&) {
      requests_.fetch_add(1);
      Response response;
      response.body = "{}";
      return response;
    });
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  uint16_t port() const { return server_->port(); }
  int requests() const { return requests_.load(); }

 private:
  std::atomic<int> requests_{0};
  std::unique_ptr<Server> server_;
};

ClientOptions TrustingTestCa(uint16_t port, const std::string& host = "127.0.0.1") {
  ClientOptions options;
  options.host = host;
  options.port = port;
  options.tls = true;
  options.ca_pem = PkiText("ca.crt");
  options.bearer_token = [] { return std::string("secret-token"); };
  options.timeout = absl::Seconds(5);
  return options;
}

TEST(ClientTlsTest, AServerWithAValidCertificateForTheAddressIsServed) {
  TlsServer server("server");
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    Client client(TrustingTestCa(server.port(), host));
    absl::StatusOr<ClientResponse> response = client.Get("/api");
    ASSERT_TRUE(response.ok()) << host << ": " << response.status();
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_EQ(server.requests(), 2);
}

struct RefusedCase {
  std::string server_cert;
  std::string host;
  std::string why;
};

class ClientRefusesTest : public ::testing::TestWithParam<RefusedCase> {};

TEST_P(ClientRefusesTest, NothingIsSentToAServerThatFailsVerification) {
  TlsServer server(GetParam().server_cert);
  Client client(TrustingTestCa(server.port(), GetParam().host));
  absl::StatusOr<ClientResponse> response = client.Get("/api/v1/pods");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("the server's certificate was refused"));
  EXPECT_THAT(response.status().message(), HasSubstr(GetParam().why));
  EXPECT_EQ(server.requests(), 0) << "the bearer token went to an unverified server";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClientRefusesTest,
    ::testing::Values(
        RefusedCase{"wrong-host", "127.0.0.1", "it is not issued for '127.0.0.1'"},
        RefusedCase{"wrong-host", "localhost", "it is not issued for 'localhost'"},
        RefusedCase{"expired", "127.0.0.1", "certificate has expired"},
        RefusedCase{"rogue-server", "127.0.0.1", "unable to get local issuer certificate"}));

TEST(ClientTlsTest, WithoutACaTheSystemRootsAreUsedAndRefuseATestCa) {
  TlsServer server("server");
  ClientOptions options = TrustingTestCa(server.port());
  options.ca_pem.clear();
  Client client(options);
  absl::StatusOr<ClientResponse> response = client.Get("/api");
  EXPECT_THAT(response.status().message(), HasSubstr("the server's certificate was refused"));
  EXPECT_EQ(server.requests(), 0);
}

TEST(ClientTlsTest, TlsServerNameOverridesTheNameVerified) {
  TlsServer server("wrong-host");
  ClientOptions options = TrustingTestCa(server.port());
  options.tls_server_name = "other.example";
  Client client(options);
  absl::StatusOr<ClientResponse> response = client.Get("/api");
  ASSERT_TRUE(response.ok()) << response.status();
}

TEST(ClientTlsTest, OnlyInsecureSkipVerifySkipsVerification) {
  TlsServer server("rogue-server");
  ClientOptions options = TrustingTestCa(server.port());
  options.insecure_skip_verify = true;
  Client client(options);
  absl::StatusOr<ClientResponse> response = client.Get("/api");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(server.requests(), 1);
}

TEST(ClientTlsTest, UnusableCaMaterialIsAClearError) {
  ClientOptions options = TrustingTestCa(1);
  options.ca_pem = "not a certificate";
  Client client(options);
  absl::StatusOr<ClientResponse> response = client.Get("/api");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("cannot load the CA certificates"));
}

// A frozen server: the kernel completes the connection (backlog), nobody
// ever answers. Every call has a deadline.
TEST(ClientTlsTest, AFrozenServerIsADeadlineNotAHang) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  for (bool tls : {false, true}) {
    ClientOptions options = TrustingTestCa(ntohs(address.sin_port));
    options.tls = tls;
    options.timeout = absl::Milliseconds(300);
    Client client(options);
    absl::StatusOr<ClientResponse> response = client.Get("/api");
    EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
    EXPECT_THAT(response.status().message(), HasSubstr("within 300ms"));
  }
  close(fd);
}

ClientOptions MutualClient(uint16_t port, const std::string& cert) {
  ClientOptions options = TrustingTestCa(port);
  if (!cert.empty()) {
    options.client_cert_pem = PkiText(cert + ".crt");
    options.client_key_pem = PkiText(cert + ".key");
  }
  return options;
}

TEST(ServerMutualTlsTest, OnlyClientsWithACertificateFromTheCaAreServed) {
  TlsServer server("server", "ca.crt");
  Client good(MutualClient(server.port(), "client"));
  absl::StatusOr<ClientResponse> response = good.Post("/extender/filter", "{}");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  for (const std::string& cert : {std::string(""), std::string("rogue-client")}) {
    Client refused(MutualClient(server.port(), cert));
    EXPECT_FALSE(refused.Post("/extender/filter", "{}").ok()) << "client cert: " << cert;
  }
  EXPECT_EQ(server.requests(), 1);
}

TEST(ServerTlsStartTest, ACertificateAndKeyThatDoNotBelongTogetherStopStartUp) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.tls_cert_file = Pki("server.crt");
  for (const std::string key : {"ec.key", "client.key"}) {
    options.tls_key_file = Pki(key);
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, [](Request&) {
      return Response();
    });
    EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition) << key;
    EXPECT_THAT(server.status().message(), HasSubstr("does not belong to the certificate")) << key;
  }
}

TEST(ServerTlsStartTest, ClientCaWithoutTlsIsRefused) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.client_ca_file = Pki("ca.crt");
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, [](Request&) { return Response(); });
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("--client-ca-file needs --tls-cert-file"));
}

void CopyFile(const std::string& from, const std::string& to) {
  const std::string temporary = to + ".tmp";
  std::ofstream(temporary) << PkiText(from);
  ASSERT_EQ(rename(temporary.c_str(), to.c_str()), 0);  // Atomic, as a rotation is.
}

// cert-manager rotates the mounted Secret: new connections get the new
// certificate, and no request fails during the swap (a half-done rotation,
// certificate replaced before the key, is not taken up).
TEST(ServerTlsReloadTest, ARotatedCertificateIsServedWithoutAFailedRequest) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  CopyFile("server.crt", dir + "/tls.crt");
  CopyFile("server.key", dir + "/tls.key");
  ServerOptions options;
  options.host = "127.0.0.1";
  options.tls_cert_file = dir + "/tls.crt";
  options.tls_key_file = dir + "/tls.key";
  options.tls_reload_interval = absl::Milliseconds(20);
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, [](Request&) { return Response(); });
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();

  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> requests{0};
  std::thread load([&] {
    ClientOptions both = TrustingTestCa(port);
    both.ca_pem = PkiText("ca.crt") + PkiText("rogue-ca.crt");
    while (!done.load()) {
      Client client(both);  // A new connection each time: each sees the current certificate.
      absl::StatusOr<ClientResponse> response = client.Get("/");
      if (!response.ok() || response->status != 200) failures.fetch_add(1);
      requests.fetch_add(1);
    }
  });
  absl::SleepFor(absl::Milliseconds(100));
  CopyFile("rogue-server.crt", dir + "/tls.crt");
  absl::SleepFor(absl::Milliseconds(100));  // Certificate without its key: not taken up.
  CopyFile("rogue-server.key", dir + "/tls.key");
  bool rotated = false;
  for (int i = 0; i < 200 && !rotated; ++i) {
    ClientOptions only_new = TrustingTestCa(port);
    only_new.ca_pem = PkiText("rogue-ca.crt");
    Client client(only_new);
    rotated = client.Get("/").ok();
    if (!rotated) absl::SleepFor(absl::Milliseconds(20));
  }
  absl::SleepFor(absl::Milliseconds(100));
  done.store(true);
  load.join();
  EXPECT_TRUE(rotated) << "the new certificate was never served";
  EXPECT_GT(requests.load(), 10);
  EXPECT_EQ(failures.load(), 0);
}

TEST(CertificateExpiryWarningTest, WarnsWithinThirtyDaysAndWhenExpired) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_EQ(CertificateExpiryWarning("tls.crt", now + absl::Hours(24 * 31), now), "");
  EXPECT_THAT(CertificateExpiryWarning("tls.crt", now + absl::Hours(24 * 10), now),
              HasSubstr("TLS certificate 'tls.crt' expires in 10 days"));
  EXPECT_THAT(CertificateExpiryWarning("tls.crt", now - absl::Hours(1), now),
              HasSubstr("TLS certificate 'tls.crt' expired on"));
}

}  // namespace
}  // namespace spillway::http
