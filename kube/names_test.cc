#include "kube/names.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace spillway::kube {
namespace {

TEST(NamesTest, QualifiedNamesAsKubeApiserverJudgesThem) {
  struct Case {
    std::string key;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"team", true},
      {"created-by-eci", true},
      {"k8s.aliyun.com/eci-image-cache", true},
      {"alibabacloud.com/eci", true},
      {"a.b_c-d", true},
      {std::string(63, 'a'), true},
      {std::string(64, 'a'), false},
      {"", false},
      {"bad key!", false},
      {"-leading", false},
      {"trailing.", false},
      {"Example.com/name", false},  // The prefix is a lowercase subdomain.
      {"example.com/", false},
      {"/name", false},
      {"a/b/c", false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsQualifiedName(c.key), c.valid) << c.key;
}

TEST(NamesTest, LabelValues) {
  EXPECT_TRUE(IsLabelValue(""));
  EXPECT_TRUE(IsLabelValue("true"));
  EXPECT_TRUE(IsLabelValue("My_Value.1"));
  EXPECT_FALSE(IsLabelValue("data platform"));
  EXPECT_FALSE(IsLabelValue("-x"));
  EXPECT_FALSE(IsLabelValue(std::string(64, 'v')));
  EXPECT_EQ(CheckLabelValue("effect.labels", "data platform"),
            std::string("effect.labels: Invalid value: \"data platform\": ") + kLabelValueMessage);
  EXPECT_EQ(CheckLabelValue("effect.labels", "ok"), "");
  EXPECT_EQ(CheckQualifiedName("effect.annotations", "bad key!"),
            std::string("effect.annotations: Invalid value: \"bad key!\": ") + kQualifiedNameMessage);
}

TEST(NamesTest, Dns1123) {
  EXPECT_TRUE(IsDns1123Label("kube-system"));
  EXPECT_FALSE(IsDns1123Label("kube.system"));
  EXPECT_TRUE(IsDns1123Subdomain("web-1.shop"));
  EXPECT_FALSE(IsDns1123Subdomain("Web"));
  EXPECT_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
}

}  // namespace
}  // namespace spillway::kube
