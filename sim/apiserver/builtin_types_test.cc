#include "sim/apiserver/builtin_types.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

const ResourceType kDeployments{"apps", "v1", "Deployment", "deployments", true};
const ResourceType kPods{"", "v1", "Pod", "pods", true};
const ResourceType kConfigMaps{"", "v1", "ConfigMap", "configmaps", true};
const ResourceType kLeases{"coordination.k8s.io", "v1", "Lease", "leases", true};

TEST(BuiltinTypesTest, WrongTypesAreRefusedAsTheDecoderWordsThem) {
  struct Case {
    const ResourceType* type;
    const char* object;
    const char* error;  // Empty: accepted.
  };
  const Case cases[] = {
      {&kDeployments, R"({"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}})", ""},
      {&kDeployments, R"({"spec":{"replicas":"two"}})",
       "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go "
       "struct field DeploymentSpec.spec.replicas of type int32"},
      {&kDeployments, R"({"spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":"80"}]}]}}}})",
       "cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort "
       "of type int32"},
      {&kPods, R"({"spec":{"containers":{"name":"a"}}})",
       "cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container"},
      {&kPods, R"({"spec":{"terminationGracePeriodSeconds":"30"}})", "of type int64"},
      {&kPods, R"({"metadata":{"labels":{"app":3}}})",
       "cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"},
      {&kPods, R"({"metadata":{"labels":["app"]}})",
       "cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string"},
      {&kPods, R"({"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":2,"memory":"1Gi"}}}]}})", ""},
      {&kConfigMaps, R"({"data":{"k":"v"},"immutable":"yes"})", "ConfigMap.immutable of type bool"},
      {&kDeployments, R"({"spec":{"strategy":{"rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}}}})", ""},
      {&kDeployments, R"({"spec":{"strategy":{"rollingUpdate":{"maxSurge":true}}}})", "of type intstr.IntOrString"},
      {&kDeployments, R"({"spec":{"replicas":null,"unknownField":"passes"}})", ""},
      {&kLeases, R"({"spec":{"holderIdentity":1}})", ""},  // No schema: unchecked.
  };
  for (const Case& c : cases) {
    const absl::Status status = CheckBuiltinTypes(*c.type, json::parse(c.object).as_object());
    if (std::string(c.error).empty()) {
      EXPECT_TRUE(status.ok()) << c.object << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << c.object;
      EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(c.error)) << c.object;
    }
  }
}

}  // namespace
}  // namespace spillway::sim
