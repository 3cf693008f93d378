// The subset of CEL (the Common Expression Language) that CRDs' validation
// rules (x-kubernetes-validations) use most, evaluated as kube-apiserver
// evaluates them against `self` (the value at the rule's schema node) and, for
// transition rules on update, `oldSelf`:
//  - literals: integers, doubles, 'strings' and "strings", true, false, null,
//    lists [a, b] and maps {'k': v};
//  - operators: ! - * / % + (numbers, strings, lists) < <= > >= == != in && ||
//    and ?:, with CEL's rules: && and || absorb an error when the other side
//    decides, no implicit int/double conversion in arithmetic;
//  - field selection a.b, indexing a[0] and a['k'], the macro has(a.b);
//  - size() (strings, lists, maps), startsWith, endsWith, contains, matches
//    (RE2 syntax, here through std::regex ECMAScript), lowerAscii, upperAscii,
//    trim, int(), double(), string();
//  - the list macros all, exists, exists_one, map and filter.
// Anything else is a compile error naming it, so a rule Spillway cannot
// evaluate is reported, never silently passed.
//
// Thread-safe (pure functions over their arguments).
#ifndef SPILLWAY_SIM_APISERVER_CEL_H_
#define SPILLWAY_SIM_APISERVER_CEL_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "boost/json.hpp"

namespace spillway::sim {

// Evaluates `expression` with `variables` (e.g. self, oldSelf). InvalidArgument
// for a syntax error or an unsupported function ("compilation failed: ..."),
// FailedPrecondition for an evaluation error (a missing key: "no such key:
// min"; a type mismatch: "no matching overload for '<' applied to (string,
// int)"), in CEL's words.
absl::StatusOr<boost::json::value> EvaluateCel(const std::string& expression,
                                               const std::map<std::string, boost::json::value>& variables);

// Whether the expression mentions `oldSelf` (a transition rule: evaluated on
// update only, when the old object has a value there).
bool IsTransitionRule(const std::string& expression);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_CEL_H_
