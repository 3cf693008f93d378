// The observability kit against a real Prometheus (Debian's `prometheus`):
// `spillway serve` (extender, autoscaler, webhook, admin) runs against the
// embedded API server under load — extender requests (some malformed), pods
// admitted through the webhook, two ECI pods filling a 2-pod ECI quota, an
// Unschedulable pod the full quota keeps from being rescued, an
// ElasticWorkload — while Prometheus scrapes it every second and evaluates
// deploy/observability's rules. Then every dashboard panel's query and every
// alert's expression is evaluated through Prometheus' HTTP API, and
// `promtool check rules` / `promtool check metrics` judge the rule file and
// the live /metrics text.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "boost/json.hpp"
#include "common/http/client.h"
#include "common/testing/binary_cluster.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace spillway {
namespace {

namespace json = boost::json;
using ::spillway::testing::CommandResult;
using ::spillway::testing::Process;
using ::spillway::testing::RunCommand;
using ::testing::HasSubstr;

// With testing::kEcsAndVirtualNode.
constexpr char kCluster[] = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: eci-profile, namespace: kube-system}
data:
  selectors: '[{"name": "offline", "objectSelector": {"matchLabels": {"type": "offline-task"}}}]'
)";

// Pods created once the webhook is registered: two on the virtual node (the
// 2-pod quota is then full) and one kube-scheduler could not place.
constexpr char kPods[] = R"(apiVersion: v1
kind: Pod
metadata: {name: eci-1, namespace: default, labels: {type: offline-task}}
spec: {nodeName: virtual-kubelet-cn-hangzhou-j, containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: eci-2, namespace: default, labels: {alibabacloud.com/eci: "true"}}
spec: {nodeName: virtual-kubelet-cn-hangzhou-j, containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: hungry, namespace: default}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "8"}}}]}
)";

constexpr char kConfig[] = "eciQuota:\n  cluster: {pods: 2}\n";

// What each alert's expression returns under this test's load. nullopt:
// either, by design (a latency threshold that depends on this machine's
// load); its metrics are still checked to exist.
const std::map<std::string, std::optional<bool>>& AlertExpectations() {
  static const auto* const kExpectations = new std::map<std::string, std::optional<bool>>{
      {"SpillwayAbsent", false},                  // Spillway is scraped.
      {"SpillwayExtenderErrors", true},           // The test sends malformed requests.
      {"SpillwayHttpServerErrors", false},        // Nothing is shed.
      {"SpillwayExtenderLatencyHigh", std::nullopt},
      {"SpillwayNoLeader", false},                // The one replica leads.
      {"SpillwayRescueFailures", true},           // hungry: outcome quota.
      {"SpillwayEciQuotaNearCap", true},          // 2 of 2 pods.
      {"SpillwayEciProfileRejected", false},      // The profile parses.
      {"SpillwayCertificateExpiringSoon", false}, // testdata/pki is valid for years.
  };
  return *kExpectations;
}

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string FormEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += absl::StrCat("%", absl::BytesToHexString(std::string(1, static_cast<char>(c))));
    }
  }
  return out;
}

// The metric names an expression reads (spillway_* and process_*), as
// written (a histogram's _bucket series included).
std::set<std::string> MetricNames(const std::string& expr) {
  std::set<std::string> names;
  for (size_t at = 0; at < expr.size(); ++at) {
    if (at > 0 && (absl::ascii_isalnum(expr[at - 1]) || expr[at - 1] == '_')) continue;
    const absl::string_view rest = absl::string_view(expr).substr(at);
    if (!absl::StartsWith(rest, "spillway_") && !absl::StartsWith(rest, "process_") &&
        !absl::StartsWith(rest, "workqueue_") && !absl::StartsWith(rest, "rest_client_")) {
      continue;
    }
    size_t end = at;
    while (end < expr.size() && (absl::ascii_islower(expr[end]) || expr[end] == '_')) ++end;
    names.insert(expr.substr(at, end - at));
    at = end;
  }
  return names;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = std::getenv("TEST_TMPDIR");
    cluster_ = testing::BinaryCluster::Start(tmp_);
    ASSERT_NE(cluster_, nullptr);
    ASSERT_EQ(Apply(absl::StrCat(testing::kEcsAndVirtualNode, "---\n", kCluster)).exit_code, 0);
    ASSERT_EQ(cluster_->Kubectl("apply -f " + testing::RunfilePath("deploy/elasticworkload-crd.yaml")).exit_code, 0);
    ASSERT_EQ(cluster_->Kubectl("apply -f " + testing::RunfilePath("testdata/elasticworkload/sample.yaml")).exit_code,
              0);
    StartSpillway();
  }

  CommandResult Apply(const std::string& yaml) {
    const std::string path = absl::StrCat(tmp_, "/applied-", applied_++, ".yaml");
    std::ofstream(path) << yaml;
    CommandResult result = cluster_->Kubectl("apply -f " + path);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result;
  }

  void StartSpillway();
  void SendExtenderLoad();
  void StartPrometheus();
  // The result array of an instant query; fails the test on an API error.
  json::array Query(const std::string& expr);

  std::string tmp_;
  int applied_ = 0;
  std::unique_ptr<testing::BinaryCluster> cluster_;
  std::unique_ptr<Process> serve_;
  std::unique_ptr<http::Client> main_;
  std::unique_ptr<http::Client> metrics_;
  int metrics_port_ = 0;
  std::unique_ptr<Process> prometheus_;
  std::unique_ptr<http::Client> prometheus_client_;
  YAML::Node rules_;
};

void ObservabilityTest::StartSpillway() {
  const std::string certs = testing::BinaryCluster::StageWebhookCertificates(tmp_);
  ASSERT_FALSE(certs.empty());
  const std::string config = absl::StrCat(tmp_, "/spillway.yaml");
  std::ofstream(config) << kConfig;
  serve_ = std::make_unique<Process>(std::vector<std::string>{
      testing::RunfilePath("spillway"), "serve", "--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
      "--components=extender,autoscaler,webhook,admin", "--admin-listen=127.0.0.1:0", "--webhook-listen=127.0.0.1:0",
      "--webhook-cert-dir=" + certs, "--config=" + config, "--kubeconfig=" + cluster_->kubeconfig()});
  int main_port = 0, webhook_port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(serve_->WaitForLine("spillway: listening on port "), &main_port));
  ASSERT_TRUE(absl::SimpleAtoi(serve_->WaitForLine("spillway: webhook on port "), &webhook_port));
  ASSERT_TRUE(absl::SimpleAtoi(serve_->WaitForLine("spillway: metrics on port "), &metrics_port_));
  http::ClientOptions options;
  options.port = static_cast<uint16_t>(main_port);
  main_ = std::make_unique<http::Client>(options);
  options.port = static_cast<uint16_t>(metrics_port_);
  metrics_ = std::make_unique<http::Client>(options);
  for (int i = 0; i < 500; ++i) {
    absl::StatusOr<http::ClientResponse> ready = metrics_->Get("/readyz");
    if (ready.ok() && ready->status == 200) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  CommandResult registered = cluster_->RegisterPodWebhook(webhook_port, /*timeout_seconds=*/5);
  ASSERT_EQ(registered.exit_code, 0) << registered.output;
}

void ObservabilityTest::SendExtenderLoad() {
  const std::string filter = testing::ReadRunfile("testdata/extender/filter_full_request.json");
  const std::string names = testing::ReadRunfile("testdata/extender/filter_names_request.json");
  for (int i = 0; i < 20; ++i) {
    for (const auto& [verb, body] : std::vector<std::pair<std::string, std::string>>{
             {"filter", filter}, {"filter", names}, {"prioritize", filter}, {"prioritize", "{not json"}}) {
      absl::StatusOr<http::ClientResponse> answer = main_->Post("/extender/" + verb, body);
      ASSERT_TRUE(answer.ok()) << answer.status();
    }
  }
}

void ObservabilityTest::StartPrometheus() {
  // The PrometheusRule's spec is a rule file as it stands.
  const YAML::Node rule = YAML::LoadFile(testing::RunfilePath("deploy/observability/prometheusrule.yaml"));
  rules_ = rule["spec"];
  const std::string rules_path = absl::StrCat(tmp_, "/rules.yml");
  {
    YAML::Emitter out;
    out << rules_;
    std::ofstream(rules_path) << out.c_str() << "\n";
  }
  CommandResult checked = RunCommand("promtool check rules " + rules_path + " 2>&1");
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_THAT(checked.output, HasSubstr("SUCCESS: 9 rules found"));
  const uint16_t port = FreePort();
  const std::string config = absl::StrCat(tmp_, "/prometheus.yml");
  std::ofstream(config) << absl::StrCat("global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: [",
                                        rules_path, "]\nscrape_configs:\n- job_name: spillway\n  static_configs:\n",
                                        "  - targets: ['127.0.0.1:", metrics_port_, "']\n");
  prometheus_ = std::make_unique<Process>(std::vector<std::string>{
      "/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + tmp_ + "/tsdb",
      absl::StrCat("--web.listen-address=127.0.0.1:", port)});
  http::ClientOptions options;
  options.port = port;
  prometheus_client_ = std::make_unique<http::Client>(options);
}

json::array ObservabilityTest::Query(const std::string& expr) {
  absl::StatusOr<http::ClientResponse> answer = prometheus_client_->Send(
      "POST", "/api/v1/query", "query=" + FormEncode(expr), "application/x-www-form-urlencoded");
  if (!answer.ok()) {
    ADD_FAILURE() << expr << ": " << answer.status();
    return {};
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(answer->body, ec);
  if (ec || answer->status != 200 || !parsed.is_object()) {
    ADD_FAILURE() << expr << ": HTTP " << answer->status << " " << answer->body;
    return {};
  }
  const json::value* result = parsed.get_object().if_contains("data");
  if (result == nullptr || !result->is_object() || !result->get_object().contains("result")) return {};
  return result->get_object().at("result").as_array();
}

TEST_F(ObservabilityTest, EveryPanelAndAlertEvaluatesAgainstARealPrometheus) {
  StartPrometheus();
  for (int i = 0; i < 600; ++i) {
    absl::StatusOr<http::ClientResponse> ready = prometheus_client_->Get("/-/ready");
    if (ready.ok() && ready->status == 200) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  // Prometheus sees the counters at 0 first, as it would from start-up, then
  // the events: pods admitted, the quota filled, a rescue the quota refuses.
  for (int i = 0; i < 120 && Query("count_over_time(up{job=\"spillway\"}[1m]) >= 3").empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(250));
  }
  Apply(kPods);
  ASSERT_EQ(cluster_->Kubectl(
                    "patch pod hungry -n default --subresource=status --type=merge -p "
                    "'{\"status\":{\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":"
                    "\"Unschedulable\",\"message\":\"0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had "
                    "untolerated taint {virtual-kubelet.io/provider: alibabacloud}.\"}]}}'")
                .exit_code,
            0);
  // Enough scrapes for rate() over the panels' window, with load between them.
  for (int i = 0; i < 120 && Query("count_over_time(up{job=\"spillway\"}[1m]) >= 10").empty(); ++i) {
    if (i % 4 == 0) SendExtenderLoad();
    absl::SleepFor(absl::Milliseconds(250));
  }
  ASSERT_FALSE(Query("count_over_time(up{job=\"spillway\"}[1m]) >= 10").empty()) << "Prometheus did not scrape";
  SendExtenderLoad();
  absl::SleepFor(absl::Seconds(2));

  // Every panel returns data. Grafana's $__rate_interval becomes 30s here (8+
  // scrapes a second apart); a histogram quantile over a window without
  // observations is NaN — a series, so data.
  const json::value dashboard =
      json::parse(testing::ReadRunfile("deploy/observability/spillway-dashboard.json"));
  int panels = 0;
  for (const json::value& panel : dashboard.at("panels").as_array()) {
    if (panel.at("type").as_string() == "row") continue;
    ++panels;
    for (const json::value& target : panel.at("targets").as_array()) {
      // Grafana's "All" of each variable is ".*", which also matches a
      // series without that label (this Prometheus adds no namespace).
      const std::string expr = absl::StrReplaceAll(
          std::string(target.at("expr").as_string()),
          {{"$__rate_interval", "30s"}, {"$namespace", ".*"}, {"$job", ".*"}, {"$instance", ".*"}});
      const json::array series = Query(expr);
      EXPECT_FALSE(series.empty()) << panel.at("title").as_string() << ": " << expr;
      // Readable at a glance: the HTTP panel drew 51 mostly-zero series.
      EXPECT_LE(series.size(), 20u) << panel.at("title").as_string() << ": " << expr;
    }
  }
  EXPECT_EQ(panels, 23);

  // Every alert: its metrics exist, and its expression returns what this load
  // makes it return.
  std::set<std::string> seen;
  for (const YAML::Node& rule : rules_["groups"][0]["rules"]) {
    const std::string alert = rule["alert"].as<std::string>();
    const std::string expr = rule["expr"].as<std::string>();
    seen.insert(alert);
    for (const std::string& metric : MetricNames(expr)) {
      EXPECT_FALSE(Query(absl::StrCat("count(", metric, ")")).empty()) << alert << " reads " << metric;
    }
    auto expected = AlertExpectations().find(alert);
    ASSERT_NE(expected, AlertExpectations().end()) << alert << " has no expectation in this test";
    if (expected->second.has_value()) {
      EXPECT_EQ(!Query(expr).empty(), *expected->second) << alert << ": " << expr;
    }
  }
  EXPECT_EQ(seen.size(), AlertExpectations().size());

  // Prometheus itself evaluated every rule without error.
  absl::StatusOr<http::ClientResponse> rules = prometheus_client_->Get("/api/v1/rules");
  ASSERT_TRUE(rules.ok()) << rules.status();
  const json::value parsed = json::parse(rules->body);
  int healthy = 0;
  for (const json::value& group : parsed.at("data").at("groups").as_array()) {
    for (const json::value& rule : group.at("rules").as_array()) {
      EXPECT_EQ(rule.at("health").as_string(), "ok") << rule.at("name").as_string() << ": " << rules->body;
      healthy += rule.at("health").as_string() == "ok" ? 1 : 0;
    }
  }
  EXPECT_EQ(healthy, 9);
}

TEST_F(ObservabilityTest, PromtoolAcceptsTheLiveMetrics) {
  SendExtenderLoad();
  absl::StatusOr<http::ClientResponse> scraped = metrics_->Get("/metrics");
  ASSERT_TRUE(scraped.ok()) << scraped.status();
  const std::string path = absl::StrCat(tmp_, "/metrics.txt");
  std::ofstream(path) << scraped->body;
  CommandResult checked = RunCommand("promtool check metrics < " + path + " 2>&1");
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_EQ(checked.output, "");  // Not even a lint warning.
  // Counters exist at 0 for every known label before anything happened.
  EXPECT_THAT(scraped->body, HasSubstr("spillway_autoscaler_rescues_total{outcome=\"quota\"} 0\n"));
  EXPECT_THAT(scraped->body, HasSubstr("spillway_autoscaler_stock_cool_downs_total{reason=\"NoStock\"} 0\n"));
  EXPECT_THAT(scraped->body,
              HasSubstr("spillway_autoscaler_reconciles_total{controller=\"stock\",outcome=\"error\"} 0\n"));
  EXPECT_THAT(scraped->body, HasSubstr("spillway_webhook_admissions_total{outcome=\"denied\"} 0\n"));
  EXPECT_THAT(scraped->body, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(scraped->body, HasSubstr("\nprocess_open_fds "));
}

// Issue 23.4: `promtool test rules` runs alerts_test.yaml's cases, which make
// every alert fire where it should and stay quiet where it should not — an
// extender-only install (no autoscaler Lease) fires nothing; SpillwayNoLeader
// used to fire there as a false critical. The cases state labels and the
// rendered summary; the static annotations (description, runbook_url) are
// filled in from the rule, as promtool compares every annotation.
TEST(ObservabilityAlertsTest, PromtoolTestRulesCoverEveryAlert) {
  const std::string tmp = std::getenv("TEST_TMPDIR");
  const YAML::Node spec = YAML::LoadFile(testing::RunfilePath("deploy/observability/prometheusrule.yaml"))["spec"];
  std::map<std::string, YAML::Node> rules;
  for (const YAML::Node& rule : spec["groups"][0]["rules"]) rules[rule["alert"].as<std::string>()] = rule;
  YAML::Node cases = YAML::LoadFile(testing::RunfilePath("deploy/observability/alerts_test.yaml"));
  std::map<std::string, std::pair<int, int>> fired_quiet;  // Per alert: cases expecting it, cases expecting none.
  for (YAML::Node test : cases["tests"]) {
    for (YAML::Node check : test["alert_rule_test"]) {
      const std::string alert = check["alertname"].as<std::string>();
      ASSERT_EQ(rules.count(alert), 1u) << "alerts_test.yaml tests an unknown alert " << alert;
      YAML::Node expected = check["exp_alerts"];
      (expected.size() == 0 ? fired_quiet[alert].second : fired_quiet[alert].first) += 1;
      for (YAML::Node one : expected) {
        for (const auto& annotation : rules[alert]["annotations"]) {
          const std::string key = annotation.first.as<std::string>();
          if (key != "summary") one["exp_annotations"][key] = annotation.second.as<std::string>();
        }
      }
    }
  }
  for (const auto& [alert, rule] : rules) {
    EXPECT_GE(fired_quiet[alert].first, 1) << alert << " has no case where it fires";
    EXPECT_GE(fired_quiet[alert].second, 1) << alert << " has no case where it stays quiet";
  }
  auto write = [&](const std::string& name, const YAML::Node& node) {
    YAML::Emitter out;
    out << node;
    std::ofstream(absl::StrCat(tmp, "/", name)) << out.c_str() << "\n";
  };
  write("rules.yml", spec);
  write("alerts_test.yaml", cases);
  CommandResult tested = RunCommand(absl::StrCat("cd ", tmp, " && promtool test rules alerts_test.yaml 2>&1"));
  EXPECT_EQ(tested.exit_code, 0) << tested.output;
  EXPECT_THAT(tested.output, HasSubstr("SUCCESS"));
}

// Every alert links to its section of docs/runbook.md, at this release's tag.
TEST(ObservabilityAlertsTest, EveryAlertHasARunbookSection) {
  const std::string version(absl::StripAsciiWhitespace(testing::ReadRunfile("VERSION")));
  const std::string runbook = testing::ReadRunfile("docs/runbook.md");
  const YAML::Node spec = YAML::LoadFile(testing::RunfilePath("deploy/observability/prometheusrule.yaml"))["spec"];
  int alerts = 0;
  for (const YAML::Node& rule : spec["groups"][0]["rules"]) {
    const std::string alert = rule["alert"].as<std::string>();
    ++alerts;
    EXPECT_EQ(rule["annotations"]["runbook_url"].as<std::string>(""),
              absl::StrCat("https://github.com/spillway/spillway/blob/v", version, "/docs/runbook.md#",
                           absl::AsciiStrToLower(alert)))
        << alert;
    EXPECT_THAT(runbook, HasSubstr(absl::StrCat("\n## ", alert, "\n"))) << alert << " has no section in docs/runbook.md";
  }
  EXPECT_EQ(alerts, 9);
}

// `kubectl apply -k deploy/observability/` renders the ServiceMonitor, the
// PrometheusRule and the dashboard ConfigMap Grafana's sidecar picks up.
TEST(ObservabilityKustomizationTest, RendersTheThreeObjects) {
  const std::string dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/observability");
  // kustomize refuses symlinked files (runfiles are symlinks): copy them.
  ASSERT_EQ(RunCommand(absl::StrCat("mkdir -p ", dir, " && cp -L ",
                                    testing::RunfilePath("deploy/observability"), "/* ", dir))
                .exit_code,
            0);
  CommandResult rendered = RunCommand("HOME=" + dir + " /usr/bin/kubectl kustomize " + dir + " 2>&1");
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  std::vector<std::string> objects;
  for (const YAML::Node& doc : YAML::LoadAll(rendered.output)) {
    objects.push_back(absl::StrCat(doc["kind"].as<std::string>(), " ", doc["metadata"]["namespace"].as<std::string>(),
                                   "/", doc["metadata"]["name"].as<std::string>()));
    if (doc["kind"].as<std::string>() == "ConfigMap") {
      EXPECT_EQ(doc["metadata"]["labels"]["grafana_dashboard"].as<std::string>(), "1");
      EXPECT_EQ(doc["data"]["spillway-dashboard.json"].as<std::string>(),
                testing::ReadRunfile("deploy/observability/spillway-dashboard.json"));
    }
  }
  EXPECT_THAT(objects, ::testing::ElementsAre("ConfigMap kube-system/spillway-dashboard",
                                              "PrometheusRule kube-system/spillway",
                                              "ServiceMonitor kube-system/spillway"));
}

// The dashboard lays out as Grafana would draw it: unique panel ids, every
// panel inside the 24-column grid and none overlapping another, every query
// on the dashboard's data source variable.
TEST(ObservabilityKustomizationTest, TheDashboardLaysOutWithoutOverlaps) {
  const json::value dashboard = json::parse(testing::ReadRunfile("deploy/observability/spillway-dashboard.json"));
  std::set<int64_t> ids;
  std::vector<std::array<int64_t, 4>> boxes;  // x, y, w, h
  for (const json::value& panel : dashboard.at("panels").as_array()) {
    const std::string title(panel.at("title").as_string());
    EXPECT_TRUE(ids.insert(panel.at("id").as_int64()).second) << title << ": duplicate id";
    const json::object& grid = panel.at("gridPos").as_object();
    const std::array<int64_t, 4> box = {grid.at("x").as_int64(), grid.at("y").as_int64(), grid.at("w").as_int64(),
                                        grid.at("h").as_int64()};
    EXPECT_LE(box[0] + box[2], 24) << title;
    for (const auto& other : boxes) {
      const bool apart = box[0] >= other[0] + other[2] || other[0] >= box[0] + box[2] ||
                         box[1] >= other[1] + other[3] || other[1] >= box[1] + box[3];
      EXPECT_TRUE(apart) << title << " overlaps another panel";
    }
    boxes.push_back(box);
    if (panel.at("type").as_string() == "row") continue;
    EXPECT_EQ(panel.at("datasource").at("uid").as_string(), "${datasource}") << title;
    for (const json::value& target : panel.at("targets").as_array()) {
      EXPECT_EQ(target.at("datasource").at("uid").as_string(), "${datasource}") << title;
    }
  }
  // Variables: the data source, then namespace, job and instance (each with
  // All as ".*"); every metric a panel reads is scoped by them (the
  // ElasticWorkload panel by job and instance: its series carry the
  // workload's namespace).
  std::vector<std::string> variables;
  for (const json::value& variable : dashboard.at("templating").at("list").as_array()) {
    variables.emplace_back(variable.at("name").as_string());
    if (variable.at("type").as_string() == "query") {
      EXPECT_EQ(variable.at("allValue").as_string(), ".*") << variables.back();
      EXPECT_TRUE(variable.at("includeAll").as_bool()) << variables.back();
    }
  }
  EXPECT_EQ(variables, (std::vector<std::string>{"datasource", "namespace", "job", "instance"}));
  EXPECT_EQ(dashboard.at("templating").at("list").at(0).at("type").as_string(), "datasource");
  for (const json::value& panel : dashboard.at("panels").as_array()) {
    if (panel.at("type").as_string() == "row") continue;
    const std::string title(panel.at("title").as_string());
    EXPECT_GE(panel.at("description").as_string().size(), 20u) << title << " has no description";
    for (const json::value& target : panel.at("targets").as_array()) {
      const std::string expr(target.at("expr").as_string());
      const std::string scope = absl::StartsWith(title, "ElasticWorkload")
                                    ? R"(job=~"$job", instance=~"$instance"})"
                                    : R"(namespace=~"$namespace", job=~"$job", instance=~"$instance"})";
      for (const std::string& metric : MetricNames(expr)) {
        EXPECT_THAT(expr, HasSubstr(metric + "{")) << title << ": " << metric << " is not scoped";
      }
      EXPECT_THAT(expr, HasSubstr(scope)) << title;
    }
  }
}

// The ServiceMonitor finds deploy/spillway.yaml's metrics Service, whose port
// leads to the container port serving /metrics.
TEST(ObservabilityKustomizationTest, TheServiceMonitorSelectsTheMetricsService) {
  const YAML::Node monitor = YAML::LoadFile(testing::RunfilePath("deploy/observability/servicemonitor.yaml"));
  const std::string port = monitor["spec"]["endpoints"][0]["port"].as<std::string>();
  std::vector<std::string> selected;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    if (doc["kind"].as<std::string>() != "Service") continue;
    const YAML::Node labels = doc["metadata"]["labels"];
    bool matches = labels.IsDefined() && labels.IsMap();
    for (const auto& label : monitor["spec"]["selector"]["matchLabels"]) {
      if (!matches) break;
      const YAML::Node value = labels[label.first.as<std::string>()];
      matches = matches && value.IsDefined() && value.as<std::string>() == label.second.as<std::string>();
    }
    if (!matches) continue;
    selected.push_back(doc["metadata"]["name"].as<std::string>());
    bool has_port = false;
    for (const YAML::Node& p : doc["spec"]["ports"]) {
      has_port = has_port || (p["name"].as<std::string>() == port && p["targetPort"].as<std::string>() == "metrics");
    }
    EXPECT_TRUE(has_port) << "Service " << selected.back() << " lacks port " << port;
  }
  EXPECT_THAT(selected, ::testing::ElementsAre("spillway-metrics"));
}

}  // namespace
}  // namespace spillway
