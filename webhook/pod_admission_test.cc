#include "webhook/pod_admission.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "webhook/admission_review.h"

namespace spillway::webhook {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class PodAdmissionTest : public ::testing::Test {
 protected:
  PodAdmissionTest() : resolver_(rule_) {
    resolver_.AddSource(std::make_unique<burst::ProfileSource>(store_));
  }

  void SetProfile(const std::string& selectors) {
    kube::StringMap data;
    data.Set("selectors", selectors);
    absl::StatusOr<burst::EciProfile> profile = burst::ParseEciProfile(data);
    ASSERT_TRUE(profile.ok()) << profile.status();
    store_.Set(std::make_shared<const burst::EciProfile>(*profile));
  }

  // Admits the pod given as JSON; the patch is applied to `patched_`.
  PodAdmission Admit(const std::string& pod_json, const kube::Namespace* ns = nullptr) {
    json::object object = json::parse(pod_json).as_object();
    kube::Pod pod;
    EXPECT_TRUE(reader_.DecodePod(object, &pod).ok());
    PodAdmission admission = AdmitPod(object, pod, ns, resolver_, rule_, *store_.Get());
    return admission;
  }

  static std::string Patch(const PodAdmission& admission) { return json::serialize(admission.patch); }

  burst::VirtualNodeRule rule_;
  burst::EciProfileStore store_;
  burst::IntentResolver resolver_;
  AdmissionReviewReader reader_;
};

constexpr char kTolerationAdd[] =
    R"({"op":"add","path":"/spec/tolerations","value":[{"key":"virtual-kubelet.io/provider","operator":"Exists","effect":"NoSchedule"}]})";
constexpr char kAffinityAdd[] =
    R"({"op":"add","path":"/spec/affinity","value":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"type","operator":"In","values":["virtual-kubelet"]},{"key":"kubernetes.io/arch","operator":"NotIn","values":["arm64"]}]}]}}}})";

TEST_F(PodAdmissionTest, APodThatAskedForNothingOrEcsIsNeverChanged) {
  for (const char* pod : {
           R"({"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})",
           R"({"metadata":{"name":"a","annotations":{"alibabacloud.com/burst-resource":"ecs"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})",
       }) {
    PodAdmission admission = Admit(pod);
    EXPECT_TRUE(admission.allowed);
    EXPECT_THAT(admission.patch, IsEmpty()) << pod;
    EXPECT_THAT(admission.warnings, IsEmpty()) << pod;
  }
}

TEST_F(PodAdmissionTest, EciOnlyGetsTheTolerationAndTheVirtualNodeAffinity) {
  PodAdmission admission = Admit(
      R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_EQ(admission.intent, burst::Intent::kEciOnly);
  EXPECT_EQ(Patch(admission), absl::StrCat("[", kTolerationAdd, ",", kAffinityAdd, "]"));
}

TEST_F(PodAdmissionTest, BurstGetsOnlyTheToleration) {
  PodAdmission admission = Admit(
      R"({"metadata":{"name":"a","annotations":{"alibabacloud.com/burst-resource":"eci"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_EQ(admission.intent, burst::Intent::kBurst);
  EXPECT_EQ(Patch(admission), absl::StrCat("[", kTolerationAdd, "]"));
}

TEST_F(PodAdmissionTest, ExistingTolerationsAndAffinityAreExtendedNotReplaced) {
  PodAdmission admission = Admit(R"({"metadata":{"name":"a","labels":{"eci":"true"}},
      "spec":{"containers":[{"name":"c","image":"nginx"}],
              "tolerations":[{"key":"dedicated","operator":"Exists"}],
              "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
                  {"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"In","values":["cn-hangzhou-j"]}]},
                  {"matchFields":[{"key":"metadata.name","operator":"In","values":["vk-1"]}]}]}}}}})");
  EXPECT_EQ(Patch(admission),
            R"([{"op":"add","path":"/spec/tolerations/-","value":{"key":"virtual-kubelet.io/provider","operator":"Exists","effect":"NoSchedule"}},)"
            R"({"op":"add","path":"/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/-","value":{"key":"type","operator":"In","values":["virtual-kubelet"]}},)"
            R"({"op":"add","path":"/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/-","value":{"key":"kubernetes.io/arch","operator":"NotIn","values":["arm64"]}},)"
            R"({"op":"add","path":"/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/1/matchExpressions","value":[{"key":"type","operator":"In","values":["virtual-kubelet"]}]},)"
            R"({"op":"add","path":"/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/1/matchExpressions/-","value":{"key":"kubernetes.io/arch","operator":"NotIn","values":["arm64"]}}])");
}

// Issue 22.2: pods the label methods send to ECI run on x86 virtual nodes
// (Alibaba: "the pod runs on the x86-based virtual node"); the webhook added
// no architecture constraint, so an Arm virtual node without its taint took
// them. A pod that asks for arm64 itself keeps it, and gets the toleration of
// the Arm virtual nodes' taint an upstream kube-scheduler would require.
TEST_F(PodAdmissionTest, LabelMethodsRunOnX86UnlessThePodChoosesItsArchitecture) {
  PodAdmission x86 = Admit(
      R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_THAT(Patch(x86), HasSubstr(R"({"key":"kubernetes.io/arch","operator":"NotIn","values":["arm64"]})"));

  PodAdmission arm = Admit(R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"}},
      "spec":{"containers":[{"name":"c","image":"nginx"}],"nodeSelector":{"kubernetes.io/arch":"arm64"}}})");
  EXPECT_EQ(Patch(arm),
            R"([{"op":"add","path":"/spec/tolerations","value":[{"key":"virtual-kubelet.io/provider","operator":"Exists","effect":"NoSchedule"}]},)"
            R"({"op":"add","path":"/spec/tolerations/-","value":{"key":"kubernetes.io/arch","operator":"Equal","value":"arm64","effect":"NoSchedule"}},)"
            R"({"op":"add","path":"/spec/affinity","value":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"type","operator":"In","values":["virtual-kubelet"]}]}]}}}}])");

  // A multi-arch image preferring Arm: no constraint either way.
  PodAdmission multi = Admit(R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"}},
      "spec":{"containers":[{"name":"c","image":"nginx"}],"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":
          [{"weight":100,"preference":{"matchExpressions":[{"key":"kubernetes.io/arch","operator":"In","values":["arm64"]}]}}]}}}})");
  EXPECT_THAT(Patch(multi), Not(HasSubstr("kubernetes.io/arch")));

  // burst-resource: eci may still use regular nodes of any architecture: the
  // extender, not an affinity, keeps it off Arm virtual nodes.
  PodAdmission burst = Admit(
      R"({"metadata":{"name":"a","annotations":{"alibabacloud.com/burst-resource":"eci"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_THAT(Patch(burst), Not(HasSubstr("kubernetes.io/arch")));
}

TEST_F(PodAdmissionTest, APodAlreadyTolerantAndPinnedIsLeftAlone) {
  PodAdmission admission = Admit(R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"}},
      "spec":{"containers":[{"name":"c","image":"nginx"}],"nodeSelector":{"type":"virtual-kubelet"},
              "tolerations":[{"key":"virtual-kubelet.io/provider","operator":"Exists"}]}})");
  EXPECT_THAT(admission.patch, IsEmpty());
}

TEST_F(PodAdmissionTest, InvalidRequestsAreDenied) {
  PodAdmission unknown = Admit(
      R"({"metadata":{"name":"a","annotations":{"alibabacloud.com/burst-resource":"eci_first"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_FALSE(unknown.allowed);
  EXPECT_THAT(unknown.denial, HasSubstr("eci, eci_only or ecs"));
  PodAdmission contradiction = Admit(
      R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"},"annotations":{"alibabacloud.com/burst-resource":"ecs"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_FALSE(contradiction.allowed);
  EXPECT_THAT(contradiction.denial, HasSubstr("ecs"));
  // A controller's pod has no name yet at admission (issue 19.9: "pod default/").
  PodAdmission generated = Admit(
      R"({"metadata":{"generateName":"web-7c9d8f5b4-","namespace":"shop","annotations":{"alibabacloud.com/burst-resource":"eci_first"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_FALSE(generated.allowed);
  EXPECT_THAT(generated.denial, HasSubstr("pod shop/web-7c9d8f5b4-(generated) has annotation"));
}

TEST_F(PodAdmissionTest, WarnsWhenEciCannotRunThePodNamingWhy) {
  PodAdmission admission = Admit(R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true"}},
      "spec":{"containers":[{"name":"c","image":"nginx"}],"volumes":[{"name":"logs","hostPath":{"path":"/var/log"}}]}})");
  EXPECT_TRUE(admission.allowed);
  ASSERT_EQ(admission.warnings.size(), 1u);
  EXPECT_THAT(admission.warnings[0], HasSubstr("ECI cannot run it"));
  EXPECT_THAT(admission.warnings[0], HasSubstr("'logs'"));
}

TEST_F(PodAdmissionTest, NodePortServicesSelectingAnEciPodAreWarnedAbout) {
  const std::string eci = R"({"metadata":{"name":"a","labels":{"eci":"true"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";
  const std::string plain = R"({"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";
  for (const auto& [pod, warned] : {std::pair<std::string, bool>{eci, true}, {plain, false}}) {
    json::object object = json::parse(pod).as_object();
    kube::Pod decoded;
    ASSERT_TRUE(reader_.DecodePod(object, &decoded).ok());
    PodAdmission admission = AdmitPod(object, decoded, nullptr, resolver_, rule_, *store_.Get(), {"shop/web-np"});
    if (warned) {
      EXPECT_THAT(admission.warnings, ElementsAre(HasSubstr("Service shop/web-np of type NodePort selects this pod")));
    } else {
      EXPECT_THAT(admission.warnings, IsEmpty());
    }
  }
}

TEST_F(PodAdmissionTest, AnnotationValuesEciRejectsAreWarnedAbout) {
  kube::StringMap annotations;
  annotations.Set("k8s.aliyun.com/eci-schedule-strategy", "VSwitchFirst");
  annotations.Set("k8s.aliyun.com/eci-spot-strategy", "SpotAsPriceGo");
  annotations.Set("k8s.aliyun.com/eci-spot-price-limit", "cheap");
  annotations.Set("k8s.aliyun.com/eci-use-specs", "2-4Gi,ecs.c6.xlarge,4-8G,big");
  annotations.Set("k8s.aliyun.com/eci-extra-ephemeral-storage", "lots");
  EXPECT_THAT(CheckEciAnnotations(annotations),
              ElementsAre(HasSubstr("eci-schedule-strategy: \"VSwitchFirst\" is not VSwitchOrdered or VSwitchRandom"),
                          HasSubstr("eci-spot-price-limit: \"cheap\""),
                          HasSubstr("eci-spot-price-limit is set but k8s.aliyun.com/eci-spot-strategy is "
                                    "\"SpotAsPriceGo\"; ECI reads the limit only with SpotWithPriceLimit"),
                          HasSubstr("eci-use-specs: \"4-8G\" is neither"),
                          HasSubstr("eci-use-specs: \"big\" is neither"),
                          HasSubstr("eci-extra-ephemeral-storage: \"lots\" is not a quantity")));
}

// Issue 22.3: NoSpot is the documented default, not a value to warn about;
// a price limit goes with SpotWithPriceLimit only.
TEST_F(PodAdmissionTest, SpotStrategiesAsDocumented) {
  struct Row {
    const char* strategy;  // "" for none
    const char* limit;     // "" for none
    size_t problems;
  };
  const Row rows[] = {
      {"NoSpot", "", 0},         {"SpotAsPriceGo", "", 0}, {"SpotWithPriceLimit", "0.25", 0},
      {"SpotWithPriceLimit", "", 0}, {"", "0.25", 1},       {"NoSpot", "0.25", 1},
      {"SpotAsPriceGo", "0.25", 1}, {"Spot", "", 1},
  };
  for (const Row& row : rows) {
    kube::StringMap annotations;
    if (*row.strategy != '\0') annotations.Set("k8s.aliyun.com/eci-spot-strategy", row.strategy);
    if (*row.limit != '\0') annotations.Set("k8s.aliyun.com/eci-spot-price-limit", row.limit);
    EXPECT_EQ(CheckEciAnnotations(annotations).size(), row.problems) << row.strategy << " " << row.limit;
  }
}

TEST_F(PodAdmissionTest, TheProfileSchedulesAndItsEffectsNeverOverwrite) {
  SetProfile(R"([{"name": "bigdata", "objectSelector": {"matchLabels": {"type": "offline-task"}},
                  "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi", "k8s.aliyun.com/eci-image-cache": "true"},
                             "labels": {"created-by-eci": "true"}}}])");
  PodAdmission admission = Admit(R"({"metadata":{"name":"a","labels":{"type":"offline-task"},
      "annotations":{"k8s.aliyun.com/eci-use-specs":"8-16Gi"}},"spec":{"containers":[{"name":"c","image":"spark"}]}})");
  EXPECT_EQ(admission.intent, burst::Intent::kEciOnly);
  EXPECT_EQ(admission.reason, "eci-profile selector bigdata");
  const std::string patch = Patch(admission);
  EXPECT_THAT(patch, HasSubstr(R"({"op":"add","path":"/metadata/annotations/k8s.aliyun.com~1eci-image-cache","value":"true"})"));
  EXPECT_THAT(patch, ::testing::Not(HasSubstr("2-4Gi")));
  EXPECT_THAT(patch, HasSubstr(R"({"op":"add","path":"/metadata/labels/created-by-eci","value":"true"})"));
  EXPECT_THAT(patch, HasSubstr(kTolerationAdd));
}

TEST_F(PodAdmissionTest, EffectOnlySelectorsApplyToEveryEciPodOnly) {
  SetProfile(R"([{"name": "ntp", "effect": {"annotations": {"k8s.aliyun.com/eci-ntp-server": "10.0.0.1"}}}])");
  EXPECT_THAT(Admit(R"({"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})").patch,
              IsEmpty());
  EXPECT_THAT(Patch(Admit(R"({"metadata":{"name":"a","annotations":{"alibabacloud.com/burst-resource":"eci"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})")),
              HasSubstr(R"("path":"/metadata/annotations/k8s.aliyun.com~1eci-ntp-server")"));
}

TEST_F(PodAdmissionTest, NamespaceSelectorsUseTheNamespaceLabels) {
  SetProfile(R"([{"name": "default-selector-3", "namespaceSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}}])");
  kube::Namespace eci_ns;
  eci_ns.metadata.name = "burst";
  eci_ns.metadata.labels.Set("alibabacloud.com/eci", "true");
  kube::Namespace plain;
  plain.metadata.name = "plain";
  const std::string pod = R"({"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"nginx"}]}})";
  EXPECT_EQ(Admit(pod, &eci_ns).intent, burst::Intent::kEciOnly);
  EXPECT_EQ(Admit(pod, &plain).intent, burst::Intent::kNone);
}

TEST(AdmissionReviewTest, MalformedReviewsAreClearErrors) {
  AdmissionReviewReader reader;
  for (const auto& [body, message] : std::vector<std::pair<std::string, std::string>>{
           {"not json", "the body is not JSON"},
           {"[]", "the body is not a JSON object"},
           {R"({"apiVersion":"v1","kind":"Pod"})", "expected an AdmissionReview of admission.k8s.io/v1"},
           {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", "has no request"},
           {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}})", "has no uid"},
           {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}})",
            "has no object"},
       }) {
    absl::StatusOr<AdmissionReviewRequest> request = reader.Read(body);
    EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_THAT(request.status().message(), HasSubstr(message)) << body;
  }
}

TEST(AdmissionReviewTest, ResponsesCarryTheUidPatchAndWarnings) {
  AdmissionReviewRequest request;
  request.api_version = "admission.k8s.io/v1";
  request.uid = "u-42";
  PodAdmission admission;
  admission.patch.push_back(json::object{{"op", "add"}, {"path", "/x"}, {"value", 1}});
  admission.warnings = {"careful"};
  json::object response = json::parse(AdmissionResponse(request, admission)).as_object().at("response").as_object();
  EXPECT_EQ(response.at("uid").as_string(), "u-42");
  EXPECT_TRUE(response.at("allowed").as_bool());
  EXPECT_EQ(response.at("patchType").as_string(), "JSONPatch");
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(std::string(response.at("patch").as_string()), &decoded));
  EXPECT_EQ(decoded, R"([{"op":"add","path":"/x","value":1}])");
  EXPECT_EQ(response.at("warnings").as_array()[0].as_string(), "careful");
  admission.allowed = false;
  admission.denial = "no";
  json::object denied = json::parse(AdmissionResponse(request, admission)).as_object().at("response").as_object();
  EXPECT_FALSE(denied.at("allowed").as_bool());
  EXPECT_EQ(denied.at("status").as_object().at("message").as_string(), "no");
}

}  // namespace
}  // namespace spillway::webhook
