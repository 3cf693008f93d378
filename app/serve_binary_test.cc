// Runs the real `spillway` binary: `serve` starts, answers kube-scheduler over
// HTTP, shuts down cleanly on SIGTERM; bad flags and config files fail at start
// with the offending field named; `--help` documents every flag.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/json.hpp"
#include "common/http/client.h"
#include "common/version.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::app {
namespace {

using ::spillway::testing::Process;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Binary() { return testing::RunfilePath("spillway"); }

// A connection that never sends anything: it holds a descriptor of the server.
class RawSocket {
 public:
  explicit RawSocket(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)!connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  }
  ~RawSocket() { close(fd_); }

 private:
  int fd_;
};

TEST(ServeBinaryTest, ServesTheExtenderAndStopsOnSigterm) {
  Process process({Binary(), "serve", "--listen=127.0.0.1:0", "--components=extender"});
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: listening on port "), &port));
  http::ClientOptions options;
  options.port = static_cast<uint16_t>(port);
  http::Client client(options);
  absl::StatusOr<http::ClientResponse> response = client.Post(
      "/extender/filter", testing::ReadRunfile("testdata/extender/filter_names_request.json"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr(R"("NodeNames":["cn-hangzhou.192.168.0.10")"));
  absl::StatusOr<http::ClientResponse> ready = client.Get("/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);
  EXPECT_THAT(ready->body, HasSubstr("standalone: namespace labels"));
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
  EXPECT_THAT(process.ReadAllStderr(), HasSubstr("the eci-profile cannot be seen"));
}

// --logging-format=json: every stderr line is one JSON object, a malformed
// request's warning with its key=value pairs as fields.
TEST(ServeBinaryTest, JsonLogsAreOneObjectPerLine) {
  Process process({Binary(), "serve", "--listen=127.0.0.1:0", "--components=extender", "--logging-format=json"});
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: listening on port "), &port));
  http::ClientOptions options;
  options.port = static_cast<uint16_t>(port);
  http::Client client(options);
  ASSERT_TRUE(client.Post("/extender/prioritize", "{not json").ok());
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
  int lines = 0;
  bool warned = false;
  for (absl::string_view line : absl::StrSplit(process.ReadAllStderr(), '\n', absl::SkipEmpty())) {
    ++lines;
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(std::string(line), ec);
    ASSERT_FALSE(ec) << line;
    ASSERT_TRUE(parsed.is_object()) << line;
    EXPECT_TRUE(parsed.get_object().contains("ts") && parsed.get_object().contains("msg")) << line;
    const boost::json::value* verb = parsed.get_object().if_contains("verb");
    if (verb != nullptr && *verb == "prioritize") {
      warned = true;
      EXPECT_EQ(parsed.at("level"), "warning") << line;
      EXPECT_EQ(parsed.at("bad_request"), "true") << line;
      EXPECT_EQ(parsed.at("error"), "malformed JSON: the ExtenderArgs object is truncated or followed by other bytes")
          << line;
    }
  }
  EXPECT_GE(lines, 3);
  EXPECT_TRUE(warned);
}

// Issue 23.3: --vmodule raises one file's verbosity (the extender's
// per-decision lines) without --v's flood; a malformed one is a usage error.
TEST(ServeBinaryTest, VmoduleRaisesOneFilesVerbosity) {
  const std::string request = testing::ReadRunfile("testdata/extender/filter_full_request.json");
  for (const bool raised : {false, true}) {
    std::vector<std::string> argv = {Binary(), "serve", "--listen=127.0.0.1:0", "--components=extender"};
    if (raised) argv.push_back("--vmodule=extender_servic?=1");
    Process process(argv);
    int port = 0;
    ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: listening on port "), &port));
    http::ClientOptions options;
    options.port = static_cast<uint16_t>(port);
    http::Client client(options);
    ASSERT_TRUE(client.Post("/extender/filter", request).ok());
    process.Signal(SIGTERM);
    EXPECT_EQ(process.Wait(), 0);
    const std::string logs = process.ReadAllStderr();
    EXPECT_EQ(logs.find("verb=filter pod=default/web-burst") != std::string::npos, raised) << logs;
  }
  Process bad({Binary(), "serve", "--listen=127.0.0.1:0", "--vmodule=extender_service"});
  EXPECT_EQ(bad.Wait(), 2);
  EXPECT_THAT(bad.ReadAllStderr(), HasSubstr("--vmodule: \"extender_service\" is not PATTERN=LEVEL"));
}

TEST(ServeBinaryTest, ServesHttpsWhenGivenACertificate) {
  Process process({Binary(), "serve", "--listen=127.0.0.1:0",
                   "--tls-cert-file=" + testing::RunfilePath("testdata/tls/server.crt"),
                   "--tls-key-file=" + testing::RunfilePath("testdata/tls/server.key")});
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: listening on port "), &port));
  http::ClientOptions options;
  options.port = static_cast<uint16_t>(port);
  options.tls = true;
  options.ca_file = testing::RunfilePath("testdata/tls/server.crt");
  http::Client client(options);
  absl::StatusOr<http::ClientResponse> response = client.Post(
      "/extender/filter", testing::ReadRunfile("testdata/extender/filter_full_request.json"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->body, HasSubstr(R"("FailedNodes":{"virtual-kubelet-cn-hangzhou-j")"));
  process.Signal(SIGINT);
  EXPECT_EQ(process.Wait(), 0);
}

TEST(ServeBinaryTest, VersionIsPrinted) {
  for (const char* spelling : {"--version", "version"}) {
    Process process({Binary(), spelling});
    EXPECT_EQ(process.ReadAllStdout(), absl::StrCat("spillway ", kVersion, " (", kCompiler, ")\n"));
    EXPECT_EQ(process.Wait(), 0);
  }
}

TEST(ServeBinaryTest, BadConfigFailsAtStartNamingTheField) {
  std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/bad.yaml");
  std::ofstream(path) << "extender:\n  scores:\n    virtualNodeBurst: 42\n";
  Process process({Binary(), "serve", "--listen=127.0.0.1:0", "--config=" + path});
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_THAT(process.ReadAllStderr(),
              HasSubstr("extender.scores.virtualNodeBurst: 42 is outside 0..10"));
}

TEST(ServeBinaryTest, BadFlagsAreUsageErrors) {
  Process unknown({Binary(), "serve", "--listen=127.0.0.1:0", "--components=extender,webhok"});
  EXPECT_EQ(unknown.Wait(), 2);
  EXPECT_THAT(unknown.ReadAllStderr(), HasSubstr("unknown component 'webhok'"));
  Process listen({Binary(), "serve", "--listen=nowhere"});
  EXPECT_EQ(listen.Wait(), 2);
  Process command({Binary(), "srve"});
  EXPECT_EQ(command.Wait(), 2);
  EXPECT_THAT(command.ReadAllStderr(), HasSubstr("unknown command 'srve'"));
  // Empty or portless addresses are named, not handed to gRPC (issue 19.9).
  Process no_admin({Binary(), "serve", "--listen=127.0.0.1:0", "--components=admin", "--admin-listen=", "--standalone"});
  EXPECT_NE(no_admin.Wait(), 0);
  EXPECT_THAT(no_admin.ReadAllStderr(), HasSubstr("--admin-listen is empty: the admin component needs HOST:PORT"));
  for (const char* server : {"--server=", "--server=localhost"}) {
    Process status({Binary(), "status", server});
    EXPECT_EQ(status.Wait(), 2) << server;
    const std::string said = status.ReadAllStderr();
    EXPECT_THAT(said, HasSubstr("expected HOST:PORT of spillway serve's admin API")) << server;
    EXPECT_THAT(said, Not(HasSubstr("dns:///"))) << server;
  }
}

TEST(ServeBinaryTest, OutOfRangeFlagsAndUnreadableConfigsStopStartUp) {
  Process threads({Binary(), "serve", "--listen=127.0.0.1:0", "--threads=100000"});
  EXPECT_EQ(threads.Wait(), 2);
  EXPECT_THAT(threads.ReadAllStderr(), HasSubstr("--threads: 100000 is outside 1..256"));
  Process zero({Binary(), "serve", "--listen=127.0.0.1:0", "--config=/dev/zero"});
  EXPECT_EQ(zero.Wait(), 2);
  EXPECT_THAT(zero.ReadAllStderr(), HasSubstr("config file '/dev/zero' is not a regular file"));
  Process directory({Binary(), "serve", "--listen=127.0.0.1:0",
                     std::string("--config=") + getenv("TEST_TMPDIR")});
  EXPECT_EQ(directory.Wait(), 2);
  EXPECT_THAT(directory.ReadAllStderr(), HasSubstr("is not a regular file"));
}

TEST(ServeBinaryTest, ACertificateWithTheWrongKeyStopsStartUp) {
  Process process({Binary(), "serve", "--listen=127.0.0.1:0",
                   "--tls-cert-file=" + testing::RunfilePath("testdata/pki/server.crt"),
                   "--tls-key-file=" + testing::RunfilePath("testdata/pki/ec.key")});
  EXPECT_EQ(process.Wait(), 1);
  EXPECT_THAT(process.ReadAllStderr(), HasSubstr("does not belong to the certificate"));
}

http::ClientOptions MutualTls(int port, bool with_certificate) {
  http::ClientOptions options;
  options.port = static_cast<uint16_t>(port);
  options.tls = true;
  options.ca_file = testing::RunfilePath("testdata/pki/ca.crt");
  if (with_certificate) {
    options.client_cert_pem = testing::ReadRunfile("testdata/pki/client.crt");
    options.client_key_pem = testing::ReadRunfile("testdata/pki/client.key");
  }
  return options;
}

// kube-scheduler with tlsConfig.certFile/keyFile reaches the extender; anyone
// else does not; Prometheus and the kubelet use the plain metrics port.
TEST(ServeBinaryTest, MutualTlsOnTheExtenderPortAndAPlainMetricsPort) {
  Process process({Binary(), "serve", "--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
                   "--tls-cert-file=" + testing::RunfilePath("testdata/pki/server.crt"),
                   "--tls-key-file=" + testing::RunfilePath("testdata/pki/server.key"),
                   "--client-ca-file=" + testing::RunfilePath("testdata/pki/ca.crt")});
  int port = 0;
  int metrics_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: listening on port "), &port));
  ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: metrics on port "), &metrics_port));
  const std::string request = testing::ReadRunfile("testdata/extender/filter_full_request.json");
  http::Client scheduler(MutualTls(port, true));
  absl::StatusOr<http::ClientResponse> filtered = scheduler.Post("/extender/filter", request);
  ASSERT_TRUE(filtered.ok()) << filtered.status();
  EXPECT_EQ(filtered->status, 200);
  EXPECT_EQ(scheduler.Get("/metrics")->status, 404) << "operations routes left the main port";
  http::Client stranger(MutualTls(port, false));
  EXPECT_FALSE(stranger.Post("/extender/filter", request).ok());

  http::ClientOptions plain;
  plain.port = static_cast<uint16_t>(metrics_port);
  http::Client prometheus(plain);
  absl::StatusOr<http::ClientResponse> metrics = prometheus.Get("/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(metrics->body, HasSubstr("spillway_extender_requests_total"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(spillway_http_open_connections{listener="main"})"));
  EXPECT_THAT(metrics->body, HasSubstr("spillway_tls_certificate_expiry_timestamp_seconds"));
  // Answers by code, every known code present from start-up; the 404 above counted.
  EXPECT_THAT(metrics->body, HasSubstr(R"(spillway_http_responses_total{code="404",listener="main"} 1)"));
  EXPECT_THAT(metrics->body, HasSubstr(R"(spillway_http_responses_total{code="413",listener="main"} 0)"));
  EXPECT_THAT(metrics->body, HasSubstr(absl::StrCat(R"(spillway_build_info{compiler=")", kCompiler,
                                                    R"(",version=")", kVersion, R"("} 1)")));
  EXPECT_EQ(prometheus.Get("/readyz")->status, 200);
  EXPECT_EQ(prometheus.Post("/extender/filter", request)->status, 404);
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
}

// Out of file descriptors, accept() fails at once for as long as it lasts:
// the server must back off (not spin), log rarely, free descriptors held by
// idle connections and keep serving new clients.
TEST(ServeBinaryTest, OutOfFileDescriptorsTheServerBacksOffAndRecovers) {
  const std::string config = absl::StrCat(getenv("TEST_TMPDIR"), "/many-idle.yaml");
  std::ofstream(config) << "server: {maxIdleConnections: 100000}\n";
  Process process({"/bin/sh", "-c",
                   absl::StrCat("ulimit -n 64 && exec ", Binary(),
                                " serve --listen=127.0.0.1:0 --config=", config)});
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(process.WaitForLine("spillway: listening on port "), &port));
  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < 150; ++i) idle.push_back(std::make_unique<RawSocket>(port));
  absl::SleepFor(absl::Seconds(2));
  http::ClientOptions options;
  options.port = static_cast<uint16_t>(port);
  options.timeout = absl::Seconds(10);
  http::Client client(options);
  absl::StatusOr<http::ClientResponse> response = client.Post(
      "/extender/filter", testing::ReadRunfile("testdata/extender/filter_full_request.json"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  absl::StatusOr<http::ClientResponse> metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body, HasSubstr(R"(spillway_http_accept_errors_total{listener="main"})"));
  EXPECT_THAT(metrics->body, ::testing::Not(HasSubstr(R"(spillway_http_accept_errors_total{listener="main"} 0)")));
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
  const std::string log = process.ReadAllStderr();
  size_t lines = 0;
  for (size_t at = log.find("accept failed"); at != std::string::npos;
       at = log.find("accept failed", at + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 3u) << "accept errors must be rate-limited in the log";
}

TEST(ServeBinaryTest, HelpDocumentsEveryFlag) {
  Process process({Binary(), "serve", "--help"});
  std::string help = process.ReadAllStdout();
  EXPECT_EQ(process.Wait(), 0);
  for (const char* flag : {"--listen=", "--components=", "--config=", "--tls-cert-file=",
                           "--tls-key-file=", "--kubeconfig=", "--context=", "--standalone",
                           "--leader-elect", "--lease-namespace=", "--lease-name=", "--threads=",
                           "--client-ca-file=", "--metrics-listen=", "--v=", "--admin-listen=",
                           "--logging-format="}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  EXPECT_THAT(help, HasSubstr("this build has: extender, autoscaler, webhook, admin"));
  // The client commands document theirs too.
  Process explain({Binary(), "explain", "--help"});
  const std::string explain_help = explain.ReadAllStdout();
  EXPECT_EQ(explain.Wait(), 0);
  for (const char* flag : {"--server=", "--output=", "--namespace=", "--timeout="}) {
    EXPECT_THAT(explain_help, HasSubstr(flag));
  }
  Process status({Binary(), "status", "--help"});
  EXPECT_THAT(status.ReadAllStdout(), HasSubstr("--server="));
  EXPECT_EQ(status.Wait(), 0);
}

}  // namespace
}  // namespace spillway::app
