#include "sim/apiserver/watch_stream.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/random/random.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

const ResourceType kConfigMaps{"", "v1", "ConfigMap", "configmaps", true};

json::object ConfigMap(const std::string& name) {
  return json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", json::object{{"name", name}}}};
}

// A stream driven by hand: its position, and so its tally's Current(),
// follows what Next() has put into chunks, not what the store holds.
TEST(WatchStreamTest, ATallyIsCurrentOnceEveryWriteWasPutIntoAChunk) {
  absl::BitGen random;
  ObjectStore store(ObjectStore::Options{}, [] { return absl::FromUnixSeconds(1795300000); }, random);
  std::atomic<int> active{0};
  std::atomic<uint64_t> generation{0};
  auto tally = std::make_shared<WatchTally>();
  WatchStream::Params params;
  params.info.type = kConfigMaps;
  params.after = store.resource_version();
  auto stream = std::make_unique<WatchStream>(store, active, generation, tally, params);
  EXPECT_EQ(active.load(), 1);
  EXPECT_TRUE(tally->Current(store));  // Nothing written yet.
  ASSERT_TRUE(store.Create(kConfigMaps, "default", ConfigMap("a")).ok());
  ASSERT_TRUE(store.Create(kConfigMaps, "default", ConfigMap("b")).ok());
  EXPECT_FALSE(tally->Current(store));
  EXPECT_TRUE(tally->Sent().empty());
  std::string chunk;
  EXPECT_TRUE(stream->Next(&chunk));
  EXPECT_TRUE(tally->Current(store));
  EXPECT_EQ(tally->Sent(), (std::map<std::string, int64_t>{{"configmaps", 2}}));
  EXPECT_EQ(std::count(chunk.begin(), chunk.end(), '\n'), 2);
  // A closed stream no longer holds its tally back.
  ASSERT_TRUE(store.Create(kConfigMaps, "default", ConfigMap("c")).ok());
  EXPECT_FALSE(tally->Current(store));
  stream.reset();
  EXPECT_TRUE(tally->Current(store));
  EXPECT_EQ(active.load(), 0);
}

// A watch of a type nobody writes lives through more writes of other types
// than the event log keeps: it has seen them all (none was its), so it must
// not be told its version is too old (an informer would relist every node
// whenever pods churned).
TEST(WatchStreamTest, AQuietWatchOutlivesTheLogWindowOfOtherTypes) {
  absl::BitGen random;
  ObjectStore::Options options;
  options.watch_window = 10;
  ObjectStore store(options, [] { return absl::FromUnixSeconds(1795300000); }, random);
  const ResourceType nodes{"", "v1", "Node", "nodes", false};
  std::atomic<int> active{0};
  std::atomic<uint64_t> generation{0};
  WatchStream::Params params;
  params.info.type = nodes;
  params.after = store.resource_version();
  WatchStream stream(store, active, generation, std::make_shared<WatchTally>(), params);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(store.Create(kConfigMaps, "default", ConfigMap("cm-" + std::to_string(i))).ok());
    std::string chunk;
    ASSERT_TRUE(stream.Next(&chunk));
    EXPECT_EQ(chunk, "") << "after write " << i;
  }
  json::object node{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", json::object{{"name", "n1"}}}};
  ASSERT_TRUE(store.Create(nodes, "", node).ok());
  std::string chunk;
  ASSERT_TRUE(stream.Next(&chunk));
  EXPECT_EQ(chunk.rfind(R"({"type":"ADDED","object":{)", 0), 0u) << chunk;
  EXPECT_NE(chunk.find(R"("name":"n1")"), std::string::npos) << chunk;
}

// Events keep only their JSON: a watch with selectors decodes each one it
// is offered and sends the matching ones.
TEST(WatchStreamTest, SelectorsPickFromTheLoggedEvents) {
  absl::BitGen random;
  ObjectStore store(ObjectStore::Options{}, [] { return absl::FromUnixSeconds(1795300000); }, random);
  std::atomic<int> active{0};
  std::atomic<uint64_t> generation{0};
  WatchStream::Params params;
  params.info.type = kConfigMaps;
  params.after = store.resource_version();
  params.labels = *kube::LabelSelector::Parse("app=web");
  params.fields = *FieldSelector::Parse("metadata.name!=web-2");
  WatchStream stream(store, active, generation, std::make_shared<WatchTally>(), params);
  for (const char* name : {"web-1", "web-2", "db-1"}) {
    json::object map = ConfigMap(name);
    map["metadata"].get_object()["labels"] =
        json::object{{"app", std::string(name).substr(0, std::string(name).find('-'))}};
    ASSERT_TRUE(store.Create(kConfigMaps, "default", map).ok());
  }
  std::string chunk;
  ASSERT_TRUE(stream.Next(&chunk));
  EXPECT_EQ(std::count(chunk.begin(), chunk.end(), '\n'), 1) << chunk;
  EXPECT_NE(chunk.find(R"("name":"web-1")"), std::string::npos) << chunk;
}

TEST(WatchStreamTest, ResourceNamesAreKubesPluralDotGroup) {
  EXPECT_EQ(ResourceName(kConfigMaps), "configmaps");
  EXPECT_EQ(ResourceName(ResourceType{"autoscaling.alibabacloud.com", "v1beta1", "ElasticWorkload",
                                      "elasticworkloads", true}),
            "elasticworkloads.autoscaling.alibabacloud.com");
}

// Through the server: each client is tallied by its User-Agent, and a reset
// starts afresh while the streams opened before it count elsewhere.
TEST(WatchDeliveriesTest, CountsWhatEachUserAgentsWatchesWereSent) {
  absl::StatusOr<TestCluster> cluster = StartTestCluster();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  kube::RestClient::Options watcher_options;
  watcher_options.user_agent = "alpha/1.0 (linux/amd64)";
  kube::RestClient watcher(LocalConnection(cluster->server->port()), watcher_options);
  const kube::ResourcePath configmaps{"", "v1", "configmaps", "default", "", ""};
  std::atomic<int> received{0};
  kube::WatchCanceller canceller;
  absl::Notification established;
  kube::WatchOptions options;
  options.resource_version = std::to_string(cluster->server->store().resource_version());
  options.on_established = [&] { established.Notify(); };
  std::thread watching([&] {
    (void)watcher.Watch(
        configmaps, options,
        [&](absl::string_view event) {
          if (event.find("\"BOOKMARK\"") == absl::string_view::npos) ++received;
          return true;
        },
        &canceller);
  });
  ASSERT_TRUE(established.WaitForNotificationWithTimeout(absl::Seconds(10)));
  const kube::ResourcePath collection{"", "v1", "configmaps", "default", "", ""};
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(cluster->client->Create(collection, ConfigMap(name)).ok());
  for (int i = 0; i < 200 && received.load() < 3; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(received.load(), 3);
  WatchDeliveries& deliveries = cluster->server->watch_deliveries();
  EXPECT_EQ(deliveries.Of("alpha")->Sent(), (std::map<std::string, int64_t>{{"configmaps", 3}}));
  EXPECT_TRUE(deliveries.Of("alpha")->Current(cluster->server->store()));
  EXPECT_TRUE(deliveries.Of(http::kUserAgent)->Sent().empty());  // The writer watches nothing.

  deliveries.Reset("alpha");
  ASSERT_TRUE(cluster->client->Create(collection, ConfigMap("d")).ok());
  for (int i = 0; i < 200 && received.load() < 4; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(received.load(), 4);
  EXPECT_TRUE(deliveries.Of("alpha")->Sent().empty());
  canceller.Cancel();
  watching.join();
}

}  // namespace
}  // namespace spillway::sim
