#include "kube/rest_client.h"

#include <sys/stat.h>

#include <cstdlib>
#include <thread>
#include <fstream>
#include <map>

#include "absl/strings/escaping.h"
#include "boost/asio.hpp"
#include "absl/strings/str_cat.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "kube/connection.h"
#include "sim/apiserver/api_server.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = TempPath(name);
  std::ofstream(path) << text;
  return path;
}

TEST(ConnectionTest, KubeconfigWithEmbeddedAndFileCredentials) {
  const std::string ca = spillway::testing::ReadRunfile("testdata/tls/server.crt");
  Write("client.crt", "CLIENT CERT");
  Write("client.key", "CLIENT KEY");
  const std::string path = Write("kubeconfig", absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: ack
contexts:
- name: ack
  context: {cluster: hangzhou, user: admin}
- name: other
  context: {cluster: insecure, user: robot}
clusters:
- name: hangzhou
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )", absl::Base64Escape(ca), R"(
- name: insecure
  cluster: {server: "http://127.0.0.1:8080", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {client-certificate: client.crt, client-key: client.key}
- name: robot
  user: {token: abc123}
)"));
  absl::StatusOr<Connection> ack = LoadKubeconfig(path);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->scheme, "https");
  EXPECT_EQ(ack->host, "10.0.0.1");
  EXPECT_EQ(ack->port, 6443);
  EXPECT_EQ(ack->ca_pem, ca);
  EXPECT_EQ(ack->client_cert_pem, "CLIENT CERT");
  EXPECT_EQ(ack->client_key_pem, "CLIENT KEY");
  absl::StatusOr<Connection> other = LoadKubeconfig(path, "other");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->scheme, "http");
  EXPECT_EQ(other->port, 8080);
  EXPECT_TRUE(other->insecure_skip_tls_verify);
  EXPECT_EQ(other->token, "abc123");
  EXPECT_THAT(LoadKubeconfig(path, "nope").status().message(), HasSubstr("context 'nope' not found"));
  EXPECT_EQ(LoadKubeconfig(TempPath("missing")).status().code(), absl::StatusCode::kNotFound);
}

TEST(ConnectionTest, InClusterReadsTheServiceAccount) {
  const std::string dir = TempPath("sa");
  mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/ca.crt") << "CA";
  std::ofstream(dir + "/token") << "token-1\n";
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_EQ(InClusterConnection(dir).status().code(), absl::StatusCode::kFailedPrecondition);
  setenv("KUBERNETES_SERVICE_HOST", "172.16.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  absl::StatusOr<Connection> connection = InClusterConnection(dir);
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(connection->host, "172.16.0.1");
  EXPECT_EQ(connection->ca_pem, "CA");
  EXPECT_EQ(connection->token_file, dir + "/token");
}

class RestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<sim::ApiServer>> server = sim::ApiServer::Start({});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    const std::string kubeconfig = Write(
        "local.kubeconfig",
        absl::StrCat("apiVersion: v1\nkind: Config\ncurrent-context: local\n"
                     "contexts: [{name: local, context: {cluster: sim, user: me}}]\n"
                     "clusters: [{name: sim, cluster: {server: 'http://127.0.0.1:",
                     server_->port(), "'}}]\nusers: [{name: me, user: {token: t}}]\n"));
    absl::StatusOr<Connection> connection = ResolveConnection(kubeconfig);
    ASSERT_TRUE(connection.ok()) << connection.status();
    client_ = std::make_unique<RestClient>(*connection, RestClient::Options{});
  }

  std::unique_ptr<sim::ApiServer> server_;
  std::unique_ptr<RestClient> client_;
};

const ResourcePath kConfigMaps{"", "v1", "configmaps", "default", "", ""};

ResourcePath ConfigMap(const std::string& name) {
  ResourcePath path = kConfigMaps;
  path.name = name;
  return path;
}

TEST_F(RestClientTest, VerbsAgainstTheEmbeddedApiServer) {
  absl::StatusOr<json::object> created = client_->Create(
      kConfigMaps, json::parse(R"({"metadata":{"name":"policy","labels":{"app":"spillway"}},"data":{"mode":"eci"}})").as_object());
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<json::object> got = client_->Get(ConfigMap("policy"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->at("data").at("mode").as_string(), "eci");

  absl::StatusOr<json::object> list = client_->List(kConfigMaps, ListOptions{"app in (spillway)", "", 0, ""});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->at("items").as_array().size(), 1u);
  absl::StatusOr<json::object> none = client_->List(kConfigMaps, ListOptions{"app=other", "", 0, ""});
  EXPECT_EQ(none->at("items").as_array().size(), 0u);

  absl::StatusOr<json::object> patched =
      client_->Patch(ConfigMap("policy"), PatchType::kMerge, json::parse(R"({"data":{"mode":"eci_only"}})"));
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(patched->at("data").at("mode").as_string(), "eci_only");

  ASSERT_TRUE(client_->Delete(ConfigMap("policy")).ok());
  absl::StatusOr<json::object> gone = client_->Get(ConfigMap("policy"));
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gone.status().message(), "configmaps \"policy\" not found");
  EXPECT_EQ(std::string(*gone.status().GetPayload(kReasonPayload)), "NotFound");
}

// Issue 23.4: every call is counted as client-go counts it — by code, method
// and host, with its latency by verb and host; a call that got no answer is
// code "<error>", and a watch counts once, when it is established.
TEST_F(RestClientTest, CountsCallsAsClientGoRestClientMetrics) {
  prometheus::Registry registry;
  RestClientMetrics metrics(registry);
  absl::StatusOr<Connection> connection = ResolveConnection(Write(
      "metrics.kubeconfig",
      absl::StrCat("apiVersion: v1\nkind: Config\ncurrent-context: local\n"
                   "contexts: [{name: local, context: {cluster: sim, user: me}}]\n"
                   "clusters: [{name: sim, cluster: {server: 'http://127.0.0.1:",
                   server_->port(), "'}}]\nusers: [{name: me, user: {token: t}}]\n")));
  ASSERT_TRUE(connection.ok()) << connection.status();
  RestClient::Options options;
  options.metrics = &metrics;
  RestClient client(*connection, options);
  ASSERT_TRUE(client.Create(kConfigMaps, json::parse(R"({"metadata":{"name":"m"}})").as_object()).ok());
  ASSERT_TRUE(client.Get(ConfigMap("m")).ok());
  ASSERT_EQ(client.Get(ConfigMap("absent")).status().code(), absl::StatusCode::kNotFound);
  WatchOptions watch;
  watch.timeout = absl::Seconds(1);
  ASSERT_TRUE(client.Watch(kConfigMaps, watch, [](absl::string_view) { return false; }, nullptr).ok());
  Connection closed = *connection;
  closed.port = 1;  // Nothing listens there.
  RestClient unreachable(closed, options);
  ASSERT_EQ(unreachable.Get(ConfigMap("m")).status().code(), absl::StatusCode::kUnavailable);

  std::map<std::string, double> counts;
  uint64_t observed = 0;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::string key = family.name;
      for (const prometheus::ClientMetric::Label& label : metric.label) absl::StrAppend(&key, " ", label.name, "=", label.value);
      if (family.name == "rest_client_requests_total") counts[key] = metric.counter.value;
      if (family.name == "rest_client_request_duration_seconds") observed += metric.histogram.sample_count;
    }
  }
  const std::string host = absl::StrCat("127.0.0.1:", server_->port());
  EXPECT_EQ(counts, (std::map<std::string, double>{
                        {"rest_client_requests_total code=201 host=" + host + " method=POST", 1},
                        {"rest_client_requests_total code=200 host=" + host + " method=GET", 2},  // The get and the watch.
                        {"rest_client_requests_total code=404 host=" + host + " method=GET", 1},
                        {"rest_client_requests_total code=<error> host=127.0.0.1:1 method=GET", 1}}));
  EXPECT_EQ(observed, 5u);
}

// Issue 19.9: a burst of concurrent calls opens a connection each; they used
// to stay open forever (~85 after a burst of writes).
TEST_F(RestClientTest, ABurstLeavesAtMostTheIdleCapOpen) {
  std::vector<std::thread> callers;
  for (int i = 0; i < 40; ++i) {
    callers.emplace_back([this, i] {
      (void)client_->Create(kConfigMaps, json::parse(absl::StrCat(R"({"metadata":{"name":"burst-)", i, R"("}})"))
                                             .as_object());
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_LE(client_->IdleConnections(), 8u);
  EXPECT_GE(client_->IdleConnections(), 1u);
  ASSERT_TRUE(client_->Get(ConfigMap("burst-39")).ok()) << "the kept connections still work";
}

TEST_F(RestClientTest, PatchFlavoursBindAndEvict) {
  const ResourcePath pods{"", "v1", "pods", "default", "", ""};
  ASSERT_TRUE(client_->Create(pods, json::parse(R"({"metadata":{"name":"web"},
      "spec":{"containers":[{"name":"app","image":"v1"},{"name":"log","image":"l1"}]}})").as_object()).ok());
  ResourcePath web = pods;
  web.name = "web";
  absl::StatusOr<json::object> strategic = client_->Patch(
      web, PatchType::kStrategicMerge, json::parse(R"({"spec":{"containers":[{"name":"app","image":"v2"}]}})"));
  ASSERT_TRUE(strategic.ok()) << strategic.status();
  EXPECT_EQ(strategic->at("spec").at("containers").as_array().size(), 2u);  // Merged by name.
  absl::StatusOr<json::object> json_patch = client_->Patch(
      web, PatchType::kJson, json::parse(R"([{"op":"add","path":"/metadata/labels","value":{"a":"b"}}])"));
  ASSERT_TRUE(json_patch.ok()) << json_patch.status();
  EXPECT_EQ(json_patch->at("metadata").at("labels").at("a").as_string(), "b");
  EXPECT_EQ(client_->Patch(web, PatchType::kJson, json::parse(R"([{"op":"remove","path":"/nope"}])"))
                .status().code(),
            absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(client_->Bind("default", "web", "node-1").ok());
  EXPECT_EQ(client_->Get(web)->at("spec").at("nodeName").as_string(), "node-1");
  absl::Status again = client_->Bind("default", "web", "node-2");
  EXPECT_EQ(again.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(again.message()), HasSubstr("already assigned to node \"node-1\""));
  ASSERT_TRUE(client_->Evict("default", "web").ok());
  EXPECT_EQ(client_->Get(web).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->Evict("default", "web").code(), absl::StatusCode::kNotFound);
}

TEST_F(RestClientTest, ListsPageWithLimitAndContinue) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client_->Create(kConfigMaps, json::object{{"metadata", json::object{{"name", absl::StrCat("cm-", i)}}}}).ok());
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<json::object> page = client_->List(kConfigMaps, ListOptions{"", "", 2, token});
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const json::value& item : page->at("items").as_array()) {
      names.emplace_back(item.at("metadata").at("name").as_string());
    }
    const json::object& meta = page->at("metadata").as_object();
    token = meta.contains("continue") ? std::string(meta.at("continue").as_string()) : "";
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"cm-0", "cm-1", "cm-2", "cm-3", "cm-4"}));
  EXPECT_EQ(client_->List(kConfigMaps, ListOptions{"", "", 0, "%%%"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RestClientTest, ConflictsAreTypedAndRetriedByRereading) {
  json::object object = json::parse(R"({"metadata":{"name":"counter"},"data":{"n":"0"}})").as_object();
  absl::StatusOr<json::object> created = client_->Create(kConfigMaps, object);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(client_->Create(kConfigMaps, object).status().code(), absl::StatusCode::kAlreadyExists);

  // Someone else writes after our read: a plain update with the old copy conflicts.
  json::object stale = *created;
  ASSERT_TRUE(client_->Patch(ConfigMap("counter"), PatchType::kMerge,
                             json::parse(R"({"data":{"other":"x"}})")).ok());
  stale["data"].as_object()["n"] = "1";
  absl::StatusOr<json::object> conflict = client_->Update(ConfigMap("counter"), stale);
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(std::string(*conflict.status().GetPayload(kReasonPayload)), "Conflict");

  // The retrying update re-reads, so the other writer's field survives.
  int calls = 0;
  absl::StatusOr<json::object> updated =
      client_->UpdateWithRetry(ConfigMap("counter"), [&](json::object& current) {
        if (++calls == 1) {
          // Interleave a competing write between this read and its update.
          EXPECT_TRUE(client_->Patch(ConfigMap("counter"), PatchType::kMerge,
                                     json::parse(R"({"data":{"race":"y"}})")).ok());
        }
        current["data"].as_object()["n"] = "1";
        return absl::OkStatus();
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(updated->at("data").at("n").as_string(), "1");
  EXPECT_EQ(updated->at("data").at("other").as_string(), "x");
  EXPECT_EQ(updated->at("data").at("race").as_string(), "y");
}

// Accepts one connection at a time, records each request's Authorization
// header and answers {} — just enough to see what the client sends.
class HeaderRecorder {
 public:
  HeaderRecorder() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      for (int i = 0; i < 2; ++i) {
        boost::asio::ip::tcp::socket socket(io_);
        acceptor_.accept(socket);
        boost::asio::streambuf buffer;
        boost::asio::read_until(socket, buffer, "\r\n\r\n");
        std::string head(boost::asio::buffers_begin(buffer.data()),
                         boost::asio::buffers_end(buffer.data()));
        const size_t at = head.find("Authorization: ");
        headers_.push_back(at == std::string::npos ? "" : head.substr(at + 15, head.find("\r\n", at) - at - 15));
        boost::asio::write(socket, boost::asio::buffer(std::string(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{}")));
      }
    });
  }
  ~HeaderRecorder() { Join(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<std::string>& headers() const { return headers_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::string> headers_;
  std::thread thread_;
};

TEST(RestClientAuthTest, TokenFileIsReReadOnEveryRequest) {
  const std::string token_file = Write("token", "first-token\n");
  HeaderRecorder recorder;
  Connection connection;
  connection.scheme = "http";
  connection.host = "127.0.0.1";
  connection.port = recorder.port();
  connection.token_file = token_file;
  RestClient client(connection, RestClient::Options{});
  ASSERT_TRUE(client.Get(ConfigMap("a")).ok());
  Write("token", "rotated-token\n");
  ASSERT_TRUE(client.Get(ConfigMap("a")).ok());
  recorder.Join();
  EXPECT_THAT(recorder.headers(),
              ::testing::ElementsAre("Bearer first-token", "Bearer rotated-token"));
}

TEST(RestClientErrorsTest, UnreachableServerIsUnavailable) {
  Connection connection;
  connection.scheme = "http";
  connection.host = "127.0.0.1";
  connection.port = 1;  // Nothing listens on port 1.
  RestClient client(connection, RestClient::Options{absl::Seconds(2)});
  absl::StatusOr<json::object> result = client.Get(ConfigMap("x"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("GET /api/v1/namespaces/default/configmaps/x"));
}

}  // namespace
}  // namespace spillway::kube
