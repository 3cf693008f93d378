// The kinds' validation (required fields, content, immutable fields) and
// their decoders' base64 checks, worded as kube-apiserver words them.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/kinds/strategy_of.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Validate(const KindStrategy& strategy, const char* text) {
  std::vector<std::string> problems;
  strategy.Validate(json::parse(text).as_object(), problems);
  return problems;
}

std::vector<std::string> ValidateUpdate(const KindStrategy& strategy, const json::object& before,
                                        const json::object& after) {
  std::vector<std::string> problems;
  strategy.ValidateUpdate(before, after, problems);
  return problems;
}

TEST(ValidationTest, ADeploymentsSelectorIsImmutable) {
  const json::object before = json::parse(R"({"spec":{"selector":{"matchLabels":{"app":"a"}}}})").as_object();
  const json::object same = json::parse(R"({"spec":{"selector":{"matchLabels":{"app":"a"}},"replicas":3}})").as_object();
  const json::object changed = json::parse(R"({"spec":{"selector":{"matchLabels":{"app":"b"}}}})").as_object();
  EXPECT_THAT(ValidateUpdate(StrategyOf("apps", "Deployment"), before, same), IsEmpty());
  EXPECT_THAT(ValidateUpdate(StrategyOf("apps", "Deployment"), before, changed),
              ElementsAre(HasSubstr("spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"b\"}}: field is immutable")));
  EXPECT_THAT(ValidateUpdate(StrategyOf("", "ConfigMap"), before, changed), IsEmpty());
}

TEST(ValidationTest, RequiredFieldsAsKubeApiserverWordsThem) {
  const KindStrategy* pods = &StrategyOf("", "Pod");
  const KindStrategy* jobs = &StrategyOf("batch", "Job");
  const KindStrategy* services = &StrategyOf("", "Service");
  const KindStrategy* deployments = &StrategyOf("apps", "Deployment");
  const KindStrategy* config_maps = &StrategyOf("", "ConfigMap");
  struct Case {
    const KindStrategy* strategy;
    const char* object;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {pods, R"({"spec":{"containers":[{"name":"a","image":"nginx"}]}})", {}},
      {pods, R"({"spec":{}})", {"spec.containers: Required value"}},
      {pods, R"({"spec":{"containers":[{"name":"a"},{"image":"x"}]}})",
       {"spec.containers[0].image: Required value", "spec.containers[1].name: Required value"}},
      {deployments, R"({"spec":{"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
       {"spec.selector: Required value"}},
      {deployments, R"({"spec":{"selector":{"matchLabels":{"app":"b"}},"template":{"metadata":{"labels":{"app":"a","x":"y"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
       {"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"a\", \"x\":\"y\"}: `selector` does "
        "not match template `labels`"}},
      {deployments, R"({"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
       {}},
      {jobs, R"({"spec":{"template":{"spec":{"restartPolicy":"Always","containers":[{"name":"c","image":"i"}]}}}})",
       {"spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""}},
      {services, R"({"spec":{"type":"ClusterIP"}})", {"spec.ports: Required value"}},
      {services, R"({"spec":{"clusterIP":"None"}})", {}},
      {services, R"({"spec":{"type":"ExternalName","externalName":"db.example.com"}})", {}},
      {config_maps, R"({"data":{}})", {}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Validate(*c.strategy, c.object), c.want) << c.object;
  }
}

// Issue 21.3: what kube-apiserver refuses in a kind's content.
TEST(ValidationTest, ConfigKeysDuplicatesAndEventNamespaces) {
  EXPECT_THAT(Validate(StrategyOf("", "ConfigMap"), R"({"data":{"key.name":"1","KEY_NAME":"2","key-name":"3"}})"), IsEmpty());
  EXPECT_THAT(Validate(StrategyOf("", "ConfigMap"), R"({"data":{"a b":"1"}})"),
              ElementsAre(HasSubstr("data[a b]: Invalid value: \"a b\": a valid config key must consist of "
                                    "alphanumeric characters, '-', '_' or '.'")));
  EXPECT_THAT(Validate(StrategyOf("", "ConfigMap"), R"({"binaryData":{"..":"AA=="}})"), ElementsAre(HasSubstr("binaryData[..]")));
  EXPECT_THAT(Validate(StrategyOf("", "ConfigMap"), R"({"data":{"k":"v"},"binaryData":{"k":"AA=="}})"),
              ElementsAre(HasSubstr("duplicate of key present in binaryData")));
  EXPECT_THAT(Validate(StrategyOf("", "Secret"), R"({"stringData":{"x/y":"v"}})"), ElementsAre(HasSubstr("stringData[x/y]")));
  EXPECT_THAT(Validate(StrategyOf("", "Event"), R"({"metadata":{"namespace":"a"},"involvedObject":{"namespace":"a"}})"), IsEmpty());
  EXPECT_THAT(Validate(StrategyOf("", "Event"), R"({"metadata":{"namespace":"a"},"involvedObject":{"namespace":"b"}})"),
              ElementsAre("involvedObject.namespace: Invalid value: \"b\": does not match event.namespace"));
}

TEST(ValidationTest, Base64DataAsGoDecodesIt) {
  auto check = [](const char* kind, const char* text) {
    return StrategyOf("", kind).CheckDecodable(json::parse(text).as_object());
  };
  EXPECT_TRUE(check("Secret", R"({"data":{"k":"dmFsdWU=","e":""}})").ok());
  EXPECT_TRUE(check("ConfigMap", R"({"binaryData":{"k":"AAEC"}})").ok());
  EXPECT_EQ(std::string(check("Secret", R"({"data":{"k":"value!"}})").message()),
            "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 5");
  EXPECT_EQ(std::string(check("ConfigMap", R"({"binaryData":{"k":"not base64"}})").message()),
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: illegal base64 data at input byte 3");
  EXPECT_TRUE(check("ConfigMap", R"({"data":{"k":"not base64 and fine"}})").ok());
}

}  // namespace
}  // namespace spillway::sim::kinds
