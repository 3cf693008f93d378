#include "kube/event_recorder.h"

#include <memory>

#include "gtest/gtest.h"
#include "sim/apiserver/test_cluster.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;

class EventRecorderTest : public sim::EmbeddedClusterTest {
 protected:
  void SetUp() override {
    sim::EmbeddedClusterTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(client_->Create({"", "v1", "namespaces", "", "", ""},
                                json::object{{"metadata", json::object{{"name", "shop"}}}})
                    .ok());
    EventRecorder::Options options;
    options.instance = "spillway-7f9c-abcde";
    options.cache_size = 2;
    recorder_ = std::make_unique<EventRecorder>(*client_, clock_, options);
  }

  json::array Events(const std::string& ns) {
    absl::StatusOr<json::object> list = client_->List({"", "v1", "events", ns, "", ""}, {});
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? list->at("items").as_array() : json::array();
  }

  FakeClock clock_;
  std::unique_ptr<EventRecorder> recorder_;
  const ObjectReference pod_{"v1", "Pod", "shop", "web-1", "uid-1"};
};

TEST_F(EventRecorderTest, CreatesAnEventDescribingTheObject) {
  ASSERT_TRUE(recorder_->Record(pod_, EventType::kNormal, "RescuedToECI",
                                "moved to ECI: 0/3 nodes are available: 3 Insufficient cpu.")
                  .ok());
  json::array events = Events("shop");
  ASSERT_EQ(events.size(), 1u);
  const json::object& event = events[0].as_object();
  EXPECT_EQ(event.at("reason").as_string(), "RescuedToECI");
  EXPECT_EQ(event.at("type").as_string(), "Normal");
  EXPECT_EQ(event.at("count").as_int64(), 1);
  EXPECT_EQ(event.at("involvedObject").at("name").as_string(), "web-1");
  EXPECT_EQ(event.at("involvedObject").at("uid").as_string(), "uid-1");
  EXPECT_EQ(event.at("source").at("component").as_string(), "spillway");
  EXPECT_EQ(event.at("reportingInstance").as_string(), "spillway-7f9c-abcde");
}

TEST_F(EventRecorderTest, RepeatsBumpCountAndLastTimestamp) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(recorder_->Record(pod_, EventType::kWarning, "NoStock", "zone j out of stock").ok());
    clock_.Advance(absl::Minutes(1));
  }
  ASSERT_TRUE(recorder_->Record(pod_, EventType::kWarning, "NoStock", "zone k out of stock").ok());
  json::array events = Events("shop");
  ASSERT_EQ(events.size(), 2u);
  for (const json::value& value : events) {
    const json::object& event = value.as_object();
    if (event.at("message").as_string() == "zone j out of stock") {
      EXPECT_EQ(event.at("count").as_int64(), 3);
      EXPECT_NE(event.at("firstTimestamp"), event.at("lastTimestamp"));
    } else {
      EXPECT_EQ(event.at("count").as_int64(), 1);
    }
  }
}

TEST_F(EventRecorderTest, AnEventDeletedMeanwhileIsCreatedAgain) {
  ASSERT_TRUE(recorder_->Record(pod_, EventType::kNormal, "Reason", "message").ok());
  json::array events = Events("shop");
  ASSERT_EQ(events.size(), 1u);
  const std::string name(events[0].at("metadata").at("name").as_string());
  ASSERT_TRUE(client_->Delete({"", "v1", "events", "shop", name, ""}).ok());
  ASSERT_TRUE(recorder_->Record(pod_, EventType::kNormal, "Reason", "message").ok());
  events = Events("shop");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("count").as_int64(), 1);
}

TEST_F(EventRecorderTest, TheCacheIsBoundedAndClusterScopedObjectsUseDefault) {
  const ObjectReference node{"v1", "Node", "", "virtual-kubelet-cn-hangzhou-j", "n-1"};
  for (const char* reason : {"A", "B", "C", "A"}) {  // A is evicted by C (cache of 2).
    ASSERT_TRUE(recorder_->Record(node, EventType::kWarning, reason, "m").ok());
  }
  EXPECT_EQ(Events("default").size(), 4u);
}

TEST_F(EventRecorderTest, ARefusedEventIsAnErrorNotACrash) {
  const ObjectReference orphan{"v1", "Pod", "no-such-namespace", "x", "u"};
  EXPECT_EQ(recorder_->Record(orphan, EventType::kNormal, "R", "m").code(),
            absl::StatusCode::kNotFound);
  server_->Stop();
  EXPECT_EQ(recorder_->Record(pod_, EventType::kNormal, "R", "m").code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace spillway::kube
