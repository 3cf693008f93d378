#include "sim/apiserver/cel.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// The result as JSON, or "error: <message>".
std::string Eval(const std::string& expression, const std::string& self_json, const std::string& old_json = "") {
  std::map<std::string, json::value> variables{{"self", json::parse(self_json)}};
  if (!old_json.empty()) variables["oldSelf"] = json::parse(old_json);
  absl::StatusOr<json::value> result = EvaluateCel(expression, variables);
  return result.ok() ? json::serialize(*result) : "error: " + std::string(result.status().message());
}

// Issue 21.5: the rules real CRDs use, with CEL's semantics. Each row's
// expectation is what kube-apiserver's CEL gives for it (cel-go).
TEST(CelTest, TheSubsetRealCrdsUse) {
  struct Row {
    std::string expression;
    std::string self;
    std::string want;
  } rows[] = {
      // The ElasticWorkload CRD's rule.
      {"!has(self.min) || !has(self.max) || self.min <= self.max", R"({"min":2,"max":4})", "true"},
      {"!has(self.min) || !has(self.max) || self.min <= self.max", R"({"min":5,"max":2})", "false"},
      {"!has(self.min) || !has(self.max) || self.min <= self.max", R"({"min":5})", "true"},
      // Missing keys are errors, absorbed by || and && when the other side decides.
      {"self.min <= self.max", R"({"min":5})", "error: no such key: max"},
      {"self.min <= self.max || true", R"({})", "true"},
      {"false && self.nope", R"({})", "false"},
      // Arithmetic, comparison, ternary, strings, lists, maps.
      {"self.a + self.b * 2 == 7 && self.a % 2 == 1 && -self.a < 0", R"({"a":3,"b":2})", "true"},
      {"self.a / 0", R"({"a":3})", "error: division by zero"},
      {"self.a < 'x'", R"({"a":3})", "error: no matching overload for '<' applied to '(int, string)'"},
      {"self.ratio > 0.5 && self.count >= 1", R"({"ratio":0.75,"count":1})", "true"},
      {"self.n > 1.5", R"({"n":2})", "true"},
      {"self.kind in ['Deployment', 'StatefulSet'] ? 'ok' : 'no'", R"({"kind":"DaemonSet"})", R"("no")"},
      {"size(self.name) <= 63 && self.name.size() > 0", R"({"name":"web"})", "true"},
      {"self.name.startsWith('web') && self.name.endsWith('-1') && self.name.contains('b-')", R"({"name":"web-1"})",
       "true"},
      {"self.name.matches('^[a-z0-9-]+$')", R"({"name":"Web_1"})", "false"},
      {"self.name.lowerAscii() == 'web' && self.name.upperAscii() == 'WEB'", R"({"name":"Web"})", "true"},
      {"'team' in self.labels && self.labels['team'] == 'a'", R"({"labels":{"team":"a"}})", "true"},
      {"self.items[1] == 'b' && size(self.items + ['c']) == 3", R"({"items":["a","b"]})", "true"},
      {"self.items[5]", R"({"items":["a"]})", "error: index out of bounds: 5"},
      // Macros.
      {"self.units.all(u, u.max >= u.min)", R"({"units":[{"min":1,"max":2},{"min":0,"max":0}]})", "true"},
      {"self.units.exists(u, u.name == 'eci')", R"({"units":[{"name":"ecs"},{"name":"eci"}]})", "true"},
      {"self.units.exists_one(u, u.name == 'eci')", R"({"units":[{"name":"eci"},{"name":"eci"}]})", "false"},
      {"self.units.map(u, u.name)", R"({"units":[{"name":"a"},{"name":"b"}]})", R"(["a","b"])"},
      {"self.units.filter(u, u.n > 1).size() == 1", R"({"units":[{"n":1},{"n":2}]})", "true"},
      {"self.labels.all(k, k.startsWith('app'))", R"({"labels":{"app":"x","app.kubernetes.io/name":"y"}})", "true"},
      {"int('42') + 1 == 43 && string(7) == '7' && double(1) == 1.0", "{}", "true"},
      // What the subset does not have is a compile error, never a silent pass.
      {"self.name.split('-').size() == 2", R"({"name":"a-b"})",
       "error: compilation failed: undeclared reference to 'split' (not in the subset the embedded API server "
       "evaluates)"},
      {"self.a <", R"({"a":1})", "error: compilation failed: unexpected end of expression"},
      {"self.a == 'x", R"({"a":1})", "error: compilation failed: unterminated string at position 12"},
  };
  for (const Row& row : rows) EXPECT_EQ(Eval(row.expression, row.self), row.want) << row.expression;
}

// A hostile rule nested 100,000 deep is refused, not a stack overflow.
TEST(CelTest, DeepNestingIsACompileErrorNotACrash) {
  const std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')') + " == 1";
  EXPECT_EQ(Eval(deep, "{}"), "error: compilation failed: the expression nests deeper than 250 levels");
  const std::string nots = std::string(100000, '!') + "true";
  EXPECT_EQ(Eval(nots, "{}"), "error: compilation failed: the expression nests deeper than 250 levels");
  std::string ternaries;
  for (int i = 0; i < 100000; ++i) ternaries += "true ? 1 : ";
  EXPECT_EQ(Eval(ternaries + "2", "{}"), "error: compilation failed: the expression nests deeper than 250 levels");
  EXPECT_EQ(Eval(std::string(100, '(') + "1" + std::string(100, ')') + " == 1", "{}"), "true");
}

TEST(CelTest, TransitionRulesSeeOldSelf) {
  EXPECT_EQ(Eval("self == oldSelf", R"("a")", R"("a")"), "true");
  EXPECT_EQ(Eval("self >= oldSelf", "2", "3"), "false");
  EXPECT_TRUE(IsTransitionRule("self.replicas >= oldSelf.replicas"));
  EXPECT_FALSE(IsTransitionRule("self.replicas >= 0 && 'oldSelf' != ''"));
}

}  // namespace
}  // namespace spillway::sim
