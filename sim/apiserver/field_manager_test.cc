#include "sim/apiserver/field_manager.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

WriteContext As(const char* manager) { return WriteContext{manager, "apps/v1", "", kNow}; }

json::object Obj(const char* text) { return json::parse(text).as_object(); }

TEST(FieldManagerTest, FieldsV1RoundTrip) {
  const json::object object = Obj(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"web","labels":{"app":"web"},"resourceVersion":"4"},
      "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c"}]}}},"status":{"replicas":2}})");
  const FieldSet fields = FieldsOf(object);
  EXPECT_EQ(json::serialize(ToFieldsV1(fields)),
            R"({"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{}}}}})");
  EXPECT_EQ(FromFieldsV1(ToFieldsV1(fields)), fields);
}

// As kube-apiserver records it: a write through the status subresource owns
// the status fields it changed, under subresource "status"; a write of the
// main resource never owns status. (Spillway reads this to notice another
// controller writing an ElasticWorkload's status.)
TEST(FieldManagerTest, StatusWritesAreRecordedUnderTheStatusSubresource) {
  const json::object before = Obj(R"({"metadata":{"name":"ew"},"spec":{"replicas":6}})");
  json::object after = Obj(R"({"metadata":{"name":"ew"},"spec":{"replicas":6},"status":{"replicas":6}})");
  RecordUpdate(before, after, WriteContext{"elastic-workload-controller", "v1beta1", "status", kNow});
  const json::value& entry = after.at("metadata").at("managedFields").at(0);
  EXPECT_EQ(entry.at("manager"), "elastic-workload-controller");
  EXPECT_EQ(entry.at("subresource"), "status");
  EXPECT_EQ(json::serialize(entry.at("fieldsV1")), R"({"f:status":{"f:replicas":{}}})");
  json::object main = Obj(R"({"metadata":{"name":"ew"},"spec":{"replicas":6},"status":{"replicas":7}})");
  RecordUpdate(before, main, As("kubectl"));
  EXPECT_FALSE(main.at("metadata").as_object().contains("managedFields"))
      << "status changed through the main resource is no one's";
}

TEST(FieldManagerTest, ApplyCreatesThenOwnsWhatItApplies) {
  absl::StatusOr<json::object> created =
      ServerSideApply(json::object(), Obj(R"({"spec":{"replicas":2,"paused":false}})"), false, As("kubectl"));
  ASSERT_TRUE(created.ok()) << created.status();
  const json::value& entry = created->at("metadata").at("managedFields").at(0);
  EXPECT_EQ(entry.at("manager"), "kubectl");
  EXPECT_EQ(entry.at("operation"), "Apply");
  EXPECT_EQ(json::serialize(entry.at("fieldsV1")), R"({"f:spec":{"f:paused":{},"f:replicas":{}}})");

  // Applying again without `paused` removes it; the same manager never conflicts with itself.
  absl::StatusOr<json::object> again =
      ServerSideApply(*created, Obj(R"({"spec":{"replicas":3}})"), false, As("kubectl"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(json::serialize(again->at("spec")), R"({"replicas":3})");
}

TEST(FieldManagerTest, AnotherManagersFieldIsAConflictUnlessForced) {
  json::object live = *ServerSideApply(json::object(), Obj(R"({"spec":{"replicas":2}})"), false, As("kubectl"));
  // kubectl scale changes replicas as an Update: the field moves to it.
  const json::object before = live;
  live["spec"].as_object()["replicas"] = 5;
  RecordUpdate(before, live, WriteContext{"kubectl-scale", "apps/v1", "scale", kNow});
  ASSERT_EQ(live.at("metadata").at("managedFields").as_array().size(), 1u);  // kubectl's entry emptied.
  EXPECT_EQ(live.at("metadata").at("managedFields").at(0).at("manager"), "kubectl-scale");

  absl::StatusOr<json::object> refused = ServerSideApply(live, Obj(R"({"spec":{"replicas":2}})"), false, As("kubectl"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(refused.status().message(),
            "Apply failed with 1 conflict: conflict with \"kubectl-scale\" with subresource \"scale\" using "
            "apps/v1: .spec.replicas");
  // The same value is no conflict; forcing takes the field over.
  EXPECT_TRUE(ServerSideApply(live, Obj(R"({"spec":{"replicas":5}})"), false, As("kubectl")).ok());
  absl::StatusOr<json::object> forced = ServerSideApply(live, Obj(R"({"spec":{"replicas":2}})"), true, As("kubectl"));
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->at("spec").at("replicas"), 2);
  ASSERT_EQ(forced->at("metadata").at("managedFields").as_array().size(), 1u);
  EXPECT_EQ(forced->at("metadata").at("managedFields").at(0).at("manager"), "kubectl");
}

TEST(FieldManagerTest, AFieldSharedWithAnotherManagerStays) {
  json::object live = *ServerSideApply(json::object(), Obj(R"({"data":{"a":"1","b":"2"}})"), false, As("one"));
  live = *ServerSideApply(live, Obj(R"({"data":{"b":"2"}})"), false, As("two"));
  // "one" stops applying b; "two" still applies it, so it stays; a goes.
  absl::StatusOr<json::object> after = ServerSideApply(live, Obj(R"({"data":{}})"), false, As("one"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(json::serialize(after->at("data")), R"({"b":"2"})");
}

TEST(FieldManagerTest, UpdatesRecordOnlyWhatChanged) {
  json::object created = Obj(R"({"metadata":{"name":"c"},"data":{"a":"1"}})");
  RecordUpdate(json::object(), created, WriteContext{"kubectl-create", "v1", "", kNow});
  json::object edited = created;
  edited["data"].as_object()["b"] = "2";
  RecordUpdate(created, edited, WriteContext{"kubectl-edit", "v1", "", kNow});
  const json::array& managed = edited.at("metadata").at("managedFields").as_array();
  ASSERT_EQ(managed.size(), 2u);
  EXPECT_EQ(json::serialize(managed[0].at("fieldsV1")), R"({"f:data":{"f:a":{}}})");
  EXPECT_EQ(json::serialize(managed[1].at("fieldsV1")), R"({"f:data":{"f:b":{}}})");
  EXPECT_THAT(json::serialize(managed[1]), HasSubstr(R"("manager":"kubectl-edit","operation":"Update")"));
}

// kube-apiserver's lastAppliedManager: kubectl's first server-side apply
// after client-side applies may take the fields the user last applied, and
// only those; other managers and other fields still conflict.
TEST(FieldManagerTest, KubectlTakesOverWhatItsClientSideApplyLastApplied) {
  struct Case {
    const char* name;
    const char* manager;
    const char* live_replicas;  // What the live object holds now.
    bool conflicts;
  };
  const Case cases[] = {
      {"kubectl, the value it last applied", "kubectl", "2", false},
      {"kubectl, a value someone changed since", "kubectl", "5", true},
      {"another manager", "helm", "2", true},
  };
  for (const Case& c : cases) {
    json::object live = Obj(R"({"metadata":{"name":"web","annotations":{
        "kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{\"replicas\":2}}"}},
        "spec":{"replicas":0}})");
    live["spec"].as_object()["replicas"] = std::stoi(c.live_replicas);
    RecordUpdate(Obj(R"({"metadata":{"name":"web"}})"), live, As("kubectl-client-side-apply"));
    absl::StatusOr<json::object> applied =
        ServerSideApply(live, Obj(R"({"spec":{"replicas":3}})"), false, As(c.manager));
    EXPECT_EQ(!applied.ok(), c.conflicts) << c.name << ": " << applied.status();
    if (!applied.ok()) {
      EXPECT_THAT(std::string(applied.status().message()), HasSubstr("kubectl-client-side-apply")) << c.name;
      continue;
    }
    EXPECT_EQ(applied->at("spec").at("replicas"), 3) << c.name;
    // The annotation follows what kubectl applied.
    EXPECT_EQ(applied->at("metadata").at("annotations").at("kubectl.kubernetes.io/last-applied-configuration"),
              R"({"spec":{"replicas":3}})")
        << c.name;
  }
}

}  // namespace
}  // namespace spillway::sim
