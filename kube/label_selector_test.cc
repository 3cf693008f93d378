#include "kube/label_selector.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

using ::testing::HasSubstr;

StringMap Labels(std::initializer_list<std::pair<const char*, const char*>> pairs) {
  StringMap map;
  for (const auto& [k, v] : pairs) map.Set(k, v);
  return map;
}

bool Match(const char* selector, const StringMap& labels) {
  absl::StatusOr<LabelSelector> parsed = LabelSelector::Parse(selector);
  EXPECT_TRUE(parsed.ok()) << selector << ": " << parsed.status();
  return parsed.ok() && parsed->Matches(labels);
}

TEST(LabelSelectorTest, EqualityAndInequality) {
  const StringMap web = Labels({{"app", "web"}, {"tier", "front"}});
  EXPECT_TRUE(Match("app=web", web));
  EXPECT_TRUE(Match("app==web,tier=front", web));
  EXPECT_FALSE(Match("app=web,tier=back", web));
  EXPECT_TRUE(Match("app!=db", web));
  EXPECT_TRUE(Match("missing!=x", web)) << "!= matches objects without the label";
  EXPECT_FALSE(Match("app != web", web));
}

TEST(LabelSelectorTest, SetAndExistence) {
  const StringMap vk = Labels({{"type", "virtual-kubelet"}, {"alibabacloud.com/eci", "true"}});
  EXPECT_TRUE(Match("type in (virtual-kubelet, ecs)", vk));
  EXPECT_FALSE(Match("type notin (virtual-kubelet)", vk));
  EXPECT_TRUE(Match("alibabacloud.com/eci", vk));
  EXPECT_TRUE(Match("!eci", vk));
  EXPECT_FALSE(Match("!type", vk));
  EXPECT_TRUE(Match("", vk)) << "the empty selector matches everything";
}

TEST(LabelSelectorTest, ToStringReadsBackAsTheSameSelector) {
  for (const char* text : {"app=web", "app=web,tier!=db", "tier in (a,b),env notin (dev)", "canary,!legacy", ""}) {
    absl::StatusOr<LabelSelector> parsed = LabelSelector::Parse(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
    EXPECT_EQ(parsed->ToString(), text);
  }
}

TEST(LabelSelectorTest, MalformedSelectorsNameTheProblem) {
  EXPECT_THAT(LabelSelector::Parse("app in (a").status().message(),
              HasSubstr("unterminated value list"));
  EXPECT_THAT(LabelSelector::Parse("app within (a)").status().message(),
              HasSubstr("unknown operator 'within'"));
  EXPECT_THAT(LabelSelector::Parse("a b=c").status().message(), HasSubstr("invalid label key"));
  EXPECT_EQ(LabelSelector::Parse("x)").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace spillway::kube
