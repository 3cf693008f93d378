// The kube-scheduler stand-in against the embedded API server and an
// extender over real HTTP that records what it is sent (shaped as
// testdata/extender's fixtures of kube-scheduler's requests).
#include "sim/scheduler/scheduler.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/http/server.h"
#include "common/json_fields.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"
#include "sim/cluster/object_facts.h"
#include "sim/kubelet/kubelets.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kVirtual[] = "virtual-kubelet-cn-hangzhou-j";

json::object Fixture(const std::string& name) {
  std::ifstream in(testing::RunfilePath("testdata/extender/" + name));
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

// "key:kind" for each top-level field, sorted.
std::vector<std::string> KeysOf(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object) {
    keys.push_back(std::string(key) + ":" + (value.is_null() ? "null" : value.is_array() ? "array" : "object"));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// An extender that refuses virtual nodes (unresolvable) and prefers ecs-2.
class RecordingExtender {
 public:
  RecordingExtender() {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    server_ = *http::Server::Start(options, [this](http::Request& request) { return Answer(request); });
  }
  uint16_t port() const { return server_->port(); }
  std::vector<json::object> requests(const std::string& verb) {
    absl::MutexLock lock(&mu_);
    return requests_[verb];
  }

 private:
  http::Response Answer(http::Request& request) {
    json::object args = json::parse(request.body).as_object();
    const std::string verb = request.target.substr(request.target.rfind('/') + 1);
    {
      absl::MutexLock lock(&mu_);
      requests_[verb].push_back(args);
    }
    std::vector<std::string> names;
    if (args.at("NodeNames").is_array()) {
      for (const json::value& name : args.at("NodeNames").as_array()) names.emplace_back(name.as_string());
    } else {
      for (const json::value& node : args.at("Nodes").at("items").as_array()) {
        names.emplace_back(node.at("metadata").at("name").as_string());
      }
    }
    http::Response response;
    if (verb == "prioritize") {
      json::array scores;
      for (const std::string& name : names) scores.push_back(json::object{{"Host", name}, {"Score", name == "ecs-2" ? 10 : 0}});
      response.body = json::serialize(scores);
      return response;
    }
    json::array passed;
    json::object refused;
    for (const std::string& name : names) {
      if (name == kVirtual) {
        refused[name] = "pod default/web asked for nothing; virtual nodes run only pods that ask for ECI";
      } else {
        passed.push_back(json::value(name));
      }
    }
    response.body = json::serialize(json::object{{"Nodes", nullptr}, {"NodeNames", passed}, {"FailedNodes", json::object()},
                                                 {"FailedAndUnresolvableNodes", refused}, {"Error", ""}});
    return response;
  }

  std::unique_ptr<http::Server> server_;
  absl::Mutex mu_;
  std::map<std::string, std::vector<json::object>> requests_ ABSL_GUARDED_BY(mu_);
};

class SchedulerTest : public EmbeddedClusterTest {
 protected:
  void SetUp() override {
    EmbeddedClusterTest::SetUp();
    std::vector<SimNode> nodes = {{"ecs-1", "cn-hangzhou-j", false, 2000, 4LL << 30, 110},
                                  {"ecs-2", "cn-hangzhou-j", false, 2000, 4LL << 30, 110},
                                  {kVirtual, "cn-hangzhou-j", true, 1000000000, 1LL << 50, 10000}};
    ASSERT_TRUE(Kubelets(*client_, reader_, clock_, nodes, KubeletOptions()).Register().ok());
  }

  std::unique_ptr<Scheduler> MakeScheduler(bool node_cache_capable, bool ignorable, uint16_t port) {
    ExtenderConfig extender;
    extender.url_prefix = "http://spillway.kube-system.svc:10262/extender";
    extender.filter_verb = "filter";
    extender.prioritize_verb = "prioritize";
    extender.node_cache_capable = node_cache_capable;
    extender.ignorable = ignorable;
    SchedulerConfig config;
    config.extenders.push_back(extender);
    return *Scheduler::Create(*client_, reader_, clock_, {config, absl::StrCat("127.0.0.1:", port), 1});
  }

  void CreatePod(const std::string& name, const std::string& cpu, bool tolerates) {
    json::object spec{{"containers", json::array{json::object{
                                         {"name", "app"}, {"image", "nginx"},
                                         {"resources", json::object{{"requests", json::object{{"cpu", cpu}}}}}}}}};
    if (tolerates) {
      spec["tolerations"] = json::array{json::object{{"key", "virtual-kubelet.io/provider"}, {"operator", "Exists"}}};
    }
    ASSERT_TRUE(client_
                    ->Create(PathOf("", "v1", "pods", "default"),
                             json::object{{"apiVersion", "v1"}, {"kind", "Pod"},
                                          {"metadata", json::object{{"name", name}, {"namespace", "default"}}},
                                          {"spec", spec}})
                    .ok());
  }

  json::object Pod(const std::string& name) { return *client_->Get(PathOf("", "v1", "pods", "default", name)); }

  std::string Node(const std::string& name) {
    return json_fields::String(Pod(name).at("spec").as_object(), "nodeName");
  }

  std::string SchedulingMessage(const std::string& name) {
    const json::object pod = Pod(name);
    const json::object* condition = Condition(pod, "PodScheduled");
    return condition == nullptr ? "" : json_fields::String(*condition, "reason") + ": " +
                                           json_fields::String(*condition, "message");
  }

  FakeClock clock_;
  // Exact reads; the simulation itself reads through its watch cache.
  // FreezePods makes it serve the pods as they are now from then on, as a
  // watch cache that lags would.
  class Reader : public ClusterReader {
   public:
    explicit Reader(SchedulerTest& test) : test_(test) {}
    absl::StatusOr<std::vector<ObjectRef>> List(const kube::ResourcePath& collection) override {
      if (frozen_pods_.has_value() && collection.plural == "pods") return *frozen_pods_;
      return LiveReader(*test_.client_).List(collection);
    }
    void FreezePods() { frozen_pods_ = *LiveReader(*test_.client_).List(PathOf("", "v1", "pods")); }

   private:
    SchedulerTest& test_;
    std::optional<std::vector<ObjectRef>> frozen_pods_;
  } reader_{*this};
};

TEST_F(SchedulerTest, ExtendersFilterAndScoreWithNodeNamesAsKubeSchedulerSends) {
  RecordingExtender extender;
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(/*node_cache_capable=*/true, false, extender.port());
  CreatePod("web", "500m", /*tolerates=*/true);
  ASSERT_TRUE(scheduler->Sync().ok());
  // Tolerating the taint, the pod reaches the extender with the virtual node
  // among the names; the extender refuses it and prefers ecs-2.
  ASSERT_EQ(extender.requests("filter").size(), 1u);
  const json::object args = extender.requests("filter")[0];
  EXPECT_TRUE(args.at("Nodes").is_null());
  EXPECT_EQ(json::serialize(args.at("NodeNames")), R"(["ecs-1","ecs-2","virtual-kubelet-cn-hangzhou-j"])");
  EXPECT_EQ(NameOf(args.at("Pod").as_object()), "web");
  // The same fields as kube-scheduler's own request, recorded in testdata.
  EXPECT_EQ(KeysOf(args), KeysOf(Fixture("filter_names_request.json")));
  ASSERT_EQ(extender.requests("prioritize").size(), 1u);
  EXPECT_EQ(json::serialize(extender.requests("prioritize")[0].at("NodeNames")), R"(["ecs-1","ecs-2"])");
  EXPECT_EQ(Node("web"), "ecs-2");
  EXPECT_EQ(scheduler->stats().bound, 1);
}

// The binding is written in the background; one the API server refuses (the
// pod was bound meanwhile, the reader lagging) is not counted, writes no
// Scheduled Event and is forgotten, so the next pass places the pod again,
// as kube-scheduler forgets an assumed pod whose binding failed.
TEST_F(SchedulerTest, ARefusedBindingIsForgottenNotAssumed) {
  RecordingExtender extender;
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(/*node_cache_capable=*/true, false, extender.port());
  CreatePod("web", "500m", /*tolerates=*/false);
  reader_.FreezePods();
  ASSERT_TRUE(client_->Bind("default", "web", "ecs-1").ok());
  ASSERT_TRUE(scheduler->Sync().ok());  // A conflict is not the stand-in's error.
  EXPECT_EQ(scheduler->stats().bound, 0);
  EXPECT_EQ(Node("web"), "ecs-1");
  const std::string events = json::serialize(*client_->List(PathOf("", "v1", "events", "default"), kube::ListOptions{}));
  EXPECT_THAT(events, ::testing::Not(HasSubstr("Successfully assigned default/web")));
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(extender.requests("filter").size(), 2u) << "an assumed pod would not be tried again";
}

TEST_F(SchedulerTest, FullNodesWhenNotNodeCacheCapable) {
  RecordingExtender extender;
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(/*node_cache_capable=*/false, false, extender.port());
  CreatePod("web", "500m", /*tolerates=*/false);
  ASSERT_TRUE(scheduler->Sync().ok());
  ASSERT_EQ(extender.requests("filter").size(), 1u);
  const json::object args = extender.requests("filter")[0];
  EXPECT_TRUE(args.at("NodeNames").is_null());
  const json::object fixture = Fixture("filter_full_request.json");
  EXPECT_EQ(KeysOf(args), KeysOf(fixture));
  EXPECT_EQ(KeysOf(args.at("Nodes").as_object()), KeysOf(fixture.at("Nodes").as_object()));
  // Whole Node objects, status included, as the API server serves them
  // (quantities in canonical form: "2000m" is "2"); the tainted virtual node
  // was filtered by kube-scheduler itself and never reaches the extender.
  ASSERT_EQ(args.at("Nodes").at("items").as_array().size(), 2u);
  EXPECT_EQ(json_fields::String(*json_fields::ObjectAt(args.at("Nodes").at("items").as_array()[0].as_object(),
                                                       {"status", "allocatable"}),
                                "cpu"),
            "2");
}

// kube-scheduler's FitError, reasons counted and sorted as strings, with
// the preemption summary.
TEST_F(SchedulerTest, UnschedulablePodsGetKubeSchedulersMessage) {
  RecordingExtender extender;
  std::unique_ptr<Scheduler> scheduler = MakeScheduler(true, false, extender.port());
  CreatePod("big", "3", /*tolerates=*/false);
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(SchedulingMessage("big"),
            "Unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint "
            "{virtual-kubelet.io/provider: alibabacloud}, 2 Insufficient cpu. preemption: 0/3 nodes are "
            "available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming "
            "pod.");
  EXPECT_TRUE(extender.requests("filter").empty()) << "no feasible node, no extender call";
  // A tolerating pod that only the virtual node could hold: the extender's
  // own reason joins the histogram.
  CreatePod("big-tolerant", "3", /*tolerates=*/true);
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(SchedulingMessage("big-tolerant"),
            "Unschedulable: 0/3 nodes are available: 1 pod default/web asked for nothing; virtual nodes run only "
            "pods that ask for ECI, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not "
            "helpful for scheduling, 2 No preemption victims found for incoming pod.");
  json::object events = *client_->List(PathOf("", "v1", "events", "default"), kube::ListOptions());
  int failed = 0;
  for (const json::value& event : events.at("items").as_array()) {
    failed += json_fields::String(event.as_object(), "reason") == "FailedScheduling" ? 1 : 0;
  }
  EXPECT_EQ(failed, 2);
  // Waiting: a pass right away, or 2 s later with nothing changed, does not
  // retry either pod (kube-scheduler's unschedulable queue).
  ASSERT_TRUE(scheduler->Sync().ok());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(scheduler->stats().unschedulable_attempts, 2);
  // A node joins: both are retried (their 1 s backoff has passed).
  ASSERT_TRUE(Kubelets(*client_, reader_, clock_, {{"ecs-3", "cn-hangzhou-j", false, 2000, 4LL << 30, 110}}, KubeletOptions())
                  .Register()
                  .ok());
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(scheduler->stats().unschedulable_attempts, 4);
  // Still too big, nothing changes: retried after podMaxInUnschedulablePodsDuration.
  clock_.Advance(absl::Seconds(60));
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(scheduler->stats().unschedulable_attempts, 4);
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(scheduler->Sync().ok());
  EXPECT_EQ(scheduler->stats().unschedulable_attempts, 6);
}

TEST_F(SchedulerTest, AnUnreachableExtenderFailsTheAttemptUnlessIgnorable) {
  uint16_t dead_port = 0;
  {
    RecordingExtender gone;
    dead_port = gone.port();
  }
  std::unique_ptr<Scheduler> strict = MakeScheduler(true, /*ignorable=*/false, dead_port);
  CreatePod("web", "500m", false);
  ASSERT_TRUE(strict->Sync().ok());
  EXPECT_THAT(SchedulingMessage("web"), HasSubstr("SchedulerError: extender http://spillway.kube-system.svc:10262/extender"));
  EXPECT_EQ(Node("web"), "");
  std::unique_ptr<Scheduler> lenient = MakeScheduler(true, /*ignorable=*/true, dead_port);
  ASSERT_TRUE(lenient->Sync().ok());
  EXPECT_THAT(std::vector<std::string>{Node("web")}, ElementsAre(::testing::AnyOf("ecs-1", "ecs-2")));
}

TEST(SchedulerConfigTest, ReadsTheShippedConfigurationAndRefusesBadOnes) {
  absl::StatusOr<SchedulerConfig> config = ParseSchedulerConfig(R"(apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles: [{schedulerName: default-scheduler}]
extenders:
- {urlPrefix: "http://spillway.kube-system.svc:10262/extender", filterVerb: filter, prioritizeVerb: prioritize,
   weight: 2, httpTimeout: 10s, nodeCacheCapable: true, ignorable: false,
   managedResources: [{name: example.com/foo, ignoredByScheduler: true}]}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->percentage_of_nodes_to_score, 30);
  ASSERT_EQ(config->extenders.size(), 1u);
  EXPECT_EQ(config->extenders[0].weight, 2);
  EXPECT_EQ(config->extenders[0].http_timeout, absl::Seconds(10));
  EXPECT_TRUE(config->extenders[0].node_cache_capable);
  EXPECT_THAT(config->extenders[0].managed_resources, ElementsAre("example.com/foo"));
  EXPECT_EQ(ParseSchedulerConfig("kind: KubeSchedulerConfiguration\nextenders: [{urlPrefix: http://x/e, httpTimeout: ten}]")
                .status()
                .message(),
            "extenders[0].httpTimeout: \"ten\" is not a duration");
  EXPECT_EQ(ParseSchedulerConfig("kind: Pod").status().message(), "kind: not a KubeSchedulerConfiguration");
  absl::StatusOr<ExtenderAddress> address = ParseUrlPrefix("https://spillway.kube-system.svc:10262/extender");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->host, "spillway.kube-system.svc");
  EXPECT_EQ(address->port, 10262);
  EXPECT_EQ(address->path, "/extender");
  EXPECT_FALSE(ParseUrlPrefix("ftp://x").ok());
}

}  // namespace
}  // namespace spillway::sim
