#include "sim/apiserver/list_pages.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
const std::string kPods = "v1/pods\ndefault\n\n";

ListedObject Item(const std::string& name, const std::string& image = "v1") {
  const json::object object{{"metadata", json::object{{"namespace", "default"}, {"name", name}}},
                            {"spec", json::object{{"image", image}}}};
  return {ListKey("default", name), std::make_shared<const std::string>(json::serialize(object))};
}

std::vector<ListedObject> Items(std::initializer_list<const char*> names, const std::string& image = "v1") {
  std::vector<ListedObject> items;
  for (const char* name : names) items.push_back(Item(name, image));
  return items;
}

json::object Decoded(const ListedObject& item) { return json::parse(*item.json).as_object(); }

std::vector<std::string> Names(const ListPage& page) {
  std::vector<std::string> names;
  for (const ListedObject& item : page.items) {
    names.emplace_back(Decoded(item).at("metadata").at("name").as_string());
  }
  return names;
}

// What the collection looks like "now"; a continuation from a snapshot must
// never read it.
struct Current {
  std::vector<ListedObject> items;
  uint64_t version = 0;
  int* calls;
  std::pair<std::vector<ListedObject>, uint64_t> operator()() const {
    ++*calls;
    return {items, version};
  }
};

TEST(ListPagerTest, AListThatFitsHasNoToken) {
  ListPager pager;
  ListPage page = pager.First(kPods, Items({"a", "b"}), 7, 2, kStart);
  EXPECT_EQ(page.code, 200);
  EXPECT_THAT(Names(page), ElementsAre("a", "b"));
  EXPECT_THAT(page.continue_token, IsEmpty());
  EXPECT_EQ(page.resource_version, 7u);
  EXPECT_EQ(pager.kept_bytes(), 0u);
  EXPECT_THAT(Names(pager.First(kPods, Items({"a", "b"}), 7, 0, kStart)), ElementsAre("a", "b"));
}

TEST(ListPagerTest, LaterPagesComeFromTheFirstPagesState) {
  ListPager pager;
  ListPage first = pager.First(kPods, Items({"a", "b", "c", "d", "e"}), 10, 2, kStart);
  EXPECT_THAT(Names(first), ElementsAre("a", "b"));
  EXPECT_EQ(first.remaining_items, 3);
  ASSERT_THAT(first.continue_token, Not(IsEmpty()));

  // Meanwhile "c" was deleted, "bb" created and "d" changed.
  int calls = 0;
  Current now{Items({"a", "b", "bb", "d", "e"}, "v2"), 14, &calls};
  ListPage second = pager.Next(kPods, first.continue_token, 2, kStart + absl::Seconds(1), now);
  EXPECT_EQ(second.code, 200);
  EXPECT_THAT(Names(second), ElementsAre("c", "d"));
  EXPECT_EQ(Decoded(second.items[1]).at("spec").at("image").as_string(), "v1");
  EXPECT_EQ(second.resource_version, 10u);
  EXPECT_EQ(second.remaining_items, 1);
  ListPage third = pager.Next(kPods, second.continue_token, 2, kStart + absl::Seconds(2), now);
  EXPECT_THAT(Names(third), ElementsAre("e"));
  EXPECT_THAT(third.continue_token, IsEmpty());
  EXPECT_EQ(calls, 0);
}

TEST(ListPagerTest, ATokenOnlyContinuesItsOwnQuery) {
  ListPager pager;
  ListPage first = pager.First(kPods, Items({"a", "b", "c"}), 3, 1, kStart);
  int calls = 0;
  Current now{Items({"a"}), 3, &calls};
  ListPage other = pager.Next("v1/pods\ndefault\napp=web\n", first.continue_token, 1, kStart, now);
  EXPECT_EQ(other.code, 400);
  EXPECT_EQ(other.reason, "BadRequest");
  EXPECT_THAT(other.message, HasSubstr("invalid continue token"));
  ListPage garbage = pager.Next(kPods, "not-a-token", 1, kStart, now);
  EXPECT_EQ(garbage.code, 400);
  EXPECT_THAT(garbage.message, HasSubstr("invalid continue token"));
}

TEST(ListPagerTest, AnExpiredSnapshotIs410WithAnInconsistentToken) {
  ListPager pager(ListPager::Limits{64u << 20, absl::Minutes(5)});
  ListPage first = pager.First(kPods, Items({"a", "b", "c", "d"}), 20, 2, kStart);
  int calls = 0;
  Current now{Items({"a", "b", "bb", "d"}, "v2"), 25, &calls};
  ListPage expired = pager.Next(kPods, first.continue_token, 2, kStart + absl::Minutes(6), now);
  EXPECT_EQ(expired.code, 410);
  EXPECT_EQ(expired.reason, "Expired");
  EXPECT_THAT(expired.message, HasSubstr("The provided continue parameter is too old to display a consistent list"));
  ASSERT_THAT(expired.continue_token, Not(IsEmpty()));
  EXPECT_EQ(pager.kept_bytes(), 0u);

  // The token from the 410 continues from the current state, after "b".
  ListPage rest = pager.Next(kPods, expired.continue_token, 2, kStart + absl::Minutes(6), now);
  EXPECT_EQ(rest.code, 200);
  EXPECT_THAT(Names(rest), ElementsAre("bb", "d"));
  EXPECT_EQ(rest.resource_version, 25u);
  EXPECT_EQ(calls, 1);
}

TEST(ListPagerTest, SnapshotsAreBoundedInBytesOldestFirst) {
  ListPager pager(ListPager::Limits{600, absl::Minutes(5)});
  ListPage older = pager.First(kPods, Items({"a", "b", "c", "d", "e", "f", "g", "h"}), 1, 1, kStart);
  ListPage newer = pager.First(kPods, Items({"a", "b", "c", "d", "e", "f", "g", "h"}), 2, 1, kStart);
  EXPECT_LE(pager.kept_bytes(), 600u);
  int calls = 0;
  Current now{Items({"a"}), 3, &calls};
  EXPECT_EQ(pager.Next(kPods, older.continue_token, 1, kStart, now).code, 410);
  EXPECT_EQ(pager.Next(kPods, newer.continue_token, 1, kStart, now).code, 200);
  // One list alone over the cap is still kept, so it can be read to the end.
  ListPager tiny(ListPager::Limits{1, absl::Minutes(5)});
  ListPage big = tiny.First(kPods, Items({"a", "b", "c"}), 4, 1, kStart);
  EXPECT_THAT(Names(tiny.Next(kPods, big.continue_token, 5, kStart, now)), ElementsAre("b", "c"));
}

}  // namespace
}  // namespace spillway::sim
