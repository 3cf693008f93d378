#include "sim/cluster/object_memo.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

ObjectRef Pod(const std::string& name, const std::string& phase) {
  return std::make_shared<const boost::json::object>(
      boost::json::object{{"metadata", {{"name", name}}}, {"status", {{"phase", phase}}}});
}

class ObjectMemoTest : public ::testing::Test {
 protected:
  // The phase, counting how often it was read from the JSON.
  const std::string& Phase(const ObjectRef& pod) {
    return memo_.Get(pod, [this](const boost::json::object& object) {
      ++derived_;
      return std::string(object.at("status").at("phase").as_string());
    });
  }

  ObjectMemo<std::string> memo_;
  int derived_ = 0;
};

TEST_F(ObjectMemoTest, DerivesOncePerObjectVersion) {
  const ObjectRef v1 = Pod("web-1", "Pending");
  EXPECT_EQ(Phase(v1), "Pending");
  EXPECT_EQ(Phase(v1), "Pending");
  memo_.EndPass();
  EXPECT_EQ(Phase(v1), "Pending");
  EXPECT_EQ(derived_, 1);
  // The cache replaces a changed object: a new version is derived anew.
  const ObjectRef v2 = Pod("web-1", "Running");
  EXPECT_EQ(Phase(v2), "Running");
  EXPECT_EQ(derived_, 2);
}

TEST_F(ObjectMemoTest, ForgetsObjectsNotAskedAboutInAPass) {
  const ObjectRef kept = Pod("web-1", "Running");
  const ObjectRef gone = Pod("web-2", "Running");
  Phase(kept);
  Phase(gone);
  memo_.EndPass();
  EXPECT_EQ(memo_.size(), 2u);
  Phase(kept);
  memo_.EndPass();
  EXPECT_EQ(memo_.size(), 1u);
  Phase(gone);  // Asked again later: derived again.
  EXPECT_EQ(derived_, 3);
}

// The memo holds the objects it remembers: an object the cache dropped
// cannot be freed and its address reused by another object, whose facts
// would then be taken for the old one's.
TEST_F(ObjectMemoTest, AnAddressIsNeverReusedWhileRemembered) {
  ObjectRef first = Pod("web-1", "Pending");
  Phase(first);
  std::weak_ptr<const boost::json::object> watched = first;
  first.reset();
  EXPECT_FALSE(watched.expired());
  memo_.EndPass();  // Asked about in the pass that just ended: kept.
  EXPECT_FALSE(watched.expired());
  memo_.EndPass();  // Not asked about since: forgotten and freed.
  EXPECT_TRUE(watched.expired());
  // Whatever the allocator hands out now, a new object is derived anew.
  const ObjectRef second = Pod("web-1", "Running");
  EXPECT_EQ(Phase(second), "Running");
  EXPECT_EQ(derived_, 2);
}

// References handed out stay valid while the memo grows.
TEST_F(ObjectMemoTest, ReferencesSurviveGrowth) {
  const ObjectRef first = Pod("web-0", "Pending");
  const std::string& phase = Phase(first);
  std::vector<ObjectRef> more;
  for (int i = 1; i < 1000; ++i) more.push_back(Pod("web-" + std::to_string(i), "Running"));
  for (const ObjectRef& pod : more) Phase(pod);
  EXPECT_EQ(phase, "Pending");
}

}  // namespace
}  // namespace spillway::sim
