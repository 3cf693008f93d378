// End-to-end tests of the extender: real HTTP to a running `spillway serve`
// (in-process, port 0), request bodies shaped exactly like kube-scheduler's
// (fixtures under testdata/extender/), every burst-policy rule, bad input, and
// the metrics that count it all.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "app/config_loader.h"
#include "app/serve_app.h"
#include "common/http/client.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace spillway::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kEcsA[] = "cn-hangzhou.192.168.0.10";
constexpr char kEcsB[] = "cn-hangzhou.192.168.0.11";
constexpr char kVirtual[] = "virtual-kubelet-cn-hangzhou-j";

std::string Fixture(const std::string& name) {
  return std::string(absl::StripAsciiWhitespace(
      testing::ReadRunfile(absl::StrCat("testdata/extender/", name, ".json"))));
}

// ExtenderArgs as kube-scheduler marshals it for nodeCacheCapable: false.
std::string FullRequest(const std::string& pod, const std::vector<std::string>& nodes) {
  std::vector<std::string> items;
  for (const std::string& node : nodes) items.push_back(Fixture(node));
  return absl::StrCat(R"({"Pod":)", Fixture(pod), R"(,"Nodes":{"metadata":{},"items":[)",
                      absl::StrJoin(items, ","), R"(]},"NodeNames":null})");
}

// ExtenderArgs for nodeCacheCapable: true.
std::string NamesRequest(const std::string& pod, const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& name : names) quoted.push_back(absl::StrCat("\"", name, "\""));
  return absl::StrCat(R"({"Pod":)", Fixture(pod), R"(,"Nodes":null,"NodeNames":[)",
                      absl::StrJoin(quoted, ","), "]}");
}

// ExtenderFilterResult, parsed back.
struct Filtered {
  std::vector<std::string> passed;            // Node names (from objects or names).
  std::vector<std::string> passed_raw;        // Raw Node objects (full mode).
  std::map<std::string, std::string> failed;  // FailedNodes.
  std::map<std::string, std::string> unresolvable;
  std::string error;
};

Filtered ParseFilterResult(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(body);
  Filtered out;
  simdjson::dom::element nodes = root["Nodes"];
  if (!nodes.is_null()) {
    for (simdjson::dom::element item : nodes["items"].get_array()) {
      out.passed.emplace_back(std::string_view(item["metadata"]["name"]));
      out.passed_raw.push_back(simdjson::minify(item));
    }
  }
  simdjson::dom::element names = root["NodeNames"];
  if (!names.is_null()) {
    for (simdjson::dom::element name : names.get_array()) {
      out.passed.emplace_back(std::string_view(name));
    }
  }
  for (auto [key, value] : root["FailedNodes"].get_object()) {
    out.failed[std::string(key)] = std::string(std::string_view(value));
  }
  for (auto [key, value] : root["FailedAndUnresolvableNodes"].get_object()) {
    out.unresolvable[std::string(key)] = std::string(std::string_view(value));
  }
  out.error = std::string(std::string_view(root["Error"]));
  return out;
}

class ExtenderE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(config::SpillwayConfig()); }

  void Start(const config::SpillwayConfig& config, const ClusterView* view = nullptr) {
    app_.reset();
    app::ServeOptions options;
    options.listen = "127.0.0.1:0";
    options.cluster_view = view;
    absl::StatusOr<std::unique_ptr<app::ServeApp>> app = app::ServeApp::Start(options, config);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = std::move(*app);
    http::ClientOptions client_options;
    client_options.port = app_->port();
    client_ = std::make_unique<http::Client>(client_options);
  }

  http::ClientResponse Post(const std::string& verb, const std::string& body) {
    absl::StatusOr<http::ClientResponse> response = client_->Post("/extender/" + verb, body);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::ClientResponse{};
  }

  Filtered Filter(const std::string& body) {
    http::ClientResponse response = Post("filter", body);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    return ParseFilterResult(response.body);
  }

  std::map<std::string, int64_t> Prioritize(const std::string& body) {
    http::ClientResponse response = Post("prioritize", body);
    EXPECT_EQ(response.status, 200) << response.body;
    simdjson::dom::parser parser;
    std::map<std::string, int64_t> scores;
    for (simdjson::dom::element entry : parser.parse(response.body).get_array()) {
      scores[std::string(std::string_view(entry["Host"]))] = int64_t(entry["Score"]);
    }
    return scores;
  }

  std::string Metrics() {
    absl::StatusOr<http::ClientResponse> response = client_->Get("/metrics");
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->body : "";
  }

  void ExpectServing() {
    absl::StatusOr<http::ClientResponse> response = client_->Get("/healthz");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
  }

  std::unique_ptr<app::ServeApp> app_;
  std::unique_ptr<http::Client> client_;
};

TEST_F(ExtenderE2eTest, BurstPodUsesRegularNodesWhileAnyIsACandidate) {
  Filtered result = Filter(FullRequest("pod_burst", {"node_ecs_a", "node_ecs_b", "node_virtual"}));
  EXPECT_THAT(result.passed, ElementsAre(kEcsA, kEcsB));
  EXPECT_THAT(result.failed,
              ElementsAre(Pair(kVirtual, "virtual node: burst-resource: eci uses regular nodes "
                                         "first and 2 regular node(s) can still take the pod")));
  EXPECT_THAT(result.unresolvable, IsEmpty());
  EXPECT_EQ(result.error, "");
}

TEST_F(ExtenderE2eTest, PassingNodesComeBackByteForByte) {
  Filtered result = Filter(FullRequest("pod_burst", {"node_ecs_a", "node_virtual"}));
  simdjson::dom::parser parser;
  ASSERT_EQ(result.passed_raw.size(), 1u);
  EXPECT_EQ(result.passed_raw[0], simdjson::minify(parser.parse(Fixture("node_ecs_a"))));
}

TEST_F(ExtenderE2eTest, BurstPodGoesToVirtualNodesOnceRegularNodesAreFull) {
  // kube-scheduler's own filters removed the full regular nodes.
  Filtered result = Filter(FullRequest("pod_burst", {"node_virtual"}));
  EXPECT_THAT(result.passed, ElementsAre(kVirtual));
  EXPECT_THAT(result.failed, IsEmpty());
  EXPECT_THAT(result.unresolvable, IsEmpty());
}

TEST_F(ExtenderE2eTest, EveryWayOfAskingForEciOnlyExcludesRegularNodes) {
  const std::map<std::string, std::string> reasons = {
      {"pod_eci_label", "pod label alibabacloud.com/eci=true"},
      {"pod_legacy_eci_label", "pod label eci=true"},
      {"pod_eci_only_annotation", "annotation alibabacloud.com/burst-resource=eci_only"},
      {"pod_virtual_node_selector", "a nodeSelector for virtual nodes"},
  };
  for (const auto& [pod, reason] : reasons) {
    Filtered result = Filter(FullRequest(pod, {"node_ecs_a", "node_virtual"}));
    EXPECT_THAT(result.passed, ElementsAre(kVirtual)) << pod;
    EXPECT_THAT(result.failed, IsEmpty()) << pod;
    EXPECT_THAT(result.unresolvable,
                ElementsAre(Pair(kEcsA, "regular node: pod runs on elastic container instances "
                                        "only (" + reason + ")")))
        << pod;
  }
}

// Issue 22.2: an Arm virtual node labelled kubernetes.io/arch: arm64 (here
// without ACK's kubernetes.io/arch=arm64 taint) passed an
// alibabacloud.com/eci=true pod with score 10; pods go to x86 virtual nodes
// unless they choose.
TEST_F(ExtenderE2eTest, PodsGoToX86VirtualNodesUnlessTheyChoose) {
  constexpr char kArm[] = "virtual-kubelet-cn-hangzhou-j-arm64";
  for (const std::string pod : {"pod_eci_label", "pod_eci_only_annotation", "pod_virtual_node_selector"}) {
    Filtered result = Filter(FullRequest(pod, {"node_virtual", "node_virtual_arm"}));
    EXPECT_THAT(result.passed, ElementsAre(kVirtual)) << pod;
    EXPECT_THAT(result.unresolvable,
                ElementsAre(Pair(kArm, "virtual node: its architecture is arm64; pods sent to ECI run on x86 "
                                       "(amd64) virtual nodes unless they choose an architecture (e.g. "
                                       "nodeSelector kubernetes.io/arch: arm64)")))
        << pod;
    EXPECT_THAT(Prioritize(FullRequest(pod, {"node_virtual", "node_virtual_arm"})),
                ElementsAre(Pair(kVirtual, 10), Pair(kArm, 0)))
        << pod;
  }
  Filtered burst = Filter(FullRequest("pod_burst", {"node_virtual", "node_virtual_arm"}));
  EXPECT_THAT(burst.passed, ElementsAre(kVirtual));
  EXPECT_THAT(burst.unresolvable, ElementsAre(Pair(kArm, HasSubstr("its architecture is arm64"))));
  // The same pod asking for arm64 itself keeps its choice.
  std::string arm_pod = Fixture("pod_eci_label");
  const size_t spec = arm_pod.find('{', arm_pod.find(R"("spec")"));
  ASSERT_NE(spec, std::string::npos);
  arm_pod.insert(spec + 1, R"("nodeSelector":{"kubernetes.io/arch":"arm64"},)");
  const std::string body = absl::StrCat(R"({"Pod":)", arm_pod, R"(,"Nodes":{"metadata":{},"items":[)",
                                        Fixture("node_virtual_arm"), R"(]},"NodeNames":null})");
  Filtered chosen = Filter(body);
  EXPECT_THAT(chosen.passed, ElementsAre(kArm));
  EXPECT_THAT(chosen.unresolvable, IsEmpty());
}

TEST_F(ExtenderE2eTest, PodsThatDidNotAskNeverReachVirtualNodes) {
  for (const char* pod : {"pod_none", "pod_ecs"}) {
    Filtered result = Filter(FullRequest(pod, {"node_ecs_a", "node_virtual"}));
    EXPECT_THAT(result.passed, ElementsAre(kEcsA)) << pod;
    ASSERT_EQ(result.unresolvable.count(kVirtual), 1u) << pod;
    EXPECT_THAT(result.unresolvable[kVirtual],
                HasSubstr("pod did not ask for elastic container instances"));
  }
  // Even when the virtual node is the only candidate left.
  Filtered alone = Filter(FullRequest("pod_none", {"node_virtual"}));
  EXPECT_THAT(alone.passed, IsEmpty());
  EXPECT_EQ(alone.unresolvable.count(kVirtual), 1u);
}

TEST_F(ExtenderE2eTest, UnknownBurstResourceValueIsShownOnEveryNode) {
  Filtered result = Filter(FullRequest("pod_bad_burst_value", {"node_ecs_a", "node_virtual"}));
  EXPECT_THAT(result.passed, IsEmpty());
  const std::string message =
      "pod default/web-typo has annotation alibabacloud.com/burst-resource=\"ECI-only\"; request "
      "type must be eci, eci_only or ecs";
  EXPECT_THAT(result.unresolvable, ElementsAre(Pair(kEcsA, message), Pair(kVirtual, message)));
}

TEST_F(ExtenderE2eTest, WhatEciCannotRunIsNamedInTheReason) {
  const std::map<std::string, std::string> offenders = {
      {"pod_burst_hostpath", "uses hostPath volume 'docker-sock'"},
      {"pod_burst_privileged", "runs privileged container 'debugger'"},
      {"pod_eci_hostnetwork", "uses hostNetwork"},
      {"pod_daemonset_eci", "belongs to DaemonSet 'fluentd'"},
  };
  for (const auto& [pod, offender] : offenders) {
    Filtered result = Filter(FullRequest(pod, {"node_virtual"}));
    EXPECT_THAT(result.passed, IsEmpty()) << pod;
    ASSERT_EQ(result.unresolvable.count(kVirtual), 1u) << pod;
    EXPECT_THAT(result.unresolvable[kVirtual], HasSubstr(offender)) << pod;
  }
  // A burst pod that ECI cannot run still uses regular nodes.
  Filtered result = Filter(FullRequest("pod_burst_hostpath", {"node_ecs_a", "node_virtual"}));
  EXPECT_THAT(result.passed, ElementsAre(kEcsA));
}

TEST_F(ExtenderE2eTest, NamesModeWithoutAStoreClassifiesByName) {
  Filtered result = Filter(testing::ReadRunfile("testdata/extender/filter_names_request.json"));
  EXPECT_THAT(result.passed, ElementsAre(kEcsA, kEcsB));
  EXPECT_THAT(result.failed, ElementsAre(Pair(kVirtual, HasSubstr("regular nodes first"))));
  EXPECT_TRUE(result.passed_raw.empty());
}

TEST_F(ExtenderE2eTest, NamesModeUsesTheClusterViewWhenThereIsOne) {
  kube::Node edge;
  edge.metadata.name = "edge-pool-1";  // Virtual by label, though not by name.
  edge.metadata.labels.Set("type", "virtual-kubelet");
  kube::Node regular;
  regular.metadata.name = "virtual-kubelet";  // Regular by labels despite its name.
  StaticClusterView view({edge, regular});
  Start(config::SpillwayConfig(), &view);
  Filtered result = Filter(NamesRequest("pod_eci_label", {"edge-pool-1", "virtual-kubelet"}));
  EXPECT_THAT(result.passed, ElementsAre("edge-pool-1"));
  EXPECT_THAT(result.unresolvable, ElementsAre(Pair("virtual-kubelet", HasSubstr("only"))));
}

TEST_F(ExtenderE2eTest, LowercaseKeysFromOlderConfigsWork) {
  Filtered result = Filter(absl::StrCat(R"({"pod":)", Fixture("pod_eci_label"),
                                        R"(,"nodes":null,"nodenames":[")", kEcsA, R"(",")",
                                        kVirtual, R"("]})"));
  EXPECT_THAT(result.passed, ElementsAre(kVirtual));
}

TEST_F(ExtenderE2eTest, PrioritizeScoresStayWithinZeroToTen) {
  const std::vector<std::string> nodes = {"node_ecs_a", "node_virtual"};
  EXPECT_THAT(Prioritize(FullRequest("pod_burst", nodes)),
              UnorderedElementsAre(Pair(kEcsA, 10), Pair(kVirtual, 1)));
  EXPECT_THAT(Prioritize(FullRequest("pod_eci_label", nodes)),
              UnorderedElementsAre(Pair(kEcsA, 0), Pair(kVirtual, 10)));
  EXPECT_THAT(Prioritize(FullRequest("pod_none", nodes)),
              UnorderedElementsAre(Pair(kEcsA, 10), Pair(kVirtual, 0)));
  EXPECT_THAT(Prioritize(NamesRequest("pod_burst", {kEcsA, kVirtual})),
              UnorderedElementsAre(Pair(kEcsA, 10), Pair(kVirtual, 1)));
}

TEST_F(ExtenderE2eTest, ConfiguredScoresAreUsed) {
  absl::StatusOr<config::SpillwayConfig> config = app::ParseConfig(
      "extender:\n  scores:\n    regularNode: 7\n    virtualNodeBurst: 3\n", "test");
  ASSERT_TRUE(config.ok()) << config.status();
  Start(*config);
  EXPECT_THAT(Prioritize(FullRequest("pod_burst", {"node_ecs_a", "node_virtual"})),
              UnorderedElementsAre(Pair(kEcsA, 7), Pair(kVirtual, 3)));
}

TEST_F(ExtenderE2eTest, PreemptionNeverEvictsRegularPodsForAnEciOnlyPod) {
  http::ClientResponse response =
      Post("preempt", testing::ReadRunfile("testdata/extender/preempt_request.json"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"NodeNameToMetaVictims":{"virtual-kubelet-cn-hangzhou-j":{"Pods":[{"UID":"victim-uid-vk"}],"NumPDBViolations":1}}})");
}

TEST_F(ExtenderE2eTest, PreemptionNeverTargetsVirtualNodesForAPodThatDidNotAsk) {
  http::ClientResponse response =
      Post("preempt", testing::ReadRunfile("testdata/extender/preempt_meta_request.json"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"NodeNameToMetaVictims":{"cn-hangzhou.192.168.0.10":{"Pods":[{"UID":"victim-uid-ecs"}],"NumPDBViolations":0}}})");
}

// NodeNameToMetaVictims with one victim on a regular and one on a virtual node.
std::string MetaPreemptRequest(const std::string& pod) {
  return absl::StrCat(R"({"Pod":)", Fixture(pod), R"(,"NodeNameToVictims":null,"NodeNameToMetaVictims":{")",
                      kEcsA, R"(":{"Pods":[{"UID":"u-ecs"}],"NumPDBViolations":0},")", kVirtual,
                      R"(":{"Pods":[{"UID":"u-vk"}],"NumPDBViolations":0}}})");
}

TEST_F(ExtenderE2eTest, PreemptionKeepsWhatABurstPodMayUse) {
  http::ClientResponse burst = Post("preempt", MetaPreemptRequest("pod_burst"));
  EXPECT_EQ(burst.body, absl::StrCat(R"({"NodeNameToMetaVictims":{")", kEcsA,
                                     R"(":{"Pods":[{"UID":"u-ecs"}],"NumPDBViolations":0},")",
                                     kVirtual, R"(":{"Pods":[{"UID":"u-vk"}],"NumPDBViolations":0}}})"));
  // ECI cannot run this one, so virtual nodes are no use to it.
  http::ClientResponse hostpath = Post("preempt", MetaPreemptRequest("pod_burst_hostpath"));
  EXPECT_EQ(hostpath.body, absl::StrCat(R"({"NodeNameToMetaVictims":{")", kEcsA,
                                        R"(":{"Pods":[{"UID":"u-ecs"}],"NumPDBViolations":0}}})"));
  // An invalid request evicts nothing anywhere.
  http::ClientResponse invalid = Post("preempt", MetaPreemptRequest("pod_bad_burst_value"));
  EXPECT_EQ(invalid.body, R"({"NodeNameToMetaVictims":{}})");
  EXPECT_THAT(Metrics(), HasSubstr(
      R"(spillway_extender_node_decisions_total{outcome="dropped",verb="preempt"} 3)"));
}

TEST_F(ExtenderE2eTest, BadFilterRequestsAnswerWithError) {
  const std::map<std::string, std::string> cases = {
      {"{not json", "malformed JSON"},
      {R"({"Nodes":null,"NodeNames":["a"]})", "ExtenderArgs has no Pod"},
      {R"({"Pod":{"metadata":{"labels":["x"]}},"NodeNames":["a"]})",
       "Pod.metadata.labels: expected object, got array"},
      {R"({"Pod":{},"NodeNames":[1,2]})", "NodeNames[0]: expected string, got number"},
      {"\"just a string\"", "request body must be a JSON object"},
      {R"({"Pod":{},"NodeNames":["a"],"Unknown":{"deep":[1,2,{"x":null}]}})", ""},
  };
  for (const auto& [body, error] : cases) {
    Filtered result = Filter(body);
    if (error.empty()) {
      EXPECT_EQ(result.error, "") << "unknown fields are ignored";
      EXPECT_THAT(result.passed, ElementsAre("a"));
    } else {
      EXPECT_THAT(result.error, HasSubstr(error)) << body;
      EXPECT_THAT(result.passed, IsEmpty());
    }
    ExpectServing();
  }
}

TEST_F(ExtenderE2eTest, BadPrioritizeAndPreemptRequestsAre400) {
  http::ClientResponse prioritize = Post("prioritize", R"({"Pod":{"metadata":)");
  EXPECT_EQ(prioritize.status, 400);
  EXPECT_THAT(prioritize.body, HasSubstr("malformed JSON"));
  http::ClientResponse preempt = Post("preempt", R"({"NodeNameToMetaVictims":{}})");
  EXPECT_EQ(preempt.status, 400);
  EXPECT_EQ(preempt.body, R"({"Error":"ExtenderPreemptionArgs has no Pod"})");
  ExpectServing();
}

TEST_F(ExtenderE2eTest, UnknownVerbsAndMethods) {
  http::ClientResponse bind = Post("bind", "{}");
  EXPECT_EQ(bind.status, 404);
  EXPECT_THAT(bind.body, HasSubstr("kube-scheduler binds by itself"));
  absl::StatusOr<http::ClientResponse> get = client_->Get("/extender/filter");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
  ExpectServing();
}

TEST_F(ExtenderE2eTest, OversizedBodiesAre413) {
  absl::StatusOr<config::SpillwayConfig> config =
      app::ParseConfig(R"({"extender": {"maxRequestBytes": 4096}})", "test");
  ASSERT_TRUE(config.ok()) << config.status();
  Start(*config);
  http::ClientResponse response =
      Post("filter", FullRequest("pod_burst", {"node_ecs_a", "node_ecs_b", "node_virtual"}));
  EXPECT_EQ(response.status, 413);
  EXPECT_THAT(response.body, HasSubstr("exceeds the limit of 4096 bytes"));
  ExpectServing();
}

TEST_F(ExtenderE2eTest, MetricsCountRequestsDecisionsAndLatency) {
  Filter(FullRequest("pod_burst", {"node_ecs_a", "node_ecs_b", "node_virtual"}));
  Filter(FullRequest("pod_eci_label", {"node_ecs_a", "node_virtual"}));
  Filter("{broken");
  Prioritize(FullRequest("pod_burst", {"node_ecs_a"}));
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics,
              HasSubstr(R"(spillway_extender_requests_total{outcome="ok",verb="filter"} 2)"));
  EXPECT_THAT(metrics, HasSubstr(
                           R"(spillway_extender_requests_total{outcome="bad_request",verb="filter"} 1)"));
  EXPECT_THAT(metrics,
              HasSubstr(R"(spillway_extender_requests_total{outcome="ok",verb="prioritize"} 1)"));
  EXPECT_THAT(metrics,
              HasSubstr(R"(spillway_extender_node_decisions_total{outcome="passed",verb="filter"} 3)"));
  EXPECT_THAT(metrics,
              HasSubstr(R"(spillway_extender_node_decisions_total{outcome="failed",verb="filter"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(
                           R"(spillway_extender_node_decisions_total{outcome="unresolvable",verb="filter"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(spillway_extender_pod_intents_total{intent="eci"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(spillway_extender_pod_intents_total{intent="eci_only"} 1)"));
  EXPECT_THAT(metrics, HasSubstr(R"(spillway_extender_request_duration_seconds_count{verb="filter"} 3)"));
  // Fine buckets where the extender answers (0.1-0.5 ms).
  EXPECT_THAT(metrics, HasSubstr(R"(spillway_extender_request_duration_seconds_bucket{verb="filter",le="0.000125"})"));
  EXPECT_THAT(metrics, HasSubstr(R"(spillway_extender_request_duration_seconds_bucket{verb="filter",le="0.00015"})"));
}

TEST(ExtenderReadinessTest, NotReadyUntilTheClusterViewHasSynced) {
  class UnsyncedView : public ClusterView {
   public:
    std::shared_ptr<const NodeSnapshot> Nodes() const override {
      return std::make_shared<const NodeSnapshot>();
    }
    std::shared_ptr<const kube::Namespace> FindNamespace(absl::string_view) const override {
      return nullptr;
    }
    bool HasSynced() const override { return false; }
  } view;
  app::ServeOptions options;
  options.listen = "127.0.0.1:0";
  options.cluster_view = &view;
  absl::StatusOr<std::unique_ptr<app::ServeApp>> app =
      app::ServeApp::Start(options, config::SpillwayConfig());
  ASSERT_TRUE(app.ok());
  http::ClientOptions client_options;
  client_options.port = (*app)->port();
  http::Client client(client_options);
  EXPECT_EQ(client.Get("/readyz")->status, 503);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
}

}  // namespace
}  // namespace spillway::scheduler
