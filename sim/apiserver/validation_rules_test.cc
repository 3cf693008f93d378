// CRD validation rules (x-kubernetes-validations) as kube-apiserver applies
// them to custom resources (issue 21.5): messages, messageExpression, reason,
// fieldPath, transition rules on update only, and rules outside the evaluated
// CEL subset reported as warnings, never passed silently.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/schema.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const json::value& Schema() {
  static const json::value* const kSchema = new json::value(json::parse(R"json({
    "type": "object",
    "x-kubernetes-validations": [{"rule": "self.metadata.name.size() <= 20", "message": "names are short here"}],
    "properties": {
      "spec": {
        "type": "object",
        "x-kubernetes-validations": [
          {"rule": "!has(self.min) || !has(self.max) || self.min <= self.max",
           "message": "min must not exceed max"},
          {"rule": "self.mode == oldSelf.mode", "message": "mode is immutable"},
          {"rule": "!has(self.tier) || self.tier != 'gold' || has(self.owner)", "reason": "FieldValueRequired", "fieldPath": ".owner",
           "message": "gold needs an owner"},
          {"rule": "self.max <= 100", "messageExpression": "'max ' + string(self.max) + ' is over 100'"},
          {"rule": "self.mode.split('-').size() > 0"}
        ],
        "properties": {
          "min": {"type": "integer"}, "max": {"type": "integer"}, "mode": {"type": "string"},
          "tier": {"type": "string"}, "owner": {"type": "string"},
          "replicas": {"type": "integer",
                       "x-kubernetes-validations": [{"rule": "self >= 0"},
                                                    {"rule": "self >= oldSelf", "reason": "FieldValueForbidden",
                                                     "message": "may not shrink"}]}
        }
      }
    }})json"));
  return *kSchema;
}

SchemaReport Check(const std::string& object, const std::string& old = "") {
  json::value value = json::parse(object);
  if (old.empty()) return ValidateCustomResource(Schema(), value);
  const json::value old_value = json::parse(old);
  return ValidateCustomResource(Schema(), value, &old_value);
}

TEST(ValidationRulesTest, RulesRefuseWithKubesWording) {
  SchemaReport ok = Check(R"({"metadata": {"name": "web"}, "spec": {"min": 2, "max": 4, "mode": "a", "replicas": 1}})");
  EXPECT_THAT(ok.errors, IsEmpty());
  SchemaReport bad = Check(R"({"metadata": {"name": "a-name-longer-than-twenty"},
                               "spec": {"min": 300, "max": 200, "mode": "a", "tier": "gold", "replicas": -1}})");
  EXPECT_THAT(bad.errors, ElementsAre("spec.replicas: Invalid value: \"integer\": failed rule: self >= 0",
                                      "spec: Invalid value: \"object\": min must not exceed max",
                                      "spec.owner: Required value: gold needs an owner",
                                      "spec: Invalid value: \"object\": max 200 is over 100",
                                      "<root>: Invalid value: \"object\": names are short here"));
}

TEST(ValidationRulesTest, TransitionRulesRunOnUpdateOnly) {
  // On create there is no oldSelf: the transition rules do not run.
  EXPECT_THAT(Check(R"({"metadata": {"name": "w"}, "spec": {"mode": "a", "max": 1, "replicas": 3}})").errors,
              IsEmpty());
  SchemaReport update = Check(R"({"metadata": {"name": "w"}, "spec": {"mode": "b", "max": 1, "replicas": 2}})",
                              R"({"metadata": {"name": "w"}, "spec": {"mode": "a", "max": 1, "replicas": 3}})");
  EXPECT_THAT(update.errors, ElementsAre("spec.replicas: Forbidden: may not shrink",
                                         "spec: Invalid value: \"object\": mode is immutable"));
}

TEST(ValidationRulesTest, AnEvaluationErrorFailsTheRuleAsKubeDoes) {
  SchemaReport missing = Check(R"({"metadata": {"name": "w"}, "spec": {"min": 1, "mode": "a", "replicas": 1}})");
  EXPECT_THAT(missing.errors,
              ElementsAre("spec: Invalid value: \"object\": no such key: max evaluating rule: self.max <= 100"));
}

TEST(ValidationRulesTest, RulesOutsideTheSubsetAreWarnedAboutNotPassedSilently) {
  SchemaReport report = Check(R"({"metadata": {"name": "w"}, "spec": {"mode": "a", "max": 1, "replicas": 1}})");
  EXPECT_THAT(report.errors, IsEmpty());
  EXPECT_THAT(report.warnings,
              ElementsAre("spec: the validation rule \"self.mode.split('-').size() > 0\" is not evaluated by the "
                          "embedded API server: compilation failed: undeclared reference to 'split' (not in the "
                          "subset the embedded API server evaluates)"));
}

}  // namespace
}  // namespace spillway::sim
