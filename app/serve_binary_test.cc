// Runs the real `spillway` binary: `serve` starts, answers kube-scheduler over
// HTTP, shuts down cleanly on SIGTERM; bad flags and config files fail at start
// with the offending field named; `--help` documents every flag.
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/http/client.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::app {
namespace {

using ::spillway::testing::Process;
using ::testing::HasSubstr;

std::string Binary() { return testing::RunfilePath("spillway"); }

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
  EXPECT_EQ(client.Get("/readyz")->status, 200);
  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
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
}

TEST(ServeBinaryTest, HelpDocumentsEveryFlag) {
  Process process({Binary(), "serve", "--help"});
  std::string help = process.ReadAllStdout();
  EXPECT_EQ(process.Wait(), 0);
  for (const char* flag : {"--listen=", "--components=", "--config=", "--tls-cert-file=",
                           "--tls-key-file=", "--kubeconfig=", "--context=", "--standalone",
                           "--leader-elect", "--lease-namespace=", "--lease-name=", "--threads=",
                           "--v="}) {
    EXPECT_THAT(help, HasSubstr(flag));
  }
  EXPECT_THAT(help, HasSubstr("this build has: extender, autoscaler"));
}

}  // namespace
}  // namespace spillway::app
