// The simulated cluster's watch cache against the embedded API server: every
// event reaches the handlers in order, a relist tells the difference, and
// AwaitCurrent waits for the last write.
#include "sim/cluster/cluster_cache.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;

class ClusterCacheTest : public EmbeddedClusterTest {
 protected:
  void SetUp() override {
    EmbeddedClusterTest::SetUp();
    cache_ = std::make_unique<ClusterCache>(*client_, [this](const kube::ResourcePath& path) {
      return server_->store().LatestVersionOf(path.group, path.plural);
    });
    ASSERT_TRUE(cache_->Watch(PathOf("", "v1", "configmaps")).ok());
    ASSERT_TRUE(cache_->AddEventHandler(PathOf("", "v1", "configmaps"), [this](const ObjectEvent& event) {
                        static const char* kNames[] = {"ADDED", "MODIFIED", "DELETED"};
                        absl::MutexLock lock(&mu_);
                        seen_.push_back(std::string(kNames[static_cast<int>(event.type)]) + " " +
                                        NameOf(*event.object));
                      })
                    .ok());
  }
  void TearDown() override { cache_->Stop(); }
  void Create(const std::string& name) {
    ASSERT_TRUE(client_->Create(PathOf("", "v1", "configmaps", "default"),
                                json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                             {"metadata", json::object{{"name", name}}}})
                    .ok());
  }
  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  std::unique_ptr<ClusterCache> cache_;
  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

// An object created and deleted at once is gone from List, but its handlers
// saw it come and go (what a controller's expectations count).
TEST_F(ClusterCacheTest, HandlersSeeEveryEventInOrder) {
  Create("a");
  ASSERT_TRUE(client_->Patch(PathOf("", "v1", "configmaps", "default", "a"), kube::PatchType::kMerge,
                             json::object{{"data", json::object{{"k", "v"}}}})
                  .ok());
  ASSERT_TRUE(client_->Delete(PathOf("", "v1", "configmaps", "default", "a")).ok());
  Create("b");
  ASSERT_TRUE(cache_->AwaitCurrent(absl::Seconds(10)).ok());
  EXPECT_THAT(Seen(), ElementsAre("ADDED a", "MODIFIED a", "DELETED a", "ADDED b"));
  std::vector<ObjectRef> listed = *cache_->List(PathOf("", "v1", "configmaps"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(NameOf(*listed[0]), "b");
}

// A watch the server drops (410) is followed by a relist; handlers hear the
// difference between the lists, as client-go's informers do.
TEST_F(ClusterCacheTest, ARelistIsDeliveredAsTheDifference) {
  Create("a");
  Create("b");
  ASSERT_TRUE(cache_->AwaitCurrent(absl::Seconds(10)).ok());
  server_->ExpireWatches();
  // Written while the watch is down or being reopened: seen either as
  // events or through the relist's difference, never lost.
  ASSERT_TRUE(client_->Delete(PathOf("", "v1", "configmaps", "default", "a")).ok());
  Create("c");
  ASSERT_TRUE(cache_->AwaitCurrent(absl::Seconds(10)).ok());
  std::vector<std::string> seen = Seen();
  EXPECT_THAT(std::vector<std::string>(seen.begin(), seen.begin() + 2), ElementsAre("ADDED a", "ADDED b"));
  EXPECT_THAT(std::vector<std::string>(seen.begin() + 2, seen.end()), ElementsAre("DELETED a", "ADDED c"));
}

// The cache keeps objects without metadata.managedFields (which the API
// server records on every write), from a watch event and from a relist;
// every other field is kept, in its order.
TEST_F(ClusterCacheTest, KeepsObjectsWithoutManagedFields) {
  ASSERT_TRUE(client_->Create(PathOf("", "v1", "configmaps", "default"),
                              json::object{{"apiVersion", "v1"},
                                           {"kind", "ConfigMap"},
                                           {"metadata", json::object{{"name", "a"}, {"labels", {{"app", "web"}}}}},
                                           {"data", json::object{{"k", "v"}}}})
                  .ok());
  ASSERT_TRUE(cache_->AwaitCurrent(absl::Seconds(10)).ok());
  const json::object stored = *client_->Get(PathOf("", "v1", "configmaps", "default", "a"));
  ASSERT_TRUE(stored.at("metadata").as_object().contains("managedFields"));  // The server keeps them.
  auto expect_stripped = [&stored](const json::object& cached) {
    json::object want = stored;
    want["metadata"].as_object().erase("managedFields");
    std::vector<std::string> want_keys, got_keys;
    for (const auto& field : stored.at("metadata").as_object()) {
      if (field.key() != "managedFields") want_keys.emplace_back(field.key());
    }
    for (const auto& field : cached.at("metadata").as_object()) got_keys.emplace_back(field.key());
    EXPECT_EQ(got_keys, want_keys);
    EXPECT_EQ(cached, want);
  };
  std::vector<ObjectRef> listed = *cache_->List(PathOf("", "v1", "configmaps"));
  ASSERT_EQ(listed.size(), 1u);
  expect_stripped(*listed[0]);
  server_->ExpireWatches();  // The next read comes from a relist.
  ASSERT_TRUE(client_->Patch(PathOf("", "v1", "configmaps", "default", "a"), kube::PatchType::kMerge,
                             json::object{{"data", json::object{{"k", "w"}}}})
                  .ok());
  ASSERT_TRUE(cache_->AwaitCurrent(absl::Seconds(10)).ok());
  listed = *cache_->List(PathOf("", "v1", "configmaps"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]->at("data").at("k").as_string(), "w");
  EXPECT_FALSE(listed[0]->at("metadata").as_object().contains("managedFields"));
}

TEST_F(ClusterCacheTest, AwaitCurrentNamesACollectionThatIsBehind) {
  Create("a");
  ClusterCache never_current(*client_, [](const kube::ResourcePath&) { return uint64_t{1} << 40; });
  ASSERT_TRUE(never_current.Watch(PathOf("", "v1", "configmaps")).ok());
  absl::Status status = never_current.AwaitCurrent(absl::Milliseconds(100));
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("/api/v1/configmaps at "));
  never_current.Stop();
  EXPECT_TRUE(absl::IsFailedPrecondition(cache_->AddEventHandler(PathOf("", "v1", "pods"), nullptr).status()));
}

}  // namespace
}  // namespace spillway::sim
