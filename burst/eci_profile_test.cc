#include "burst/eci_profile.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

kube::StringMap Map(std::initializer_list<std::pair<const char*, const char*>> entries) {
  kube::StringMap map;
  for (const auto& [key, value] : entries) map.Set(key, value);
  return map;
}

// The documented default selectors, as ACK ships them.
constexpr char kDefaults[] = R"([
  {"name": "default-selector-1", "objectSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
  {"name": "default-selector-3", "namespaceSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
  {"name": "default-selector-5",
   "namespaceSelector": {"matchLabels": {"virtual-node-affinity-injection": "enabled"}},
   "effect": {"annotations": {"k8s.aliyun.com/eci-image-cache": "true"},
              "labels": {"created-by-eci": "true"}}}
])";

EciProfile Parse(const std::string& selectors) {
  absl::StatusOr<EciProfile> profile = ParseEciProfile(Map({{"selectors", selectors.c_str()}}));
  EXPECT_TRUE(profile.ok()) << profile.status();
  return profile.ok() ? *profile : EciProfile();
}

TEST(EciProfileTest, TheDocumentedDefaultsParseAndMatch) {
  EciProfile profile = Parse(kDefaults);
  ASSERT_EQ(profile.selectors.size(), 3u);
  const kube::StringMap none;
  const kube::StringMap eci_ns = Map({{"alibabacloud.com/eci", "true"}});
  const kube::StringMap injection_ns = Map({{"virtual-node-affinity-injection", "enabled"}});
  struct Case {
    kube::StringMap pod_labels;
    const kube::StringMap* ns_labels;
    const char* want;  // nullptr: no scheduling selector.
  };
  const Case cases[] = {
      {Map({{"alibabacloud.com/eci", "true"}}), &none, "default-selector-1"},
      {Map({{"alibabacloud.com/eci", "false"}}), &none, nullptr},
      {Map({{"app", "web"}}), &eci_ns, "default-selector-3"},
      {Map({{"app", "web"}}), &injection_ns, "default-selector-5"},
      {Map({{"app", "web"}}), nullptr, nullptr},  // Namespace unknown: no namespace match.
      {Map({{"alibabacloud.com/eci", "true"}}), nullptr, "default-selector-1"},
  };
  for (const Case& c : cases) {
    const ProfileSelector* selector = SchedulingSelector(profile, c.pod_labels, c.ns_labels);
    if (c.want == nullptr) {
      EXPECT_EQ(selector, nullptr);
    } else {
      ASSERT_NE(selector, nullptr) << c.want;
      EXPECT_EQ(selector->name, c.want);
    }
  }
}

// The documentation's example: both parts must match, matchLabels entries AND.
TEST(EciProfileTest, BothPartsAndEveryLabelMustMatch) {
  EciProfile profile = Parse(R"([{"name": "bigdata",
      "namespaceSelector": {"matchLabels": {"department": "bigdata"}},
      "objectSelector": {"matchLabels": {"type": "offline-task", "tier": "batch"}},
      "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"}}}])");
  const kube::StringMap bigdata = Map({{"department", "bigdata"}});
  const kube::StringMap web = Map({{"department", "web"}});
  const kube::StringMap task = Map({{"type", "offline-task"}, {"tier", "batch"}});
  EXPECT_NE(SchedulingSelector(profile, task, &bigdata), nullptr);
  EXPECT_EQ(SchedulingSelector(profile, task, &web), nullptr);
  EXPECT_EQ(SchedulingSelector(profile, Map({{"type", "offline-task"}}), &bigdata), nullptr);
}

TEST(EciProfileTest, MatchExpressionsOperators) {
  EciProfile profile = Parse(R"([{"name": "exprs", "objectSelector": {"matchExpressions": [
      {"key": "tier", "operator": "In", "values": ["batch", "offline"]},
      {"key": "pinned", "operator": "DoesNotExist"},
      {"key": "team", "operator": "Exists"},
      {"key": "env", "operator": "NotIn", "values": ["prod"]}]}}])");
  EXPECT_NE(SchedulingSelector(profile, Map({{"tier", "batch"}, {"team", "a"}}), nullptr), nullptr);
  EXPECT_NE(SchedulingSelector(profile, Map({{"tier", "offline"}, {"team", "a"}, {"env", "dev"}}), nullptr),
            nullptr);
  EXPECT_EQ(SchedulingSelector(profile, Map({{"tier", "web"}, {"team", "a"}}), nullptr), nullptr);
  EXPECT_EQ(SchedulingSelector(profile, Map({{"tier", "batch"}, {"team", "a"}, {"pinned", "x"}}), nullptr),
            nullptr);
  EXPECT_EQ(SchedulingSelector(profile, Map({{"tier", "batch"}}), nullptr), nullptr);
  EXPECT_EQ(SchedulingSelector(profile, Map({{"tier", "batch"}, {"team", "a"}, {"env", "prod"}}), nullptr),
            nullptr);
}

TEST(EciProfileTest, EffectsNeverOverwriteAndTheEarlierSelectorWins) {
  EciProfile profile = Parse(R"([
    {"name": "first", "objectSelector": {"matchLabels": {"app": "web"}},
     "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi", "k8s.aliyun.com/eci-image-cache": "true"},
                "labels": {"owner": "first"}}},
    {"name": "second", "objectSelector": {"matchLabels": {"app": "web"}},
     "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "8-16Gi", "k8s.aliyun.com/eci-ntp-server": "10.0.0.1"},
                "labels": {"owner": "second"}}},
    {"name": "every-eci-pod", "effect": {"labels": {"created-by-eci": "true"}}}])");
  ProfileEffect effect = EffectFor(profile, Map({{"app", "web"}}),
                                   Map({{"k8s.aliyun.com/eci-image-cache", "false"}}), nullptr,
                                   /*headed_to_eci=*/true);
  EXPECT_THAT(effect.annotations, ElementsAre(Pair("k8s.aliyun.com/eci-use-specs", "2-4Gi"),
                                              Pair("k8s.aliyun.com/eci-ntp-server", "10.0.0.1")));
  EXPECT_THAT(effect.labels, ElementsAre(Pair("owner", "first"), Pair("created-by-eci", "true")));
  EXPECT_THAT(effect.selectors, ElementsAre("first", "second", "every-eci-pod"));
}

TEST(EciProfileTest, AnEffectOnlySelectorSchedulesNothingAndAppliesOnlyToEciPods) {
  EciProfile profile = Parse(R"([{"name": "ntp", "effect": {"annotations": {"k8s.aliyun.com/eci-ntp-server": "10.0.0.1"}}}])");
  EXPECT_EQ(SchedulingSelector(profile, Map({{"app", "web"}}), nullptr), nullptr);
  EXPECT_TRUE(EffectFor(profile, Map({{"app", "web"}}), {}, nullptr, false).annotations.empty());
  EXPECT_THAT(EffectFor(profile, Map({{"app", "web"}}), {}, nullptr, true).annotations,
              ElementsAre(Pair("k8s.aliyun.com/eci-ntp-server", "10.0.0.1")));
}

TEST(EciProfileTest, YamlAsUsersPasteItIsAccepted) {
  EciProfile profile = Parse("- name: pasted\n  objectSelector:\n    matchLabels:\n      eci: \"true\"\n");
  ASSERT_EQ(profile.selectors.size(), 1u);
  EXPECT_NE(SchedulingSelector(profile, Map({{"eci", "true"}}), nullptr), nullptr);
}

TEST(EciProfileTest, EmptyOrAbsentSelectorsMeanNone) {
  EXPECT_TRUE(Parse("").selectors.empty());
  EXPECT_TRUE(Parse("[]").selectors.empty());
  absl::StatusOr<EciProfile> none = ParseEciProfile(Map({{"vpcId", "vpc-1"}}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->selectors.empty());
  EXPECT_THAT(none->settings, ElementsAre(Pair("vpcId", "vpc-1")));
}

TEST(EciProfileTest, BadProfilesAreRefusedSayingWhatIsWrong) {
  struct Case {
    const char* selectors;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"([{"name": "a", "objectSelector": {"matchLabels": {"x": "y"}})", "not valid JSON (or YAML): line 1"},
           {R"({"name": "a"})", "must be a JSON array"},
           {R"([{"objectSelector": {"matchLabels": {"x": "y"}}}])", "selectors[0]: a selector must have a name"},
           {R"([{"name": "a"}, {"name": "a"}])", "selectors[1]: the name \"a\" is used twice"},
           {R"([{"name": "a", "objectSelector": {"matchExpressions": [{"key": "x", "operator": "Equals", "values": ["y"]}]}}])",
            "selectors[0].objectSelector.matchExpressions[0].operator: unknown operator \"Equals\""},
           {R"([{"name": "a", "objectSelector": {"matchExpressions": [{"key": "x", "operator": "In"}]}}])",
            "In needs at least one value"},
           {R"([{"name": "a", "objectSelecter": {"matchLabels": {"x": "y"}}}])",
            "selectors[0]: unknown field \"objectSelecter\""},
           {R"([{"name": "a", "effect": {"annotations": {"x": {"nested": 1}}}}])",
            "selectors[0].effect.annotations: every key and value must be a string"},
           {R"([{"name": "a", "effect": {"label": {"x": "y"}}}])", "selectors[0].effect: unknown field \"label\""},
           // What kube-apiserver would refuse on every pod the effect reaches
           // (issue 19.7: a 422 for every ECI pod while plain pods pass).
           {R"([{"name": "a", "effect": {"labels": {"team": "data platform"}}}])",
            "selectors[0].effect.labels: Invalid value: \"data platform\": a valid label must be an empty string"},
           {R"([{"name": "a", "effect": {"labels": {"bad key!": "x"}}}])",
            "selectors[0].effect.labels: Invalid value: \"bad key!\": name part must consist of"},
           {R"([{"name": "a", "effect": {"annotations": {"": "x"}}}])",
            "selectors[0].effect.annotations: Invalid value: \"\": name part must consist of"},
           {R"([{"name": "a", "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs ": "2-4Gi"}}}])",
            "selectors[0].effect.annotations: Invalid value: \"k8s.aliyun.com/eci-use-specs \""},
           {R"([{"name": "a", "objectSelector": {"matchLabels": {"bad key!": "x"}}}])",
            "selectors[0].objectSelector.matchLabels: Invalid value: \"bad key!\""},
           {R"([{"name": "a", "namespaceSelector": {"matchLabels": {"env": "not ok"}}}])",
            "selectors[0].namespaceSelector.matchLabels: Invalid value: \"not ok\""},
           {R"([{"name": "a", "objectSelector": {"matchExpressions": [{"key": "", "operator": "Exists"}]}}])",
            "selectors[0].objectSelector.matchExpressions[0].key: Invalid value: \"\""},
           {R"([{"name": "a", "objectSelector": {"matchExpressions": [{"key": "x", "operator": "In", "values": ["a b"]}]}}])",
            "selectors[0].objectSelector.matchExpressions[0].values: Invalid value: \"a b\""},
       }) {
    absl::StatusOr<EciProfile> profile = ParseEciProfile(Map({{"selectors", c.selectors}}));
    EXPECT_EQ(profile.status().code(), absl::StatusCode::kInvalidArgument) << c.selectors;
    EXPECT_THAT(profile.status().message(), HasSubstr(c.message)) << c.selectors;
  }
}

// yaml-cpp shares aliased nodes: nested aliases must not be walked without
// bound. Effects built of aliases of aliases are refused, not expanded.
TEST(EciProfileTest, AliasesCannotExpandWithoutBound) {
  std::string text = "- {name: s0, effect: {labels: &l0 {k: v}}}\n";
  std::string previous = "l0";
  for (int level = 1; level <= 20; ++level) {
    const std::string name = "l" + std::to_string(level);
    text += "- {name: s" + std::to_string(level) + ", objectSelector: {matchExpressions: &" + name +
            " [{key: k, operator: Exists}";
    for (int i = 0; i < 4; ++i) text += ", *" + previous;
    text += "]}}\n";
    previous = name;
  }
  absl::StatusOr<EciProfile> profile = ParseEciProfile(Map({{"selectors", text.c_str()}}));
  EXPECT_EQ(profile.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EciProfileTest, SettingsAreCheckedNotActedOn) {
  absl::StatusOr<EciProfile> profile = ParseEciProfile(
      Map({{"enableClusterIp", "yes"}, {"vSwitchIds", "vsw-1,subnet-2"}, {"vpcId", "vpc-1"}}));
  ASSERT_TRUE(profile.ok());
  EXPECT_THAT(CheckProfileSettings(*profile),
              ElementsAre("enableClusterIp: \"yes\" is not \"true\" or \"false\"",
                          "vSwitchIds: \"subnet-2\" is not a vSwitch ID (vsw-...)"));
}

TEST(ProfileSourceTest, VotesEciOnlyNamingTheSelector) {
  EciProfileStore store;
  ProfileSource source(store);
  kube::Pod pod;
  pod.metadata.labels.Set("alibabacloud.com/eci", "true");
  absl::StatusOr<std::optional<IntentVote>> before = source.Vote({pod, nullptr});
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value()) << "an empty store schedules nothing";
  store.Set(std::make_shared<const EciProfile>(Parse(kDefaults)));
  absl::StatusOr<std::optional<IntentVote>> vote = source.Vote({pod, nullptr});
  ASSERT_TRUE(vote.ok() && vote->has_value());
  EXPECT_EQ((*vote)->intent, Intent::kEciOnly);
  EXPECT_EQ((*vote)->reason, "eci-profile selector default-selector-1");
}

}  // namespace
}  // namespace spillway::burst
