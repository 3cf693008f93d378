// Informers against the embedded API server over HTTP: paginated list, live
// watch, selectors, a forced 410, a server restart, undecodable objects.
#include "kube/informer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "prometheus/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/decode.h"
#include "sim/apiserver/api_server.h"
#include "sim/apiserver/resources.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::kube {
namespace {

namespace bj = boost::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// Handler calls, as "add ns/name", "update ns/name", "delete ns/name".
class Recorder {
 public:
  Informer<Pod>::Handler Handler() {
    Informer<Pod>::Handler handler;
    handler.on_add = [this](const Pod& pod) { Record("add " + pod.Key()); };
    handler.on_update = [this](const Pod& old_pod, const Pod& pod) {
      Record("update " + pod.Key());
    };
    handler.on_delete = [this](const Pod& pod) { Record("delete " + pod.Key()); };
    return handler;
  }
  void Record(std::string entry) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(std::move(entry));
  }
  // Waits (up to 10 s) until `entry` was recorded.
  bool AwaitEntry(const std::string& entry) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), absl::Seconds(10));
  }
  std::vector<std::string> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(entries_);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> entries_ ABSL_GUARDED_BY(mu_);
};

bj::object PodJson(const std::string& name, const std::string& app, const std::string& cpu = "100m") {
  return bj::object{
      {"metadata", bj::object{{"name", name}, {"labels", bj::object{{"app", app}}}}},
      {"spec", bj::object{{"containers", bj::array{bj::object{
                                             {"name", "main"},
                                             {"image", "nginx"},
                                             {"resources", bj::object{{"requests", bj::object{{"cpu", cpu}}}}}}}}}}};
}

class InformerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(0); }

  void StartServer(uint16_t port) {
    sim::ApiServerOptions options;
    options.port = port;
    absl::StatusOr<std::unique_ptr<sim::ApiServer>> server = sim::ApiServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    if (client_ == nullptr) {
      client_ = std::make_unique<RestClient>(sim::LocalConnection(server_->port()),
                                             RestClient::Options());
    }
  }

  void AddPod(const std::string& ns, bj::object pod) {
    ASSERT_TRUE(server_->store().Create(PodType(), ns, std::move(pod)).ok());
  }

  static const sim::ResourceType& PodType() {
    return sim::FindResource("", "v1", "pods")->type;
  }

  std::unique_ptr<Informer<Pod>> NewPodInformer(const std::string& label_selector = "") {
    Informer<Pod>::Options options;
    options.reflector.path = ResourcePath{"", "v1", "pods", "", "", ""};
    options.reflector.label_selector = label_selector;
    options.reflector.page_size = 50;
    options.reflector.backoff.initial = absl::Milliseconds(20);
    options.reflector.backoff.max = absl::Milliseconds(200);
    return std::make_unique<Informer<Pod>>(*client_, options, &DecodePod);
  }

  std::unique_ptr<sim::ApiServer> server_;
  std::unique_ptr<RestClient> client_;
  Recorder recorder_;
};

TEST_F(InformerTest, ListsEveryPageThenFollowsTheWatch) {
  for (int i = 0; i < 120; ++i) AddPod(i % 2 ? "shop" : "default", PodJson(absl::StrCat("web-", i), "web"));
  std::unique_ptr<Informer<Pod>> informer = NewPodInformer();
  informer->AddHandler(recorder_.Handler());
  EXPECT_FALSE(informer->HasSynced());
  informer->Start();
  ASSERT_TRUE(informer->WaitForSync(absl::Seconds(10)));
  EXPECT_EQ(informer->size(), 120u);  // Three pages of 50.
  EXPECT_EQ(recorder_.Take().size(), 120u);
  std::shared_ptr<const Pod> pod = informer->Get("shop/web-1");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->container_requests.cpu_milli, 100);
  EXPECT_FALSE(pod->metadata.resource_version.empty());

  // Changes through the REST API reach the cache and the handlers in order.
  ResourcePath pods{"", "v1", "pods", "default", "", ""};
  ASSERT_TRUE(client_->Create(pods, PodJson("api-1", "api")).ok());
  ResourcePath web0 = pods;
  web0.name = "web-0";
  ASSERT_TRUE(client_
                  ->Patch(web0, PatchType::kMerge,
                          bj::parse(R"({"spec": {"nodeName": "node-7"}})"))
                  .ok());
  ASSERT_TRUE(client_->Delete(ResourcePath{"", "v1", "pods", "shop", "web-1", ""}).ok());
  ASSERT_TRUE(recorder_.AwaitEntry("delete shop/web-1"));
  EXPECT_THAT(recorder_.Take(),
              ElementsAre("add default/api-1", "update default/web-0", "delete shop/web-1"));
  EXPECT_EQ(informer->Get("default/web-0")->node_name, "node-7");
  EXPECT_EQ(informer->Get("shop/web-1"), nullptr);
  EXPECT_EQ(informer->size(), 120u);
  EXPECT_EQ(informer->reflector().lists(), 1);
  // The reflector records the version after the handlers ran.
  const std::string latest = std::to_string(server_->store().resource_version());
  for (int i = 0; i < 500 && informer->reflector().resource_version() != latest; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(informer->reflector().resource_version(), latest);
}

// spillway_informer_watch_events_total counts an event once its handlers
// ran, and matches what the API server sent this client's watches: the
// simulated cluster waits on exactly that between passes.
TEST_F(InformerTest, CountsWatchEventsOnceHandledAsTheServerSentThem) {
  prometheus::Registry registry;
  RestClientMetrics metrics(registry);
  RestClient::Options client_options;
  client_options.metrics = &metrics;
  RestClient client(sim::LocalConnection(server_->port()), client_options);
  auto applied = [&registry]() -> double {
    for (const prometheus::MetricFamily& family : registry.Collect()) {
      if (family.name != "spillway_informer_watch_events_total") continue;
      for (const prometheus::ClientMetric& metric : family.metric) {
        if (metric.label.size() == 1 && metric.label[0].value == "pods") return metric.counter.value;
      }
    }
    return -1;  // No series.
  };
  Informer<Pod>::Options options;
  options.reflector.path = ResourcePath{"", "v1", "pods", "", "", ""};
  Informer<Pod> informer(client, options, &DecodePod);
  EXPECT_EQ(applied(), 0);  // The series exists from the start.
  absl::Notification release;
  Informer<Pod>::Handler handler;
  handler.on_add = [&](const Pod& pod) {
    recorder_.Record("add " + pod.Key());
    if (pod.metadata.name == "slow") release.WaitForNotification();
  };
  handler.on_delete = [&](const Pod& pod) { recorder_.Record("delete " + pod.Key()); };
  informer.AddHandler(handler);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  const ResourcePath pods{"", "v1", "pods", "default", "", ""};
  ASSERT_TRUE(client_->Create(pods, PodJson("slow", "web")).ok());
  ASSERT_TRUE(recorder_.AwaitEntry("add default/slow"));
  EXPECT_EQ(applied(), 0);  // Its handler is still running.
  release.Notify();
  ASSERT_TRUE(client_->Create(pods, PodJson("fast", "web")).ok());
  ASSERT_TRUE(client_->Delete(ResourcePath{"", "v1", "pods", "default", "slow", ""}).ok());
  ASSERT_TRUE(recorder_.AwaitEntry("delete default/slow"));
  for (int i = 0; i < 500 && applied() < 3; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(applied(), 3);
  EXPECT_EQ(server_->watch_deliveries().Of(http::kUserAgent)->Sent(),
            (std::map<std::string, int64_t>{{"pods", 3}}));
  EXPECT_TRUE(server_->watch_deliveries().Of(http::kUserAgent)->Current(server_->store()));
  informer.Stop();
}

TEST_F(InformerTest, LabelSelectorNarrowsTheCache) {
  AddPod("default", PodJson("web-1", "web"));
  AddPod("default", PodJson("api-1", "api"));
  std::unique_ptr<Informer<Pod>> informer = NewPodInformer("app=api");
  informer->AddHandler(recorder_.Handler());
  informer->Start();
  ASSERT_TRUE(informer->WaitForSync(absl::Seconds(10)));
  AddPod("default", PodJson("web-2", "web"));
  AddPod("default", PodJson("api-2", "api"));
  ASSERT_TRUE(recorder_.AwaitEntry("add default/api-2"));
  EXPECT_THAT(recorder_.Take(), ElementsAre("add default/api-1", "add default/api-2"));
}

TEST_F(InformerTest, AnExpiredWatchRelistsAndMissesNothing) {
  AddPod("default", PodJson("web-1", "web"));
  std::unique_ptr<Informer<Pod>> informer = NewPodInformer();
  informer->AddHandler(recorder_.Handler());
  informer->Start();
  ASSERT_TRUE(informer->WaitForSync(absl::Seconds(10)));
  ASSERT_TRUE(recorder_.AwaitEntry("add default/web-1"));
  // A pod seen through the watch: the watch is established (on a busy machine
  // it may start after the list has synced, and expiring before then expires
  // nothing).
  AddPod("default", PodJson("web-0", "web"));
  ASSERT_TRUE(recorder_.AwaitEntry("add default/web-0"));

  server_->ExpireWatches();  // ERROR event, code 410.
  AddPod("default", PodJson("web-2", "web"));
  ASSERT_TRUE(recorder_.AwaitEntry("add default/web-2"));
  EXPECT_EQ(informer->size(), 3u);
  for (int i = 0; i < 500 && informer->reflector().lists() < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(informer->reflector().lists(), 2);  // A relist, not a crash or a stall.
  EXPECT_THAT(recorder_.Take(), ElementsAre("add default/web-1", "add default/web-0", "add default/web-2"));
}

TEST_F(InformerTest, AServerRestartRelistsAndReportsWhatChangedMeanwhile) {
  AddPod("default", PodJson("gone", "web"));
  AddPod("default", PodJson("kept", "web"));
  std::unique_ptr<Informer<Pod>> informer = NewPodInformer();
  informer->AddHandler(recorder_.Handler());
  informer->Start();
  ASSERT_TRUE(informer->WaitForSync(absl::Seconds(10)));
  ASSERT_TRUE(recorder_.AwaitEntry("add default/kept"));
  recorder_.Take();

  // The API server goes away (watch breaks, relists are refused) and comes
  // back on the same address with different contents.
  const uint16_t port = server_->port();
  server_->Stop();
  server_.reset();
  absl::SleepFor(absl::Milliseconds(100));
  StartServer(port);
  AddPod("default", PodJson("kept", "web", "250m"));
  AddPod("default", PodJson("new", "web"));

  ASSERT_TRUE(recorder_.AwaitEntry("add default/new"));
  ASSERT_TRUE(recorder_.AwaitEntry("delete default/gone"));
  EXPECT_THAT(recorder_.Take(),
              UnorderedElementsAre("delete default/gone", "update default/kept", "add default/new"));
  EXPECT_EQ(informer->Get("default/kept")->container_requests.cpu_milli, 250);
  EXPECT_GE(informer->reflector().lists(), 2);
}

// After an outage the reflector may be sleeping a long backoff; the first
// call through the same client that succeeds (leader election renews every
// 2 s) must end that sleep rather than let the cache wait it out.
TEST_F(InformerTest, ASuccessfulCallEndsTheBackoffAfterAnOutage) {
  AddPod("default", PodJson("web-1", "web"));
  Informer<Pod>::Options options;
  options.reflector.path = ResourcePath{"", "v1", "pods", "", "", ""};
  options.reflector.backoff.initial = absl::Minutes(10);
  options.reflector.backoff.max = absl::Minutes(10);
  Informer<Pod> informer(*client_, options, &DecodePod);
  informer.AddHandler(recorder_.Handler());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  EXPECT_EQ(informer.SyncAge(absl::Now()), absl::ZeroDuration());

  const uint16_t port = server_->port();
  server_->Stop();
  server_.reset();
  // The watch breaks; the reflector backs off for ten minutes.
  for (int i = 0; i < 500 && informer.SyncAge(absl::Now()) == absl::ZeroDuration(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GT(informer.SyncAge(absl::Now()), absl::ZeroDuration());
  absl::SleepFor(absl::Milliseconds(300));
  StartServer(port);
  AddPod("default", PodJson("web-2", "web"));
  ASSERT_TRUE(client_->List(ResourcePath{"", "v1", "namespaces", "", "", ""}, {}).ok());
  EXPECT_TRUE(recorder_.AwaitEntry("add default/web-2")) << "the cache waited out its backoff";
  for (int i = 0; i < 500 && informer.SyncAge(absl::Now()) > absl::ZeroDuration(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));  // The relist is in; the watch opens next.
  }
  EXPECT_EQ(informer.SyncAge(absl::Now()), absl::ZeroDuration());
  informer.Stop();
}

TEST_F(InformerTest, AnUndecodableObjectIsSkippedNotFatal) {
  AddPod("default", PodJson("good", "web"));
  AddPod("default", PodJson("bad", "web", "a-lot"));
  std::unique_ptr<Informer<Pod>> informer = NewPodInformer();
  informer->Start();
  ASSERT_TRUE(informer->WaitForSync(absl::Seconds(10)));
  EXPECT_EQ(informer->size(), 1u);
  EXPECT_NE(informer->Get("default/good"), nullptr);
  EXPECT_EQ(informer->reflector().decode_errors(), 1);
  AddPod("default", PodJson("bad-2", "web", "???"));
  AddPod("default", PodJson("good-2", "web"));
  for (int i = 0; i < 500 && informer->Get("default/good-2") == nullptr; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_NE(informer->Get("default/good-2"), nullptr);
  EXPECT_EQ(informer->reflector().decode_errors(), 2);
}

TEST_F(InformerTest, SnapshotsAreImmutableAndReplacedOnChange) {
  AddPod("default", PodJson("web-1", "web"));
  Informer<Pod>::Options options;
  options.reflector.path = ResourcePath{"", "v1", "pods", "", "", ""};
  options.publish_snapshots = true;
  Informer<Pod> informer(*client_, options, &DecodePod);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(absl::Seconds(10)));
  std::shared_ptr<const Informer<Pod>::Map> before = informer.Snapshot();
  EXPECT_EQ(before->size(), 1u);
  AddPod("default", PodJson("web-2", "web"));
  for (int i = 0; i < 500 && informer.Snapshot()->size() < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(informer.Snapshot()->size(), 2u);
  EXPECT_EQ(before->size(), 1u);  // A reader's snapshot never changes under it.
}

TEST_F(InformerTest, StopEndsTheWatchOnTheServer) {
  std::unique_ptr<Informer<Pod>> informer = NewPodInformer();
  informer->Start();
  ASSERT_TRUE(informer->WaitForSync(absl::Seconds(10)));
  for (int i = 0; i < 500 && server_->active_watches() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(server_->active_watches(), 1);
  informer->Stop();
  for (int i = 0; i < 500 && server_->active_watches() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(server_->active_watches(), 0);
}

}  // namespace
}  // namespace spillway::kube
