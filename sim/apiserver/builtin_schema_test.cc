#include "sim/apiserver/builtin_schema.h"

#include <fstream>
#include <sstream>

#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const ResourceType kDeployments{"apps", "v1", "Deployment", "deployments", true};
const ResourceType kPods{"", "v1", "Pod", "pods", true};
const ResourceType kCrds{"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false};
const ResourceType kHpas{"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true};

TEST(BuiltinSchemaTest, UnknownFieldsAreNamedInDocumentOrderAndDropped) {
  json::object deployment = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labelz": {}},
    "spec": {"replica": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "a", "image": "nginx"},
                                                  {"name": "b", "image": "nginx", "imagePullPolcy": "Always",
                                                   "ports": [{"containerPort": 80, "hostport": 1}]}]}}},
    "extra": true})").as_object();
  EXPECT_THAT(PruneUnknownBuiltinFields(kDeployments, deployment),
              ElementsAre("metadata.labelz", "spec.replica", "spec.template.spec.containers[1].imagePullPolcy",
                          "spec.template.spec.containers[1].ports[0].hostport", "extra"));
  EXPECT_EQ(json::serialize(deployment),
            R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},)"
            R"("spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},)"
            R"("spec":{"containers":[{"name":"a","image":"nginx"},)"
            R"({"name":"b","image":"nginx","ports":[{"containerPort":80}]}]}}}})");
}

// Fields Kubernetes added after the Python client's 1.22 models, up to
// kubectl's 1.32, are known (the generator's overlay).
TEST(BuiltinSchemaTest, FieldsUpTo132AreKnown) {
  json::object pod = json::parse(R"({
    "metadata": {"name": "p", "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]},
    "spec": {"hostUsers": false, "schedulingGates": [{"name": "wait"}], "os": {"name": "linux"},
             "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "t"}],
             "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}, "seLinuxChangePolicy": "Recursive"},
             "initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}],
             "containers": [{"name": "a", "image": "x",
                             "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
                             "readinessProbe": {"grpc": {"port": 9000}},
                             "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                             "volumeMounts": [{"name": "v", "mountPath": "/v", "recursiveReadOnly": "Disabled"}]}],
             "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                            "minDomains": 2, "matchLabelKeys": ["pod-template-hash"]}],
             "volumes": [{"name": "v", "image": {"reference": "quay.io/x:1"}}]},
    "status": {"hostIPs": [{"ip": "10.0.0.1"}],
               "containerStatuses": [{"name": "a", "user": {"linux": {"uid": 0, "gid": 0}}}]}})").as_object();
  EXPECT_THAT(PruneUnknownBuiltinFields(kPods, pod), IsEmpty());
}

TEST(BuiltinSchemaTest, NestedSchemasAndMapsOfModels) {
  json::object crd = json::parse(R"({"spec": {"versions": [{"name": "v1", "selectableFields": [{"jsonPath": ".spec.a"}],
    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "typo": 1,
      "x-kubernetes-validations": [{"rule": "self.a > 0", "messageExpression": "'bad'"}]}}}}}]}})").as_object();
  EXPECT_THAT(PruneUnknownBuiltinFields(kCrds, crd),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"));

  json::object hpa = json::parse(R"({"spec": {"scaleTargetRef": {"kind": "ElasticWorkload", "name": "ew"},
    "maxReplicas": 10, "metrics": [{"type": "Resource",
      "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50, "avg": 1}}}],
    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "policies": [{"type": "Pods", "value": 1,
                                                                              "periodSeconds": 60}]}}}})")
                         .as_object();
  EXPECT_THAT(PruneUnknownBuiltinFields(kHpas, hpa), ElementsAre("spec.metrics[0].resource.target.avg"));
}

TEST(BuiltinSchemaTest, EveryServedBuiltinHasASchema) {
  for (const ResourceInfo& info : BuiltinResources()) {
    EXPECT_TRUE(HasBuiltinSchema(info.type)) << info.type.kind << " " << info.type.group;
  }
  EXPECT_FALSE(HasBuiltinSchema(ResourceType{"autoscaling.alibabacloud.com", "v1beta1", "ElasticWorkload",
                                             "elasticworkloads", true}));
}

// The checked-in table is what the generator makes from the installed
// python3-kubernetes models and the overlay.
TEST(BuiltinSchemaTest, TableIsTheGeneratorsOutput) {
  testing::CommandResult generated = testing::RunCommand(
      "/usr/bin/python3 " + testing::RunfilePath("tools/gen_builtin_schema.py"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  std::ifstream in(testing::RunfilePath("sim/apiserver/builtin_schema_data.inc"));
  std::stringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_EQ(generated.output, checked_in.str())
      << "regenerate: /usr/bin/python3 tools/gen_builtin_schema.py > sim/apiserver/builtin_schema_data.inc";
}

}  // namespace
}  // namespace spillway::sim
