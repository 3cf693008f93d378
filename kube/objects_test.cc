#include "kube/objects.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

std::vector<std::pair<std::string, std::string>> Entries(const StringMap& map) {
  std::vector<std::pair<std::string, std::string>> out;
  map.ForEach([&](absl::string_view k, absl::string_view v) { out.emplace_back(std::string(k), std::string(v)); });
  return out;
}

// A repeated key keeps its first position and takes its last value, as
// StringMap::Set per entry does (JSON's last-wins rule).
TEST(StringMapBuilderTest, BuildsWhatSetPerEntryBuilds) {
  const std::vector<std::pair<std::string, std::string>> document = {
      {"app", "web"}, {"tier", "front"}, {"app", "api"}, {"zone", ""}, {"app", "db"}, {"tier", "back"}};
  StringMap by_set;
  StringMapBuilder builder;
  for (const auto& [key, value] : document) {
    by_set.Set(key, value);
    builder.Set(key, value);
  }
  const StringMap built = builder.Build();
  EXPECT_EQ(Entries(built), Entries(by_set));
  EXPECT_EQ(Entries(built),
            (std::vector<std::pair<std::string, std::string>>{{"app", "db"}, {"tier", "back"}, {"zone", ""}}));
  EXPECT_TRUE(Entries(builder.Build()).empty()) << "the builder is left empty";
}

TEST(StringMapBuilderTest, ManyEntriesKeepEveryOne) {
  StringMapBuilder builder;
  for (int i = 0; i < 40000; ++i) builder.Set(absl::StrCat("l", i), absl::StrCat("v", i % 10));
  builder.Set("l7", "again");
  const StringMap map = builder.Build();
  EXPECT_EQ(map.size(), 40000u);
  EXPECT_EQ(map.Find("l39999").value_or("-"), "v9");
  EXPECT_EQ(map.Find("l7").value_or("-"), "again");
}

}  // namespace
}  // namespace spillway::kube
