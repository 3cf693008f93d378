#include "sim/apiserver/builtin_openapi.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/resources.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const json::object& Property(const json::object& schemas, const std::string& schema, const std::string& field) {
  return schemas.at(schema).at("properties").at(field).as_object();
}

// A Pod's schema as kube-apiserver 1.32 publishes it where kubectl reads it:
// models by $ref (explain prints the type after the last dot), descriptions,
// and the patch extensions kubectl's client-side apply merges lists by.
TEST(BuiltinOpenApiTest, PodSpecWithTypesDescriptionsAndPatchStrategies) {
  json::object schemas;
  const std::string root = AddBuiltinOpenApiSchemas(ResourceType{"", "v1", "Pod", "pods", true}, schemas);
  ASSERT_EQ(root, "io.k8s.api.v1.Pod");
  EXPECT_EQ(json::serialize(Property(schemas, root, "spec")),
            R"({"allOf":[{"$ref":"#/components/schemas/io.k8s.api.v1.PodSpec"}],"default":{}})");
  const json::object& containers = Property(schemas, "io.k8s.api.v1.PodSpec", "containers");
  EXPECT_EQ(containers.at("type"), "array");
  EXPECT_EQ(json::serialize(containers.at("items")),
            R"({"allOf":[{"$ref":"#/components/schemas/io.k8s.api.v1.Container"}],"default":{}})");
  EXPECT_THAT(std::string(containers.at("description").as_string()), HasSubstr("List of containers belonging to the pod"));
  EXPECT_EQ(containers.at("x-kubernetes-patch-strategy"), "merge");
  EXPECT_EQ(containers.at("x-kubernetes-patch-merge-key"), "name");
  // Two levels down the patch table still applies: a container's ports merge by containerPort.
  const json::object& ports = Property(schemas, "io.k8s.api.v1.Container", "ports");
  EXPECT_EQ(ports.at("x-kubernetes-patch-merge-key"), "containerPort");
  // Tolerations are replaced whole: no strategy published.
  EXPECT_FALSE(Property(schemas, "io.k8s.api.v1.PodSpec", "tolerations").contains("x-kubernetes-patch-strategy"));
  EXPECT_EQ(json::serialize(Property(schemas, "io.k8s.api.v1.PodSpec", "nodeSelector").at("additionalProperties")),
            R"({"type":"string"})");
  EXPECT_EQ(Property(schemas, "io.k8s.api.v1.ObjectMeta", "creationTimestamp").at("format"), "date-time");
  EXPECT_EQ(Property(schemas, "io.k8s.api.v1.PodSpec", "terminationGracePeriodSeconds").at("type"), "integer");
}

// Models of different packages with the same Go name stay apart.
TEST(BuiltinOpenApiTest, SameNamedModelsOfTwoPackagesStayApart) {
  json::object core;
  EXPECT_EQ(AddBuiltinOpenApiSchemas(ResourceType{"", "v1", "Event", "events", true}, core),
            "io.k8s.api.corev1.Event");
  json::object events;
  EXPECT_EQ(AddBuiltinOpenApiSchemas(ResourceType{"events.k8s.io", "v1", "Event", "events", true}, events),
            "io.k8s.api.eventsv1.Event");
  EXPECT_TRUE(Property(core, "io.k8s.api.corev1.Event", "involvedObject").contains("allOf"));
  EXPECT_TRUE(Property(events, "io.k8s.api.eventsv1.Event", "regarding").contains("allOf"));
}

// Every served built-in has a typed schema, and every $ref in it resolves.
TEST(BuiltinOpenApiTest, EveryBuiltinHasASchemaWhoseReferencesResolve) {
  for (const ResourceInfo& info : BuiltinResources()) {
    json::object schemas;
    const std::string root = AddBuiltinOpenApiSchemas(info.type, schemas);
    ASSERT_FALSE(root.empty()) << info.type.group << "/" << info.type.kind;
    const std::string text = json::serialize(schemas);
    for (size_t at = text.find("#/components/schemas/"); at != std::string::npos;
         at = text.find("#/components/schemas/", at + 1)) {
      const size_t start = at + sizeof("#/components/schemas/") - 1;
      const std::string name = text.substr(start, text.find('"', start) - start);
      EXPECT_TRUE(schemas.contains(name)) << info.type.kind << " refers to " << name;
    }
  }
  EXPECT_EQ(AddBuiltinOpenApiSchemas(ResourceType{"autoscaling.alibabacloud.com", "v1beta1", "ElasticWorkload",
                                                  "elasticworkloads", true},
                                     *std::make_unique<json::object>()),
            "");
}

// The checked-in table is what the generator makes from the installed
// python3-kubernetes models and the overlay.
TEST(BuiltinOpenApiTest, TableIsTheGeneratorsOutput) {
  testing::CommandResult generated =
      testing::RunCommand("/usr/bin/python3 " + testing::RunfilePath("tools/gen_builtin_docs.py"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  std::ifstream in(testing::RunfilePath("sim/apiserver/builtin_docs_data.inc"));
  std::stringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_EQ(generated.output, checked_in.str())
      << "regenerate: /usr/bin/python3 tools/gen_builtin_docs.py > sim/apiserver/builtin_docs_data.inc";
}

}  // namespace
}  // namespace spillway::sim
