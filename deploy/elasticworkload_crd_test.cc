// The ElasticWorkload CRD in daily use, through the real kubectl against
// `spillway apiserver` (issue 23.6): typos in a unit's tolerations and
// affinity are refused as kubectl's strict validation refuses them in a pod
// spec, `kubectl get ew` shows READY (and REASON with -o wide) from the Ready
// condition, and `kubectl explain` describes the unit's fields.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/binary_cluster.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::CommandResult;

constexpr char kWorkload[] = R"(apiVersion: autoscaling.alibabacloud.com/v1beta1
kind: ElasticWorkload
metadata: {name: web}
spec:
  sourceTarget: {name: web, kind: Deployment, apiVersion: apps/v1, min: 2, max: 4}
  replicas: 6
  elasticUnit:
  - name: virtual-kubelet
    labels: {alibabacloud.com/eci: "true"}
    tolerations: [TOLERATION]
    affinity: AFFINITY
)";

constexpr char kToleration[] = "{key: virtual-kubelet.io/provider, operator: Exists, effect: NoSchedule}";
constexpr char kAffinity[] = R"({nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: type, operator: In, values: [virtual-kubelet]}]}]}}, podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 50, podAffinityTerm: {topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: web}}}}]}})";

class ElasticWorkloadCrdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = std::getenv("TEST_TMPDIR");
    cluster_ = testing::BinaryCluster::Start(tmp_);
    ASSERT_NE(cluster_, nullptr);
    CommandResult crd =
        Kubectl("apply --validate=strict -f " + testing::RunfilePath("deploy/elasticworkload-crd.yaml"));
    ASSERT_EQ(crd.exit_code, 0) << crd.output;
  }

  CommandResult Kubectl(const std::string& args) { return cluster_->Kubectl(args + " 2>&1"); }

  // Applies kWorkload with `toleration` and `affinity` filled in.
  CommandResult ApplyWorkload(const std::string& toleration, const std::string& affinity) {
    std::string manifest = kWorkload;
    manifest.replace(manifest.find("TOLERATION"), 10, toleration);
    manifest.replace(manifest.find("AFFINITY"), 8, affinity);
    const std::string path = absl::StrCat(tmp_, "/ew.yaml");
    std::ofstream(path) << manifest;
    return Kubectl("apply -f " + path);
  }

  std::string tmp_;
  std::unique_ptr<testing::BinaryCluster> cluster_;
};

TEST_F(ElasticWorkloadCrdTest, TyposInAUnitsTolerationsAndAffinityAreRefused) {
  CommandResult field = ApplyWorkload("{key: virtual-kubelet.io/provider, opertor: Exists}", kAffinity);
  EXPECT_NE(field.exit_code, 0);
  EXPECT_THAT(field.output,
              HasSubstr("strict decoding error: unknown field \"spec.elasticUnit[0].tolerations[0].opertor\""));
  CommandResult value = ApplyWorkload("{key: virtual-kubelet.io/provider, operator: Exist}", kAffinity);
  EXPECT_NE(value.exit_code, 0);
  EXPECT_THAT(value.output, HasSubstr("spec.elasticUnit[0].tolerations[0].operator: Unsupported value: \"Exist\": "
                                      "supported values: \"Exists\", \"Equal\""));
  CommandResult effect = ApplyWorkload("{key: k, operator: Exists, effect: NoSchedul}", kAffinity);
  EXPECT_NE(effect.exit_code, 0);
  EXPECT_THAT(effect.output, HasSubstr("spec.elasticUnit[0].tolerations[0].effect: Unsupported value: \"NoSchedul\""));
  CommandResult affinity = ApplyWorkload(
      kToleration,
      "{nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: "
      "[{key: type, operator: In, valeus: [virtual-kubelet]}]}]}}}");
  EXPECT_NE(affinity.exit_code, 0);
  EXPECT_THAT(affinity.output,
              HasSubstr("unknown field \"spec.elasticUnit[0].affinity.nodeAffinity."
                        "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]."
                        "valeus\""));
  CommandResult weight = ApplyWorkload(
      kToleration,
      "{podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 500, podAffinityTerm: "
      "{topologyKey: kubernetes.io/hostname}}]}}");
  EXPECT_NE(weight.exit_code, 0);
  EXPECT_THAT(weight.output, HasSubstr("weight: Invalid value: 500"));
  // Written right, the same unit is accepted and kept as written.
  CommandResult accepted = ApplyWorkload(kToleration, kAffinity);
  ASSERT_EQ(accepted.exit_code, 0) << accepted.output;
  EXPECT_EQ(Kubectl("get ew web -o jsonpath='{.spec.elasticUnit[0].tolerations[0].operator} "
                    "{.spec.elasticUnit[0].affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"
                    "[0].podAffinityTerm.topologyKey}'")
                .output,
            "Exists topology.kubernetes.io/zone");
}

// Issue 21.5: the CRD's validation rule is evaluated, as kube-apiserver's
// CEL does: a source min above its max is refused with the rule's message
// (it used to be stored).
TEST_F(ElasticWorkloadCrdTest, TheSourcesMinMayNotExceedItsMax) {
  const std::string path = absl::StrCat(tmp_, "/inverted.yaml");
  std::ofstream(path) << R"(apiVersion: autoscaling.alibabacloud.com/v1beta1
kind: ElasticWorkload
metadata: {name: inverted}
spec:
  sourceTarget: {name: web, kind: Deployment, apiVersion: apps/v1, min: 5, max: 2}
  replicas: 6
)";
  CommandResult refused = Kubectl("apply -f " + path);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("spec.sourceTarget: Invalid value: \"object\": sourceTarget.min must not "
                                        "exceed sourceTarget.max"));
  EXPECT_NE(Kubectl("get ew inverted").exit_code, 0);
}

TEST_F(ElasticWorkloadCrdTest, GetShowsReadyFromTheReadyCondition) {
  ASSERT_EQ(ApplyWorkload(kToleration, kAffinity).exit_code, 0);
  // Before the controller wrote a status, READY is empty, as on a real cluster.
  CommandResult fresh = Kubectl("get ew web");
  EXPECT_THAT(fresh.output, HasSubstr("READY"));
  // The controller's InvalidSpec condition makes the workload look unhealthy.
  ASSERT_EQ(Kubectl("patch ew web --subresource=status --type=merge -p '{\"status\":{\"conditions\":[{\"type\":"
                    "\"Ready\",\"status\":\"False\",\"reason\":\"InvalidSpec\",\"message\":\"bad\"}]}}'")
                .exit_code,
            0);
  CommandResult table = Kubectl("get ew");
  EXPECT_THAT(table.output, HasSubstr("NAME   SOURCE   SOURCE-REPLICAS   UNITS   DESIRED   READY   AGE"));
  // No status yet for the split columns: kube-apiserver sends null cells, which kubectl prints blank.
  EXPECT_THAT(table.output, HasSubstr("6         False   "));
  EXPECT_THAT(table.output, Not(HasSubstr("InvalidSpec")));
  CommandResult wide = Kubectl("get ew -o wide");
  EXPECT_THAT(wide.output, HasSubstr("READY   REASON"));
  EXPECT_THAT(wide.output, HasSubstr("False   InvalidSpec"));
}

TEST_F(ElasticWorkloadCrdTest, ExplainDescribesTheUnitsFields) {
  // kubectl cached discovery before the CRD existed (the apply in SetUp);
  // `get` refreshes it on a miss, `explain` does not — on a real cluster too.
  ASSERT_EQ(Kubectl("get ew").exit_code, 0);
  CommandResult unit = Kubectl("explain ew.spec.elasticUnit");
  ASSERT_EQ(unit.exit_code, 0) << unit.output;
  EXPECT_THAT(unit.output, HasSubstr("<source>-unit-<name>"));
  EXPECT_THAT(unit.output, HasSubstr("alibabacloud.com/eci"));
  EXPECT_THAT(unit.output, HasSubstr("tolerations\t<[]Object>"));
  CommandResult operators = Kubectl("explain ew.spec.elasticUnit.tolerations.operator");
  EXPECT_THAT(operators.output, HasSubstr("ENUM:\n    Exists\n    Equal"));
  CommandResult affinity = Kubectl("explain ew.spec.elasticUnit.affinity.nodeAffinity");
  EXPECT_THAT(affinity.output, HasSubstr("requiredDuringSchedulingIgnoredDuringExecution\t<Object>"));
}

}  // namespace
}  // namespace spillway
