#include "kube/exec_credential.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/connection.h"
#include "kube/rest_client.h"

namespace spillway::kube {
namespace {

using ::testing::HasSubstr;

std::string Tmp() { return std::getenv("TEST_TMPDIR"); }

std::string Write(const std::string& name, const std::string& text, bool executable = false) {
  const std::string path = absl::StrCat(Tmp(), "/", name);
  std::ofstream(path) << text;
  if (executable) chmod(path.c_str(), 0755);
  return path;
}

absl::StatusOr<ExecConfig> Parse(const std::string& yaml) {
  return ParseExecConfig(YAML::Load(yaml), "/etc/kube", "kubeconfig k: user 'u'");
}

// Issue 23.3: client-go's rules for the exec entry, refused in its words.
TEST(ParseExecConfigTest, FollowsClientGosRules) {
  struct Row {
    std::string yaml;
    std::string error;  // Empty: accepted.
  } rows[] = {
      {"{apiVersion: client.authentication.k8s.io/v1, command: aliyun-auth, interactiveMode: Never}", ""},
      {"{apiVersion: client.authentication.k8s.io/v1beta1, command: aliyun-auth}", ""},
      {"{apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}",
       "kubeconfig k: user 'u': exec: command is required"},
      {"{apiVersion: client.authentication.k8s.io/v1alpha1, command: x}",
       "kubeconfig k: user 'u': exec: apiVersion client.authentication.k8s.io/v1alpha1 was removed in Kubernetes "
       "1.24; use client.authentication.k8s.io/v1"},
      {"{apiVersion: v1, command: x}",
       "kubeconfig k: user 'u': exec: apiVersion \"v1\" is not client.authentication.k8s.io/v1 or "
       "client.authentication.k8s.io/v1beta1"},
      {"{apiVersion: client.authentication.k8s.io/v1, command: x}",
       "kubeconfig k: user 'u': exec: interactiveMode is required for client.authentication.k8s.io/v1"},
      {"{apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Always}",
       "kubeconfig k: user 'u': exec: interactiveMode Always needs a terminal, and Spillway runs without one; give "
       "the plugin a non-interactive way to log in (interactiveMode Never or IfAvailable)"},
      {"{apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Sometimes}",
       "kubeconfig k: user 'u': exec: interactiveMode \"Sometimes\" is not Never, IfAvailable or Always"},
  };
  for (const Row& row : rows) {
    absl::StatusOr<ExecConfig> parsed = Parse(row.yaml);
    EXPECT_EQ(parsed.ok() ? "" : std::string(parsed.status().message()), row.error) << row.yaml;
  }
  // A relative command with a '/' is relative to the kubeconfig; a bare name is looked up on PATH.
  EXPECT_EQ(Parse("{apiVersion: client.authentication.k8s.io/v1beta1, command: bin/auth}")->command,
            "/etc/kube/bin/auth");
  EXPECT_EQ(Parse("{apiVersion: client.authentication.k8s.io/v1beta1, command: auth}")->command, "auth");
  EXPECT_EQ(Parse("{apiVersion: client.authentication.k8s.io/v1beta1, command: auth}")->interactive_mode,
            "IfAvailable");
}

TEST(ExecInfoTest, TellsThePluginItIsNotInteractiveAndOptionallyTheCluster) {
  ExecConfig config;
  config.api_version = "client.authentication.k8s.io/v1";
  EXPECT_EQ(ExecInfo(config, {"https://10.0.0.1:6443", "", false, "CA"}),
            R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}})");
  config.provide_cluster_info = true;
  EXPECT_EQ(ExecInfo(config, {"https://10.0.0.1:6443", "kubernetes", false, "CA"}),
            R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false,)"
            R"("cluster":{"server":"https://10.0.0.1:6443","tls-server-name":"kubernetes",)"
            R"("certificate-authority-data":"Q0E="}}})");
}

TEST(ParseExecCredentialTest, ReadsTokensCertificatesAndExpiry) {
  ExecConfig config;
  config.api_version = "client.authentication.k8s.io/v1";
  config.command = "auth";
  absl::StatusOr<ExecCredential> token = ParseExecCredential(
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",)"
      R"("status":{"token":"t-1","expirationTimestamp":"2026-12-04T01:00:00Z"}})",
      config);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->token, "t-1");
  EXPECT_EQ(token->expires, absl::FromUnixSeconds(1796346000));
  struct Row {
    std::string text;
    std::string error;
  } rows[] = {
      {"not json", "exec plugin auth: its output is not a JSON ExecCredential"},
      {R"({"kind":"Pod","apiVersion":"client.authentication.k8s.io/v1"})",
       "exec plugin auth: its output is not of kind ExecCredential"},
      {R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"x"}})",
       "exec plugin auth: it answered apiVersion \"client.authentication.k8s.io/v1beta1\", the kubeconfig asks "
       "client.authentication.k8s.io/v1"},
      {R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}})",
       "exec plugin auth: its status has neither a token nor clientCertificateData and clientKeyData"},
      {R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientKeyData":"k"}})",
       "exec plugin auth: its status has only one of clientCertificateData and clientKeyData"},
      {R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",)"
       R"("status":{"token":"x","expirationTimestamp":"tomorrow"}})",
       "exec plugin auth: expirationTimestamp \"tomorrow\" is not RFC 3339"},
  };
  for (const Row& row : rows) {
    absl::StatusOr<ExecCredential> parsed = ParseExecCredential(row.text, config);
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(row.error)) << row.text;
  }
}

// A plugin that counts its runs and prints token-<run>, valid until `expiry`.
std::string CountingPlugin(const std::string& expiry) {
  return Write("plugin.sh", absl::StrCat(R"(#!/bin/sh
count_file=")", Tmp(), R"(/runs"
runs=$(( $(cat "$count_file" 2>/dev/null || echo 0) + 1 ))
echo "$runs" > "$count_file"
echo "$KUBERNETES_EXEC_INFO" > ")", Tmp(), R"(/exec-info"
echo "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"token-$runs\",\"expirationTimestamp\":\")", expiry, R"(\"}}"
)"),
               /*executable=*/true);
}

TEST(ExecCredentialProviderTest, CachesUntilExpiryOrA401) {
  std::remove(absl::StrCat(Tmp(), "/runs").c_str());
  ExecConfig config;
  config.api_version = "client.authentication.k8s.io/v1";
  config.command = CountingPlugin("2026-12-04T01:01:00Z");
  config.interactive_mode = "Never";
  FakeClock clock(absl::FromUnixSeconds(1796346000));  // 01:00:00, a minute before expiry.
  ExecCredentialProvider provider(config, {}, clock);
  EXPECT_EQ(provider.Get()->token, "token-1");
  EXPECT_EQ(provider.Get()->token, "token-1");  // Cached.
  clock.Advance(absl::Seconds(59));
  EXPECT_EQ(provider.Get()->token, "token-1");
  clock.Advance(absl::Seconds(1));              // Expired.
  EXPECT_EQ(provider.Get()->token, "token-2");
  provider.Invalidate();                        // A 401.
  EXPECT_EQ(provider.Get()->token, "token-3");
  EXPECT_EQ(provider.runs(), 3);
  std::ifstream info(absl::StrCat(Tmp(), "/exec-info"));
  std::string seen((std::istreambuf_iterator<char>(info)), std::istreambuf_iterator<char>());
  EXPECT_THAT(seen, HasSubstr(R"("spec":{"interactive":false})"));
}

TEST(ExecCredentialProviderTest, FailuresSayWhatToDo) {
  ExecConfig config;
  config.api_version = "client.authentication.k8s.io/v1";
  config.command = "/nonexistent/aliyun-k8s-auth";
  config.install_hint = "install it with: pip install aliyun-k8s-auth";
  ExecCredentialProvider missing(config, {});
  absl::StatusOr<ExecCredential> got = missing.Get();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(got.status().message()),
              HasSubstr("cannot run /nonexistent/aliyun-k8s-auth: No such file or directory; install it with: pip "
                        "install aliyun-k8s-auth"));
  config.command = Write("failing.sh", "#!/bin/sh\necho 'session expired: run aliyun login' >&2\nexit 1\n", true);
  ExecCredentialProvider failing(config, {});
  got = failing.Get();
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("exited with status 1: session expired: run aliyun login"));
}

// Answers each request with the next status of `statuses` (then 200),
// recording each request's Authorization header.
class AuthServer {
 public:
  explicit AuthServer(std::vector<int> statuses)
      : statuses_(std::move(statuses)), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      for (size_t i = 0; i < statuses_.size() + 1; ++i) {
        boost::asio::ip::tcp::socket socket(io_);
        acceptor_.accept(socket);
        boost::asio::streambuf buffer;
        boost::asio::read_until(socket, buffer, "\r\n\r\n");
        std::string head(boost::asio::buffers_begin(buffer.data()), boost::asio::buffers_end(buffer.data()));
        const size_t at = head.find("Authorization: ");
        headers_.push_back(at == std::string::npos ? "" : head.substr(at + 15, head.find("\r\n", at) - at - 15));
        const int status = i < statuses_.size() ? statuses_[i] : 200;
        const std::string body = status == 200 ? "{}" : R"({"kind":"Status","code":401,"reason":"Unauthorized"})";
        boost::asio::write(socket, boost::asio::buffer(absl::StrCat(
                                       "HTTP/1.1 ", status, " X\r\nContent-Type: application/json\r\nContent-Length: ",
                                       body.size(), "\r\nConnection: close\r\n\r\n", body)));
      }
    });
  }
  ~AuthServer() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<std::string>& headers() const { return headers_; }

 private:
  std::vector<int> statuses_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::string> headers_;
  std::thread thread_;
};

// Through a kubeconfig, as `spillway serve --kubeconfig` reads it: the token
// comes from the plugin, is reused, and a 401 runs the plugin again and
// retries once.
TEST(ExecCredentialKubeconfigTest, TheClientSendsThePluginsTokenAndRenewsItOn401) {
  std::remove(absl::StrCat(Tmp(), "/runs").c_str());
  // Far in the future: this test runs on the real clock (a fixed near date
  // made it fail once the day passed it).
  const std::string plugin = CountingPlugin("2999-01-01T00:00:00Z");
  {
    AuthServer server({200, 401});
    const std::string kubeconfig = Write("exec.kubeconfig", absl::StrCat(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: s, user: u}}]\n"
        "clusters: [{name: s, cluster: {server: 'http://127.0.0.1:", server.port(), "'}}]\n"
        "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ", plugin,
        ", interactiveMode: Never, provideClusterInfo: true}}}]\n"));
    absl::StatusOr<Connection> connection = LoadKubeconfig(kubeconfig);
    ASSERT_TRUE(connection.ok()) << connection.status();
    RestClient client(*connection, RestClient::Options{});
    const ResourcePath path{"", "v1", "configmaps", "default", "a", ""};
    ASSERT_TRUE(client.Get(path).ok());
    ASSERT_TRUE(client.Get(path).ok());  // 401, then the retry with a new token.
    EXPECT_EQ(connection->exec->runs(), 2);
    server.Join();
    EXPECT_THAT(server.headers(), ::testing::ElementsAre("Bearer token-1", "Bearer token-1", "Bearer token-2"));
  }
}

TEST(ExecCredentialKubeconfigTest, ProxyUrlAndAuthProviderAreRefusedClearly) {
  const std::string proxy = Write("proxy.kubeconfig",
                                  "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                                  "contexts: [{name: c, context: {cluster: s, user: u}}]\n"
                                  "clusters: [{name: s, cluster: {server: 'https://10.0.0.1:6443', "
                                  "proxy-url: 'http://proxy:3128'}}]\nusers: [{name: u, user: {token: t}}]\n");
  absl::StatusOr<Connection> refused = LoadKubeconfig(proxy);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("cluster 's': proxy-url is not supported: Spillway connects to the API server directly"));
  const std::string provider = Write("provider.kubeconfig",
                                     "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                                     "contexts: [{name: c, context: {cluster: s, user: u}}]\n"
                                     "clusters: [{name: s, cluster: {server: 'https://10.0.0.1:6443'}}]\n"
                                     "users: [{name: u, user: {auth-provider: {name: oidc}}}]\n");
  refused = LoadKubeconfig(provider);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("user 'u': auth-provider was removed from client-go in Kubernetes 1.26; use an exec "
                        "credential plugin"));
}

}  // namespace
}  // namespace spillway::kube
