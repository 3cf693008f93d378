#include "sim/apiserver/validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Names of most kinds are DNS subdomains; a Namespace's or Service's a label.
constexpr bool kSubdomain = false;
constexpr bool kLabel = true;

std::vector<std::string> Validate(bool name_is_dns_label, const char* text) {
  return ValidateMetadata(name_is_dns_label, json::parse(text).as_object());
}

TEST(ValidationTest, NamesAsKubeApiserverChecksThem) {
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"name":"web.config-1"}})"), IsEmpty());
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"name":"Bad_Name"}})"),
              ElementsAre(HasSubstr("metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain")));
  EXPECT_THAT(Validate(kLabel, R"({"metadata":{"name":"with.dot"}})"),
              ElementsAre(HasSubstr("a lowercase RFC 1123 label must consist")));
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"name":"-leading"}})"), ElementsAre(HasSubstr("Invalid value")));
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"generateName":"x-"}})"), IsEmpty());
}

TEST(ValidationTest, LabelKeysAndValues) {
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"name":"a","labels":{"alibabacloud.com/eci":"true","app":""}}})"),
              IsEmpty());
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"name":"a","labels":{"app":"bad value!"}}})"),
              ElementsAre(HasSubstr("metadata.labels: Invalid value: \"bad value!\": a valid label must be")));
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"name":"a","labels":{"Bad_Prefix.com/x":"v"}}})"),
              ElementsAre(HasSubstr("metadata.labels: Invalid value: \"Bad_Prefix.com/x\"")));
}

}  // namespace
}  // namespace spillway::sim

namespace spillway::sim {
namespace {

TEST(ValidationTest, AnnotationsAreQualifiedNamesUpTo256KiBInAll) {
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"annotations":{"example.com/a":"x"}}})"), IsEmpty());
  EXPECT_THAT(Validate(kSubdomain, R"({"metadata":{"annotations":{"bad key":"x"}}})"),
              ElementsAre(HasSubstr("metadata.annotations: Invalid value: \"bad key\"")));
  const std::string big = std::string(R"({"metadata":{"annotations":{"a":")") + std::string(kMaxAnnotationBytes, 'x') +
                          R"("}}})";
  EXPECT_THAT(ValidateMetadata(kSubdomain, json::parse(big).as_object()),
              ElementsAre("metadata.annotations: Too long: must have at most 262144 bytes"));
}

}  // namespace
}  // namespace spillway::sim
