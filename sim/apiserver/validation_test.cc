#include "sim/apiserver/validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const ResourceType kConfigMaps{"", "v1", "ConfigMap", "configmaps", true};
const ResourceType kNamespaces{"", "v1", "Namespace", "namespaces", false};
const ResourceType kDeployments{"apps", "v1", "Deployment", "deployments", true};

std::vector<std::string> Validate(const ResourceType& type, const char* text) {
  return ValidateMetadata(type, json::parse(text).as_object());
}

TEST(ValidationTest, NamesAsKubeApiserverChecksThem) {
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"name":"web.config-1"}})"), IsEmpty());
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"name":"Bad_Name"}})"),
              ElementsAre(HasSubstr("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain")));
  EXPECT_THAT(Validate(kNamespaces, R"({"metadata":{"name":"with.dot"}})"),
              ElementsAre(HasSubstr("a lowercase RFC 1123 label must consist")));
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"name":"-leading"}})"), ElementsAre(HasSubstr("Invalid value")));
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"generateName":"x-"}})"), IsEmpty());
}

TEST(ValidationTest, LabelKeysAndValues) {
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true","app":""}}})"),
              IsEmpty());
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"name":"a","labels":{"app":"bad value!"}}})"),
              ElementsAre(HasSubstr("metadata.labels: Invalid value: \"bad value!\": a valid label must be")));
  EXPECT_THAT(Validate(kConfigMaps, R"({"metadata":{"name":"a","labels":{"Bad_Prefix.com/x":"v"}}})"),
              ElementsAre(HasSubstr("metadata.labels: Invalid value: \"Bad_Prefix.com/x\"")));
}

TEST(ValidationTest, ADeploymentsSelectorIsImmutable) {
  const json::object before = json::parse(R"({"spec":{"selector":{"matchLabels":{"app":"a"}}}})").as_object();
  const json::object same = json::parse(R"({"spec":{"selector":{"matchLabels":{"app":"a"}},"replicas":3}})").as_object();
  const json::object changed = json::parse(R"({"spec":{"selector":{"matchLabels":{"app":"b"}}}})").as_object();
  EXPECT_THAT(ValidateImmutable(kDeployments, before, same), IsEmpty());
  EXPECT_THAT(ValidateImmutable(kDeployments, before, changed),
              ElementsAre(HasSubstr("spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"b\"}}: field is immutable")));
  EXPECT_THAT(ValidateImmutable(kConfigMaps, before, changed), IsEmpty());
}

TEST(ValidationTest, RequiredFieldsAsKubeApiserverWordsThem) {
  const ResourceType pods{"", "v1", "Pod", "pods", true};
  const ResourceType jobs{"batch", "v1", "Job", "jobs", true};
  const ResourceType services{"", "v1", "Service", "services", true};
  struct Case {
    const ResourceType* type;
    const char* object;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {&pods, R"({"spec":{"containers":[{"name":"a","image":"nginx"}]}})", {}},
      {&pods, R"({"spec":{}})", {"spec.containers: Required value"}},
      {&pods, R"({"spec":{"containers":[{"name":"a"},{"image":"x"}]}})",
       {"spec.containers[0].image: Required value", "spec.containers[1].name: Required value"}},
      {&kDeployments, R"({"spec":{"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
       {"spec.selector: Required value"}},
      {&kDeployments, R"({"spec":{"selector":{"matchLabels":{"app":"b"}},"template":{"metadata":{"labels":{"app":"a","x":"y"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
       {"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"a\", \"x\":\"y\"}: `selector` does "
        "not match template `labels`"}},
      {&kDeployments, R"({"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})",
       {}},
      {&jobs, R"({"spec":{"template":{"spec":{"restartPolicy":"Always","containers":[{"name":"c","image":"i"}]}}}})",
       {"spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""}},
      {&services, R"({"spec":{"type":"ClusterIP"}})", {"spec.ports: Required value"}},
      {&services, R"({"spec":{"clusterIP":"None"}})", {}},
      {&services, R"({"spec":{"type":"ExternalName","externalName":"db.example.com"}})", {}},
      {&kConfigMaps, R"({"data":{}})", {}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ValidateRequired(*c.type, json::parse(c.object).as_object()), c.want) << c.object;
  }
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

const ResourceType kSecretType{"", "v1", "Secret", "secrets", true};
const ResourceType kEventType{"", "v1", "Event", "events", true};
const ResourceType kConfigMapType{"", "v1", "ConfigMap", "configmaps", true};

std::vector<std::string> Content(const ResourceType& type, const char* text) {
  return ValidateContent(type, json::parse(text).as_object());
}

// Issue 21.3: what kube-apiserver refuses in a kind's content.
TEST(ValidationTest, ConfigKeysDuplicatesAndEventNamespaces) {
  EXPECT_THAT(Content(kConfigMapType, R"({"data":{"key.name":"1","KEY_NAME":"2","key-name":"3"}})"), IsEmpty());
  EXPECT_THAT(Content(kConfigMapType, R"({"data":{"a b":"1"}})"),
              ElementsAre(HasSubstr("data[a b]: Invalid value: \"a b\": a valid config key must consist of "
                                    "alphanumeric characters, '-', '_' or '.'")));
  EXPECT_THAT(Content(kConfigMapType, R"({"binaryData":{"..":"AA=="}})"), ElementsAre(HasSubstr("binaryData[..]")));
  EXPECT_THAT(Content(kConfigMapType, R"({"data":{"k":"v"},"binaryData":{"k":"AA=="}})"),
              ElementsAre(HasSubstr("duplicate of key present in binaryData")));
  EXPECT_THAT(Content(kSecretType, R"({"stringData":{"x/y":"v"}})"), ElementsAre(HasSubstr("stringData[x/y]")));
  EXPECT_THAT(Content(kEventType, R"({"metadata":{"namespace":"a"},"involvedObject":{"namespace":"a"}})"), IsEmpty());
  EXPECT_THAT(Content(kEventType, R"({"metadata":{"namespace":"a"},"involvedObject":{"namespace":"b"}})"),
              ElementsAre("involvedObject.namespace: Invalid value: \"b\": does not match event.namespace"));
}

TEST(ValidationTest, AnnotationsAreQualifiedNamesUpTo256KiBInAll) {
  EXPECT_THAT(Validate(kConfigMapType, R"({"metadata":{"annotations":{"example.com/a":"x"}}})"), IsEmpty());
  EXPECT_THAT(Validate(kConfigMapType, R"({"metadata":{"annotations":{"bad key":"x"}}})"),
              ElementsAre(HasSubstr("metadata.annotations: Invalid value: \"bad key\"")));
  const std::string big = std::string(R"({"metadata":{"annotations":{"a":")") + std::string(kMaxAnnotationBytes, 'x') +
                          R"("}}})";
  EXPECT_THAT(ValidateMetadata(kConfigMapType, json::parse(big).as_object()),
              ElementsAre("metadata.annotations: Too long: must have at most 262144 bytes"));
}

TEST(ValidationTest, Base64DataAsGoDecodesIt) {
  auto check = [](const ResourceType& type, const char* text) {
    return CheckBase64Data(type, json::parse(text).as_object());
  };
  EXPECT_TRUE(check(kSecretType, R"({"data":{"k":"dmFsdWU=","e":""}})").ok());
  EXPECT_TRUE(check(kConfigMapType, R"({"binaryData":{"k":"AAEC"}})").ok());
  EXPECT_EQ(std::string(check(kSecretType, R"({"data":{"k":"value!"}})").message()),
            "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 5");
  EXPECT_EQ(std::string(check(kConfigMapType, R"({"binaryData":{"k":"not base64"}})").message()),
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: illegal base64 data at input byte 3");
  EXPECT_TRUE(check(kConfigMapType, R"({"data":{"k":"not base64 and fine"}})").ok());
}

}  // namespace
}  // namespace spillway::sim
