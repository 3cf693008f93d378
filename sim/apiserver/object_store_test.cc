#include "sim/apiserver/object_store.h"

#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const ResourceType kPods{"", "v1", "Pod", "pods", true};
const ResourceType kNodes{"", "v1", "Node", "nodes", false};
const ResourceType kDeployments{"apps", "v1", "Deployment", "deployments", true};

json::object Object(const char* text) { return json::parse(text).as_object(); }

std::string Meta(const json::object& object, const char* field) {
  const json::value& v = object.at("metadata").at(field);
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  ObjectStoreTest()
      : random_(std::seed_seq{42}),
        store_(ObjectStore::Options{/*watch_window=*/5},
               [] { return absl::FromUnixSeconds(1795300000); }, random_) {}

  json::object MustCreate(const ResourceType& type, const char* ns, const char* text) {
    absl::StatusOr<json::object> created = store_.Create(type, ns, Object(text));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json::object();
  }

  absl::BitGen random_;
  ObjectStore store_;
};

TEST_F(ObjectStoreTest, CreateFillsServerOwnedMetadata) {
  json::object pod = MustCreate(kPods, "default", R"({"metadata":{"name":"web"},"spec":{}})");
  EXPECT_EQ(Meta(pod, "name"), "web");
  EXPECT_EQ(Meta(pod, "namespace"), "default");
  EXPECT_EQ(Meta(pod, "creationTimestamp"), "2026-11-21T22:26:40Z");
  EXPECT_EQ(Meta(pod, "generation"), "1");
  EXPECT_THAT(Meta(pod, "uid"), SizeIs(36));
  EXPECT_EQ(std::string(pod.at("apiVersion").get_string()), "v1");
  EXPECT_EQ(std::string(pod.at("kind").get_string()), "Pod");
  json::object node = MustCreate(kNodes, "ignored", R"({"metadata":{"name":"n1","namespace":"x"}})");
  EXPECT_FALSE(node.at("metadata").as_object().contains("namespace"));
  json::object deployment = MustCreate(kDeployments, "shop", R"({"metadata":{"name":"d"}})");
  EXPECT_EQ(std::string(deployment.at("apiVersion").get_string()), "apps/v1");
}

// ?dryRun=All (issue 21.1): answered as if done; nothing stored, no
// resourceVersion consumed, no watch event. A PUT body without apiVersion and
// kind (the store adds them) exercises the metadata kept across those inserts.
TEST_F(ObjectStoreTest, ADryRunStoresNothing) {
  MustCreate(kPods, "default", R"({"metadata":{"name":"web","finalizers":["x/y"]},"spec":{"a":1}})");
  const uint64_t version = store_.resource_version();
  absl::StatusOr<json::object> created =
      store_.Create(kPods, "default", Object(R"({"metadata":{"generateName":"w-"}})"), Persist::kDryRun);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(Meta(*created, "name"), HasSubstr("w-"));
  EXPECT_THAT(Meta(*created, "uid"), SizeIs(36));
  EXPECT_FALSE(created->at("metadata").as_object().contains("resourceVersion"));
  EXPECT_EQ(store_.Create(kPods, "default", Object(R"({"metadata":{"name":"web"}})"), Persist::kDryRun).status().code(),
            absl::StatusCode::kAlreadyExists);
  absl::StatusOr<json::object> modified = store_.Modify(
      kPods, "default", "web",
      [](json::object& pod) {
        pod = Object(R"({"metadata":{"name":"web","finalizers":["x/y"]},"spec":{"a":2}})");
        return absl::OkStatus();
      },
      Persist::kDryRun);
  ASSERT_TRUE(modified.ok()) << modified.status();
  EXPECT_EQ(Meta(*modified, "generation"), "2");
  EXPECT_EQ(Meta(*modified, "resourceVersion"), std::to_string(version));
  absl::StatusOr<json::object> deleted = store_.Delete(kPods, "default", "web", false, Persist::kDryRun);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_FALSE(Meta(*deleted, "deletionTimestamp").empty());  // Finalizers: it would only be marked.
  EXPECT_EQ(store_.resource_version(), version);
  EXPECT_THAT(store_.EventsAfter(kPods, "", version)->events, SizeIs(0));
  EXPECT_EQ(Meta(*store_.Get(kPods, "default", "web"), "generation"), "1");
  // A real PUT without apiVersion and kind.
  absl::StatusOr<json::object> put =
      store_.Update(kPods, "default", "web", Object(R"({"metadata":{"name":"web"},"spec":{"a":3}})"));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(Meta(*put, "resourceVersion"), std::to_string(version + 1));
  EXPECT_EQ(std::string(put->at("kind").get_string()), "Pod");
}

TEST_F(ObjectStoreTest, ResourceVersionsIncreaseAcrossTypes) {
  json::object a = MustCreate(kPods, "default", R"({"metadata":{"name":"a"}})");
  json::object b = MustCreate(kNodes, "", R"({"metadata":{"name":"b"}})");
  EXPECT_LT(std::stoull(Meta(a, "resourceVersion")), std::stoull(Meta(b, "resourceVersion")));
  EXPECT_EQ(std::to_string(store_.resource_version()), Meta(b, "resourceVersion"));
}

TEST_F(ObjectStoreTest, GenerateNameAndDuplicates) {
  json::object generated = MustCreate(kPods, "default", R"({"metadata":{"generateName":"web-"}})");
  EXPECT_THAT(Meta(generated, "name"), HasSubstr("web-"));
  EXPECT_THAT(Meta(generated, "name"), SizeIs(9));
  MustCreate(kPods, "default", R"({"metadata":{"name":"web"}})");
  absl::StatusOr<json::object> again = store_.Create(kPods, "default", Object(R"({"metadata":{"name":"web"}})"));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "pods \"web\" already exists");
  EXPECT_TRUE(store_.Create(kPods, "other", Object(R"({"metadata":{"name":"web"}})")).ok())
      << "names are per namespace";
  absl::StatusOr<json::object> nameless = store_.Create(kPods, "default", Object(R"({"spec":{}})"));
  EXPECT_EQ(nameless.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ObjectStoreTest, StaleUpdatesConflictAndSpecChangesBumpGeneration) {
  json::object created =
      MustCreate(kDeployments, "shop", R"({"metadata":{"name":"d"},"spec":{"replicas":1}})");
  json::object scaled = created;
  scaled["spec"].as_object()["replicas"] = 3;
  absl::StatusOr<json::object> updated = store_.Update(kDeployments, "shop", "d", scaled);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(Meta(*updated, "generation"), "2");
  EXPECT_EQ(Meta(*updated, "uid"), Meta(created, "uid"));

  json::object labelled = *updated;
  labelled["metadata"].as_object()["labels"] = json::object{{"a", "b"}};
  absl::StatusOr<json::object> relabelled = store_.Update(kDeployments, "shop", "d", labelled);
  ASSERT_TRUE(relabelled.ok());
  EXPECT_EQ(Meta(*relabelled, "generation"), "2") << "metadata changes keep the generation";

  absl::StatusOr<json::object> stale = store_.Update(kDeployments, "shop", "d", scaled);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("the object has been modified"));
  EXPECT_EQ(store_.Update(kDeployments, "shop", "missing", scaled).status().code(),
            absl::StatusCode::kNotFound);
}

// A write that changes nothing but managedFields' times (or the order of the
// keys) stores nothing, as kube-apiserver's GuaranteedUpdate does; any other
// difference, at any depth, is a write.
TEST_F(ObjectStoreTest, AWriteThatChangesNothingStoresNothing) {
  MustCreate(kDeployments, "shop", R"({"metadata":{"name":"d","labels":{"a":"b"},
      "managedFields":[{"manager":"kubectl","operation":"Update","time":"2026-01-01T00:00:00Z"}]},
      "spec":{"replicas":1,"template":{"x":[1,2]}}})");
  // Each body replaces the one before it.
  const struct {
    const char* body;
    bool stored;
    const char* why;
  } kWrites[] = {
      {R"({"spec":{"template":{"x":[1,2]},"replicas":1},"metadata":{"labels":{"a":"b"},"name":"d",
          "managedFields":[{"time":"2026-02-02T00:00:00Z","operation":"Update","manager":"kubectl"}]}})",
       false, "keys reordered, a new time, no resourceVersion"},
      {R"({"metadata":{"name":"d","labels":{"a":"b"},
          "managedFields":[{"manager":"kubectl","operation":"Apply","time":"2026-01-01T00:00:00Z"}]},
          "spec":{"replicas":1,"template":{"x":[1,2]}}})",
       true, "a managedFields entry's other fields are content"},
      {R"({"metadata":{"name":"d","labels":{"a":"b"},
          "managedFields":[{"manager":"kubectl","operation":"Apply","time":"2026-01-01T00:00:00Z"}]},
          "spec":{"replicas":1,"template":{"x":[2,1]}}})",
       true, "array order is content"},
      {R"({"metadata":{"name":"d","labels":{"a":"b"},
          "managedFields":[{"manager":"kubectl","operation":"Apply","time":"2026-01-01T00:00:00Z"}]},
          "spec":{"replicas":1,"template":{"x":[2,1]}},"status":{}})",
       true, "a key added at the top"},
  };
  for (const auto& write : kWrites) {
    const uint64_t before = store_.resource_version();
    absl::StatusOr<json::object> written = store_.Modify(kDeployments, "shop", "d", [&write](json::object& d) {
      d = Object(write.body);
      return absl::OkStatus();
    });
    ASSERT_TRUE(written.ok()) << written.status();
    EXPECT_EQ(store_.resource_version() > before, write.stored) << write.why;
  }
  EXPECT_EQ(Meta(*store_.Get(kDeployments, "shop", "d"), "generation"), "2") << "one spec change stored";
}

TEST_F(ObjectStoreTest, ModifyIsAtomicAndItsErrorsAbort) {
  MustCreate(kDeployments, "shop", R"({"metadata":{"name":"d"},"spec":{"replicas":1}})");
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([this] {
      for (int j = 0; j < 25; ++j) {
        ASSERT_TRUE(store_.Modify(kDeployments, "shop", "d", [](json::object& d) {
          json::object& spec = d["spec"].as_object();
          spec["replicas"] = spec["replicas"].as_int64() + 1;
          return absl::OkStatus();
        }).ok());
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(store_.Get(kDeployments, "shop", "d")->at("spec").at("replicas").as_int64(), 201)
      << "no increment may be lost";
  const uint64_t before = store_.resource_version();
  absl::StatusOr<json::object> refused = store_.Modify(
      kDeployments, "shop", "d", [](json::object&) { return absl::InvalidArgumentError("no"); });
  EXPECT_EQ(refused.status().message(), "no");
  EXPECT_EQ(store_.resource_version(), before) << "a refused modification writes nothing";
}

TEST_F(ObjectStoreTest, ListFiltersByNamespaceLabelsAndFields) {
  MustCreate(kPods, "a", R"({"metadata":{"name":"p1","labels":{"app":"web"}},"spec":{"nodeName":"n1"}})");
  MustCreate(kPods, "a", R"({"metadata":{"name":"p2","labels":{"app":"db"}},"spec":{}})");
  MustCreate(kPods, "b", R"({"metadata":{"name":"p3","labels":{"app":"web"}},"spec":{"nodeName":"n2"}})");
  auto names = [](const ObjectStore::ListResult& list) {
    std::vector<std::string> out;
    for (const json::object& item : list.items) out.push_back(Meta(item, "name"));
    return out;
  };
  const kube::LabelSelector all;
  const FieldSelector any;
  EXPECT_THAT(names(store_.List(kPods, "", all, any)), ElementsAre("p1", "p2", "p3"));
  EXPECT_THAT(names(store_.List(kPods, "a", all, any)), ElementsAre("p1", "p2"));
  EXPECT_THAT(names(store_.List(kPods, "", *kube::LabelSelector::Parse("app=web"), any)),
              ElementsAre("p1", "p3"));
  EXPECT_THAT(names(store_.List(kPods, "", all, *FieldSelector::Parse("spec.nodeName="))),
              ElementsAre("p2"));
  EXPECT_THAT(names(store_.List(kPods, "", all, *FieldSelector::Parse("spec.nodeName!=,metadata.namespace=b"))),
              ElementsAre("p3"));
  EXPECT_EQ(store_.List(kPods, "", all, any).resource_version, store_.resource_version());
}

TEST_F(ObjectStoreTest, WatchEventsAndGoneAfterTheWindow) {
  const uint64_t start = store_.resource_version();
  MustCreate(kPods, "a", R"({"metadata":{"name":"p"}})");
  json::object p = *store_.Get(kPods, "a", "p");
  p["spec"] = json::object{{"nodeName", "n1"}};
  ASSERT_TRUE(store_.Update(kPods, "a", "p", p).ok());
  ASSERT_TRUE(store_.Delete(kPods, "a", "p").ok());
  absl::StatusOr<ObjectStore::LoggedEvents> logged = store_.EventsAfter(kPods, "a", start);
  ASSERT_TRUE(logged.ok());
  const auto& events = logged->events;
  ASSERT_THAT(events, SizeIs(3));
  EXPECT_EQ(events[0]->type, WatchEvent::Type::kAdded);
  EXPECT_EQ(events[1]->type, WatchEvent::Type::kModified);
  EXPECT_EQ(events[2]->type, WatchEvent::Type::kDeleted);
  EXPECT_THAT(store_.EventsAfter(kPods, "b", start)->events, SizeIs(0));
  EXPECT_EQ(store_.Get(kPods, "a", "p").status().message(), "pods \"p\" not found");

  for (int i = 0; i < 6; ++i) {
    MustCreate(kNodes, "", absl::StrCat(R"({"metadata":{"name":"n)", i, R"("}})").c_str());
  }
  absl::StatusOr<ObjectStore::LoggedEvents> gone = store_.EventsAfter(kPods, "a", start);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(gone.status().message(), HasSubstr("too old resource version"));
  EXPECT_TRUE(store_.EventsAfter(kNodes, "", store_.resource_version() - 1).ok());
}

// A list hands out the stored bytes themselves, shared with the watch event
// that wrote them: no copy per object, in key order, selectors applied.
TEST_F(ObjectStoreTest, ListSerializedSharesTheStoredBytes) {
  const uint64_t start = store_.resource_version();
  MustCreate(kPods, "b", R"({"metadata":{"name":"p","labels":{"app":"web"}}})");
  MustCreate(kPods, "a", R"({"metadata":{"name":"q","labels":{"app":"db"}}})");
  MustCreate(kPods, "a", R"({"metadata":{"name":"p","labels":{"app":"web"}}})");
  ObjectStore::SerializedList all = store_.ListSerialized(kPods, "", kube::LabelSelector(), FieldSelector());
  ASSERT_THAT(all.items, SizeIs(3));
  EXPECT_EQ(all.items[0].key, ListKey("a", "p"));
  EXPECT_EQ(all.items[1].key, ListKey("a", "q"));
  EXPECT_EQ(all.items[2].key, ListKey("b", "p"));
  EXPECT_EQ(all.resource_version, store_.resource_version());
  ObjectStore::SerializedList again = store_.ListSerialized(kPods, "", kube::LabelSelector(), FieldSelector());
  EXPECT_EQ(again.items[0].json.get(), all.items[0].json.get());
  auto logged = store_.EventsAfter(kPods, "b", start);
  ASSERT_TRUE(logged.ok());
  ASSERT_THAT(logged->events, SizeIs(1));
  EXPECT_EQ(logged->events[0]->object.get(), all.items[2].json.get());

  ObjectStore::SerializedList web =
      store_.ListSerialized(kPods, "", *kube::LabelSelector::Parse("app=web"), FieldSelector());
  ASSERT_THAT(web.items, SizeIs(2));
  EXPECT_EQ(web.items[0].key, ListKey("a", "p"));
  EXPECT_EQ(web.items[1].key, ListKey("b", "p"));
  EXPECT_THAT(store_.ListSerialized(kPods, "a", kube::LabelSelector(), FieldSelector()).items, SizeIs(2));

  // A write makes a new version; the one listed before stays as it was.
  ASSERT_TRUE(store_.Modify(kPods, "a", "p", [](json::object& pod) {
                      pod["metadata"].as_object()["labels"] = json::object{{"app", "db"}};
                      return absl::OkStatus();
                    }).ok());
  EXPECT_THAT(*all.items[0].json, HasSubstr(R"("app":"web")"));
  EXPECT_THAT(*store_.ListSerialized(kPods, "a", kube::LabelSelector(), FieldSelector()).items[0].json,
              HasSubstr(R"("app":"db")"));
}

// Every watch reads the same logged event: decoded and encoded once per
// write, not copied and serialized again per watch.
TEST_F(ObjectStoreTest, WatchesShareEachLoggedEvent) {
  const uint64_t start = store_.resource_version();
  MustCreate(kPods, "a", R"({"metadata":{"name":"p","labels":{"app":"web"}}})");
  auto first = store_.EventsAfter(kPods, "a", start);
  auto second = store_.EventsAfter(kPods, "", start);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_THAT(first->events, SizeIs(1));
  ASSERT_THAT(second->events, SizeIs(1));
  EXPECT_EQ(first->events[0].get(), second->events[0].get());
  EXPECT_THAT(first->events[0]->object_json(), HasSubstr(R"("labels":{"app":"web"})"));
}

// A watch of a quiet type is told how far the log was read, so it never
// scans the other types' writes again.
TEST_F(ObjectStoreTest, EventsAfterSaysHowFarTheLogWasRead) {
  const uint64_t start = store_.resource_version();
  MustCreate(kPods, "a", R"({"metadata":{"name":"p"}})");
  MustCreate(kNodes, "", R"({"metadata":{"name":"n"}})");
  absl::StatusOr<ObjectStore::LoggedEvents> nodes = store_.EventsAfter(kNodes, "", start);
  ASSERT_TRUE(nodes.ok());
  EXPECT_THAT(nodes->events, SizeIs(1));
  EXPECT_EQ(nodes->through, store_.resource_version());
  MustCreate(kPods, "a", R"({"metadata":{"name":"q"}})");
  absl::StatusOr<ObjectStore::LoggedEvents> quiet = store_.EventsAfter(kNodes, "", nodes->through);
  ASSERT_TRUE(quiet.ok());
  EXPECT_THAT(quiet->events, SizeIs(0));
  EXPECT_GT(quiet->through, nodes->through);
  // Nothing newer: `through` stays where it was asked from.
  EXPECT_EQ(store_.EventsAfter(kNodes, "", quiet->through)->through, quiet->through);
}

TEST_F(ObjectStoreTest, AwaitChangeWakesOnAWrite) {
  const uint64_t now = store_.resource_version();
  EXPECT_FALSE(store_.AwaitChange(now, absl::Now() + absl::Milliseconds(20)));
  std::thread writer([this] { MustCreate(kNodes, "", R"({"metadata":{"name":"late"}})"); });
  EXPECT_TRUE(store_.AwaitChange(now, absl::Now() + absl::Seconds(10)));
  writer.join();
}

const ResourceType kReplicaSets{"apps", "v1", "ReplicaSet", "replicasets", true};

std::string OwnedBy(const json::object& owner, const char* name) {
  return absl::StrCat(R"({"metadata":{"name":")", name, R"(","ownerReferences":[{"apiVersion":"apps/v1","kind":"X","name":"o","uid":")",
                      Meta(owner, "uid"), R"(","controller":true}]}})");
}

TEST_F(ObjectStoreTest, FinalizersHoldADeletionUntilTheyAreRemoved) {
  MustCreate(kDeployments, "shop", R"({"metadata":{"name":"d","finalizers":["spillway/cleanup"]}})");
  absl::StatusOr<json::object> marked = store_.Delete(kDeployments, "shop", "d");
  ASSERT_TRUE(marked.ok());
  EXPECT_FALSE(Meta(*marked, "deletionTimestamp").empty());
  absl::StatusOr<json::object> still = store_.Get(kDeployments, "shop", "d");
  ASSERT_TRUE(still.ok());  // Still there, marked.
  // Clients cannot unmark it, nor add finalizers while it is being deleted.
  absl::StatusOr<json::object> added = store_.Modify(kDeployments, "shop", "d", [](json::object& d) {
    d["metadata"].as_object()["finalizers"] = json::array{"spillway/cleanup", "other"};
    d["metadata"].as_object().erase("deletionTimestamp");
    return absl::OkStatus();
  });
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(added.status().message()), HasSubstr("no new finalizers"));
  ASSERT_TRUE(store_.Modify(kDeployments, "shop", "d", [](json::object& d) {
                      d["metadata"].as_object()["finalizers"] = json::array();
                      return absl::OkStatus();
                    })
                  .ok());
  EXPECT_EQ(store_.Get(kDeployments, "shop", "d").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, GarbageCollectionFollowsOwnerReferences) {
  json::object deployment = MustCreate(kDeployments, "shop", R"({"metadata":{"name":"web"}})");
  json::object rs = MustCreate(kReplicaSets, "shop", OwnedBy(deployment, "web-1").c_str());
  MustCreate(kPods, "shop", OwnedBy(rs, "web-1-a").c_str());
  json::object guarded = MustCreate(kPods, "shop", OwnedBy(rs, "web-1-b").c_str());
  ASSERT_TRUE(store_.Modify(kPods, "shop", "web-1-b", [](json::object& p) {
                      p["metadata"].as_object()["finalizers"] = json::array{"keep"};
                      return absl::OkStatus();
                    })
                  .ok());
  json::object other = MustCreate(kDeployments, "shop", R"({"metadata":{"name":"other"}})");
  std::string two_owners = OwnedBy(rs, "shared");
  json::object shared = Object(two_owners.c_str());
  shared["metadata"].as_object()["ownerReferences"].as_array().push_back(
      json::object{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "other"}, {"uid", Meta(other, "uid")}});
  ASSERT_TRUE(store_.Create(kPods, "shop", shared).ok());

  ASSERT_TRUE(store_.Delete(kDeployments, "shop", "web").ok());
  EXPECT_EQ(store_.Get(kReplicaSets, "shop", "web-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.Get(kPods, "shop", "web-1-a").status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<json::object> finalizing = store_.Get(kPods, "shop", "web-1-b");
  ASSERT_TRUE(finalizing.ok());
  EXPECT_FALSE(Meta(*finalizing, "deletionTimestamp").empty());
  absl::StatusOr<json::object> survivor = store_.Get(kPods, "shop", "shared");
  ASSERT_TRUE(survivor.ok());  // Another owner remains: only the dangling reference goes.
  EXPECT_EQ(survivor->at("metadata").at("ownerReferences").as_array().size(), 1u);
}

// The collector follows ownerReferences as they are now, not as they were
// when the dependent was created.
TEST_F(ObjectStoreTest, GarbageCollectionFollowsReferencesChangedByUpdates) {
  json::object rs = MustCreate(kReplicaSets, "shop", R"({"metadata":{"name":"web-1"}})");
  MustCreate(kPods, "shop", R"({"metadata":{"name":"adopted"}})");
  MustCreate(kPods, "shop", OwnedBy(rs, "released").c_str());
  ASSERT_TRUE(store_.Modify(kPods, "shop", "adopted", [&rs](json::object& pod) {
                      pod = Object(OwnedBy(rs, "adopted").c_str());
                      return absl::OkStatus();
                    }).ok());
  ASSERT_TRUE(store_.Modify(kPods, "shop", "released", [](json::object& pod) {
                      pod["metadata"].as_object().erase("ownerReferences");
                      return absl::OkStatus();
                    }).ok());

  ASSERT_TRUE(store_.Delete(kReplicaSets, "shop", "web-1").ok());
  EXPECT_EQ(store_.Get(kPods, "shop", "adopted").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_.Get(kPods, "shop", "released").ok());
}

// A dependent whose other owner was deleted earlier is collected with the
// last one (the first deletion released it from that reference only).
TEST_F(ObjectStoreTest, TheLastOwnerGoingCollectsTheDependent) {
  json::object first = MustCreate(kDeployments, "shop", R"({"metadata":{"name":"first"}})");
  json::object second = MustCreate(kDeployments, "shop", R"({"metadata":{"name":"second"}})");
  json::object shared = Object(OwnedBy(first, "shared").c_str());
  shared["metadata"].as_object()["ownerReferences"].as_array().push_back(json::object{
      {"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "second"}, {"uid", Meta(second, "uid")}});
  ASSERT_TRUE(store_.Create(kReplicaSets, "shop", shared).ok());

  ASSERT_TRUE(store_.Delete(kDeployments, "shop", "first").ok());
  absl::StatusOr<json::object> kept = store_.Get(kReplicaSets, "shop", "shared");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->at("metadata").at("ownerReferences").as_array().size(), 1u);
  ASSERT_TRUE(store_.Delete(kDeployments, "shop", "second").ok());
  EXPECT_EQ(store_.Get(kReplicaSets, "shop", "shared").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, OrphanPropagationReleasesDependents) {
  json::object deployment = MustCreate(kDeployments, "shop", R"({"metadata":{"name":"web"}})");
  MustCreate(kReplicaSets, "shop", OwnedBy(deployment, "web-1").c_str());
  ASSERT_TRUE(store_.Delete(kDeployments, "shop", "web", /*orphan_dependents=*/true).ok());
  absl::StatusOr<json::object> orphan = store_.Get(kReplicaSets, "shop", "web-1");
  ASSERT_TRUE(orphan.ok());
  EXPECT_EQ(orphan->at("metadata").as_object().if_contains("ownerReferences"), nullptr);
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

// Updating one large object many times must not keep every version: the
// event log is bounded in bytes as well as in count.
TEST(ObjectStoreWindowTest, TheWatchLogIsBoundedInBytes) {
  absl::BitGen random;
  ObjectStore::Options options;
  options.watch_window = 10000;
  options.watch_window_bytes = 5 * 1024 * 1024;
  ObjectStore store(options, [] { return absl::FromUnixSeconds(1795300000); }, random);
  const ResourceType configmaps{"", "v1", "ConfigMap", "configmaps", true};
  const std::string value(1024 * 1024, 'x');
  ASSERT_TRUE(store.Create(configmaps, "a", json::object{{"metadata", json::object{{"name", "big"}}},
                                                          {"data", json::object{{"k", value}}}})
                  .ok());
  const uint64_t first = store.resource_version();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store.Modify(configmaps, "a", "big", [&](json::object& object) {
                       object["data"].as_object()["k"] = absl::StrCat(i, value);
                       return absl::OkStatus();
                     }).ok());
  }
  // Twenty 1 MiB versions against a 5 MiB window: the first ones are Gone,
  // the newest are still there for a watcher.
  EXPECT_EQ(store.EventsAfter(configmaps, "a", first).status().code(), absl::StatusCode::kOutOfRange);
  absl::StatusOr<ObjectStore::LoggedEvents> recent = store.EventsAfter(configmaps, "a", store.resource_version() - 2);
  ASSERT_TRUE(recent.ok()) << recent.status();
  EXPECT_EQ(recent->events.size(), 2u);
}

// With a seed, a generated name and a uid depend on the object alone: two
// stores that create the same pods with other objects interleaved
// differently name them alike (the simulated cluster's same seed, same story).
TEST(ObjectStoreSeedTest, NamesAndUidsDoNotDependOnWhatElseWasCreated) {
  const ResourceType pods{"", "v1", "Pod", "pods", true};
  const ResourceType events{"", "v1", "Event", "events", true};
  auto make = [&](bool interleave) {
    absl::BitGen random;
    ObjectStore::Options options;
    options.seed = 7;
    ObjectStore store(options, [] { return absl::FromUnixSeconds(1795300000); }, random);
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) {
      if (interleave) {
        EXPECT_TRUE(store.Create(events, "default", json::object{{"metadata", json::object{{"generateName", "e-"}}}}).ok());
      }
      absl::StatusOr<json::object> pod =
          store.Create(pods, "default", json::object{{"metadata", json::object{{"generateName", "web-"}}}});
      EXPECT_TRUE(pod.ok());
      out.push_back(absl::StrCat(std::string(pod->at("metadata").at("name").as_string()), " ",
                                 std::string(pod->at("metadata").at("uid").as_string())));
    }
    return out;
  };
  const std::vector<std::string> plain = make(false);
  EXPECT_EQ(plain, make(true));
  EXPECT_NE(plain[0], plain[1]);
  EXPECT_EQ(plain[0].substr(0, 4), "web-");
}

}  // namespace
}  // namespace spillway::sim
