// Load driver for the admission webhook: AdmissionReviews of a realistic
// Deployment pod (testdata/webhook/deployment_pod_profile.json, padded with
// env vars to ~5 KB) over one TLS keep-alive connection, as kube-apiserver
// calls a webhook, with an eci-profile of --selectors selectors (the matching
// one last, so every admission walks them all). Prints p50/p99 latency and
// admissions/s.
//
//   bazel build //bench:webhook_load && bazel-bin/bench/webhook_load --requests=20000
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/flags.h"
#include "bench/stats.h"
#include "boost/json.hpp"
#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/testing/testdata.h"
#include "glog/logging.h"
#include "prometheus/registry.h"
#include "webhook/webhook_service.h"

namespace {

std::string Profile(int selectors) {
  std::string text = "[";
  for (int i = 0; i + 1 < selectors; ++i) {
    absl::StrAppend(&text, i ? "," : "", R"({"name": "team-)", i,
                    R"(", "namespaceSelector": {"matchLabels": {"team": "t)", i,
                    R"("}}, "objectSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["batch", "offline"]}]},)",
                    R"( "effect": {"annotations": {"k8s.aliyun.com/eci-image-cache": "true"}}})");
  }
  absl::StrAppend(&text, selectors > 1 ? "," : "",
                  R"({"name": "offline", "objectSelector": {"matchLabels": {"type": "offline-task"}},)",
                  R"( "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"}, "labels": {"created-by-eci": "true"}}}])");
  return text;
}

// The seed review with its pod padded to about `bytes`.
std::string Review(size_t bytes) {
  boost::json::value review =
      boost::json::parse(spillway::testing::ReadRunfile("testdata/webhook/deployment_pod_profile.json"));
  boost::json::array& env = review.at("request").at("object").at("spec").at("containers").at(0).at("env").as_array();
  for (int i = 0; boost::json::serialize(review).size() < bytes; ++i) {
    env.push_back(boost::json::object{{"name", absl::StrCat("FEATURE_FLAG_", i)},
                                      {"value", "enabled-for-canary-and-production-traffic"}});
  }
  return boost::json::serialize(review);
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 1;
  google::InitGoogleLogging(argv[0]);
  int requests = 20000;
  int warmup = 500;
  int selectors = 30;
  int bytes = 5000;
  spillway::app::FlagSet flags("webhook_load [flags]", "Admission webhook latency and throughput.");
  flags.Int("requests", &requests, 1, 10000000, "Measured admissions");
  flags.Int("warmup", &warmup, 0, 10000000, "Unmeasured admissions first");
  flags.Int("selectors", &selectors, 1, 1000, "eci-profile selectors (the matching one last)");
  flags.Int("bytes", &bytes, 100, 10 << 20, "AdmissionReview size to pad the pod to");
  if (std::optional<int> exit_code = spillway::app::ParseCommandLine(flags, argc, argv)) return *exit_code;

  spillway::burst::VirtualNodeRule rule;
  spillway::burst::EciProfileStore store;
  spillway::kube::StringMap data;
  data.Set("selectors", Profile(selectors));
  store.Set(std::make_shared<const spillway::burst::EciProfile>(*spillway::burst::ParseEciProfile(data)));
  spillway::burst::IntentResolver resolver(rule);
  resolver.AddSource(std::make_unique<spillway::burst::ProfileSource>(store));
  auto shop = std::make_shared<spillway::kube::Namespace>();
  shop->metadata.name = "shop";
  shop->metadata.labels.Set("team", "shop");
  prometheus::Registry registry;
  spillway::webhook::WebhookService service(resolver, rule, store,
                                            [shop](const std::string&) { return shop; }, registry);
  spillway::http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.tls_cert_file = spillway::testing::RunfilePath("testdata/pki/server.crt");
  server_options.tls_key_file = spillway::testing::RunfilePath("testdata/pki/server.key");
  auto server = spillway::http::Server::Start(
      server_options, [&service](spillway::http::Request& request) { return service.Handle(request); });
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  spillway::http::ClientOptions client_options;
  client_options.port = (*server)->port();
  client_options.tls = true;
  client_options.ca_file = spillway::testing::RunfilePath("testdata/pki/ca.crt");
  spillway::http::Client client(client_options);
  const std::string body = Review(static_cast<size_t>(bytes));
  size_t response_bytes = 0;
  for (int i = 0; i < warmup; ++i) {
    auto response = client.Post(spillway::webhook::kMutatePodsPath, body);
    if (!response.ok() || response->status != 200 || response->body.find("JSONPatch") == std::string::npos) {
      std::fprintf(stderr, "warm-up admission failed: %s\n",
                   response.ok() ? response->body.c_str() : response.status().ToString().c_str());
      return 1;
    }
    response_bytes = response->body.size();
  }
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::vector<double>> measured = spillway::bench::MeasureMilliseconds(requests, [&] {
    auto response = client.Post(spillway::webhook::kMutatePodsPath, body);
    return response.ok() && response->status == 200;
  });
  if (!measured.has_value()) {
    std::fprintf(stderr, "an admission failed\n");
    return 1;
  }
  const std::vector<double>& latencies_ms = *measured;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("webhook TLS keep-alive: review=%zu B response=%zu B selectors=%d admissions=%d  "
              "p50=%.3f ms  p99=%.3f ms  %.0f admissions/s\n",
              body.size(), response_bytes, selectors, requests, spillway::bench::Percentile(latencies_ms, 0.50),
              spillway::bench::Percentile(latencies_ms, 0.99), static_cast<double>(requests) / seconds);
  return 0;
}
