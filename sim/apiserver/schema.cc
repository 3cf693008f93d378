#include "sim/apiserver/schema.h"

#include <map>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/apiserver/cel.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

std::string Child(const std::string& path, json::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", std::string(key));
}

const char* TypeName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    case json::kind::bool_: return "boolean";
    case json::kind::null: return "null";
    case json::kind::double_: return "number";
    default: return "integer";
  }
}

bool Flag(const json::object& schema, const char* key) {
  const json::value* v = schema.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

const json::value* Field(const json::object& schema, const char* key) {
  return schema.if_contains(key);
}

double Number(const json::value& v) { return v.is_double() ? v.get_double() : v.to_number<double>(); }

class Validator {
 public:
  explicit Validator(SchemaReport* report) : report_(report) {}

  void Validate(const json::value& schema_value, json::value& value, const std::string& path,
                const json::value* old = nullptr) {
    if (!schema_value.is_object()) return;
    const json::object& schema = schema_value.get_object();
    if (value.is_null()) {
      if (!Flag(schema, "nullable") && schema.contains("type")) {
        Error(path, value, absl::StrCat(path, " in body must be of type ",
                                        std::string(schema.at("type").as_string()), ": \"null\""));
      }
      return;
    }
    if (Flag(schema, "x-kubernetes-int-or-string")) {
      if (!value.is_string() && !value.is_int64() && !value.is_uint64()) {
        Error(path, value, absl::StrCat(path, " in body must be of type integer or string: \"",
                                        TypeName(value), "\""));
      }
      return;
    }
    if (const json::value* type = Field(schema, "type"); type != nullptr && type->is_string()) {
      const json::string_view want = type->get_string();
      const bool ok = (want == "object" && value.is_object()) ||
                      (want == "array" && value.is_array()) ||
                      (want == "string" && value.is_string()) ||
                      (want == "boolean" && value.is_bool()) ||
                      (want == "integer" && (value.is_int64() || value.is_uint64())) ||
                      (want == "number" && value.is_number());
      if (!ok) {
        Error(path, value, absl::StrCat(path, " in body must be of type ", std::string(want), ": \"",
                                        TypeName(value), "\""));
        return;
      }
    }
    if (const json::value* allowed = Field(schema, "enum"); allowed != nullptr && allowed->is_array()) {
      bool found = false;
      std::vector<std::string> listed;
      for (const json::value& option : allowed->get_array()) {
        found = found || option == value;
        listed.push_back(json::serialize(option));
      }
      if (!found) {
        report_->errors.push_back(absl::StrCat(path, ": Unsupported value: ", json::serialize(value),
                                               ": supported values: ", absl::StrJoin(listed, ", ")));
      }
    }
    if (value.is_number()) CheckBounds(schema, value, path);
    if (value.is_string()) CheckString(schema, value, path);
    if (value.is_array()) {
      CheckItemsCount(schema, value, path);
      if (const json::value* items = Field(schema, "items")) {
        json::array& array = value.get_array();
        for (size_t i = 0; i < array.size(); ++i) {
          Validate(*items, array[i], absl::StrCat(path, "[", i, "]"));
        }
      }
    }
    if (value.is_object()) {
      ValidateObject(schema, value.get_object(), path, /*root=*/false, old != nullptr && old->is_object() ? &old->get_object() : nullptr);
    }
    CheckRules(schema, value, path, old);
  }

  void ValidateObject(const json::object& schema, json::object& object, const std::string& path, bool root,
                      const json::object* old = nullptr) {
    const json::value* properties = Field(schema, "properties");
    const json::value* additional = Field(schema, "additionalProperties");
    const bool preserve = Flag(schema, "x-kubernetes-preserve-unknown-fields") ||
                          (additional != nullptr && additional->is_bool() && additional->get_bool());
    if (const json::value* required = Field(schema, "required"); required != nullptr && required->is_array()) {
      for (const json::value& name : required->get_array()) {
        if (name.is_string() && !object.contains(name.get_string())) {
          report_->errors.push_back(absl::StrCat(Child(path, name.get_string()), ": Required value"));
        }
      }
    }
    std::vector<std::string> pruned;
    for (auto& entry : object) {
      const json::string_view key = entry.key();
      if (root && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
      const json::value* property = properties != nullptr && properties->is_object()
                                        ? properties->get_object().if_contains(key)
                                        : nullptr;
      const json::value* old_value = old != nullptr ? old->if_contains(key) : nullptr;
      if (property != nullptr) {
        Validate(*property, entry.value(), Child(path, key), old_value);
      } else if (additional != nullptr && additional->is_object()) {
        Validate(*additional, entry.value(), Child(path, key), old_value);
      } else if (!preserve && (properties != nullptr || root || schema.contains("type"))) {
        pruned.emplace_back(key);
      }
    }
    for (const std::string& key : pruned) {
      report_->unknown_fields.push_back(Child(path, key));
      object.erase(key);
    }
  }

  // The node's x-kubernetes-validations, evaluated with self (and oldSelf for
  // transition rules, when there is an old value).
  void CheckRules(const json::object& schema, const json::value& value, const std::string& path,
                  const json::value* old) {
    const json::value* rules = Field(schema, "x-kubernetes-validations");
    if (rules == nullptr || !rules->is_array()) return;
    const json::value* type = Field(schema, "type");
    const std::string type_name = type != nullptr && type->is_string() ? std::string(type->get_string()) : "object";
    for (const json::value& rule_value : rules->get_array()) {
      if (!rule_value.is_object()) continue;
      const json::object& rule = rule_value.get_object();
      const std::string expression = StringField(rule, "rule");
      if (expression.empty()) continue;
      std::map<std::string, json::value> variables{{"self", value}};
      if (IsTransitionRule(expression)) {
        if (old == nullptr) continue;  // Evaluated on update only, as kube does.
        variables["oldSelf"] = *old;
      }
      absl::StatusOr<json::value> result = EvaluateCel(expression, variables);
      const std::string where = path.empty() ? "<root>" : path;
      if (result.status().code() == absl::StatusCode::kInvalidArgument) {
        report_->warnings.push_back(absl::StrCat(where, ": the validation rule \"", expression,
                                                 "\" is not evaluated by the embedded API server: ",
                                                 result.status().message()));
        continue;
      }
      if (result.ok() && result->is_bool() && result->get_bool()) continue;
      std::string message;
      if (!result.ok()) {
        message = absl::StrCat(result.status().message(), " evaluating rule: ", expression);
      } else if (!result->is_bool()) {
        message = absl::StrCat("rule did not evaluate to a bool: ", expression);
      } else {
        message = RuleMessage(rule, variables, expression);
      }
      std::string field_path = where;
      if (const std::string extra = StringField(rule, "fieldPath"); !extra.empty()) {
        field_path = absl::StrCat(path, extra);
        if (!field_path.empty() && field_path[0] == '.') field_path.erase(0, 1);
      }
      const std::string reason = StringField(rule, "reason");
      if (reason == "FieldValueForbidden") {
        report_->errors.push_back(absl::StrCat(field_path, ": Forbidden: ", message));
      } else if (reason == "FieldValueRequired") {
        report_->errors.push_back(absl::StrCat(field_path, ": Required value: ", message));
      } else if (reason == "FieldValueDuplicate") {
        report_->errors.push_back(absl::StrCat(field_path, ": Duplicate value: ", message));
      } else {
        report_->errors.push_back(absl::StrCat(field_path, ": Invalid value: \"", type_name, "\": ", message));
      }
    }
  }

  // A failed rule's message: messageExpression when it gives a non-empty
  // string, else message, else "failed rule: <rule>".
  static std::string RuleMessage(const json::object& rule, const std::map<std::string, json::value>& variables,
                                 const std::string& expression) {
    if (const std::string dynamic = StringField(rule, "messageExpression"); !dynamic.empty()) {
      absl::StatusOr<json::value> text = EvaluateCel(dynamic, variables);
      if (text.ok() && text->is_string() && !text->get_string().empty()) return std::string(text->get_string());
    }
    if (const std::string fixed = StringField(rule, "message"); !fixed.empty()) return fixed;
    return absl::StrCat("failed rule: ", expression);
  }

 private:
  static std::string StringField(const json::object& object, const char* key) {
    const json::value* v = object.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
  }

  void Error(const std::string& path, const json::value& value, const std::string& detail) {
    report_->errors.push_back(
        absl::StrCat(path, ": Invalid value: ", value.is_string() || value.is_object() || value.is_array()
                                                    ? absl::StrCat("\"", TypeName(value), "\"")
                                                    : json::serialize(value),
                     ": ", detail));
  }

  void CheckBounds(const json::object& schema, const json::value& value, const std::string& path) {
    const double number = Number(value);
    if (const json::value* minimum = Field(schema, "minimum"); minimum != nullptr && minimum->is_number()) {
      const bool exclusive = Flag(schema, "exclusiveMinimum");
      if (exclusive ? number <= Number(*minimum) : number < Number(*minimum)) {
        Error(path, value, absl::StrCat(path, " in body should be greater than ",
                                        exclusive ? "" : "or equal to ", json::serialize(*minimum)));
      }
    }
    if (const json::value* maximum = Field(schema, "maximum"); maximum != nullptr && maximum->is_number()) {
      const bool exclusive = Flag(schema, "exclusiveMaximum");
      if (exclusive ? number >= Number(*maximum) : number > Number(*maximum)) {
        Error(path, value, absl::StrCat(path, " in body should be less than ",
                                        exclusive ? "" : "or equal to ", json::serialize(*maximum)));
      }
    }
  }

  void CheckString(const json::object& schema, const json::value& value, const std::string& path) {
    const json::string& text = value.get_string();
    if (const json::value* min = Field(schema, "minLength"); min != nullptr && min->is_number() &&
                                                              static_cast<double>(text.size()) < Number(*min)) {
      Error(path, value, absl::StrCat(path, " in body should be at least ", json::serialize(*min),
                                      " chars long"));
    }
    if (const json::value* max = Field(schema, "maxLength"); max != nullptr && max->is_number() &&
                                                              static_cast<double>(text.size()) > Number(*max)) {
      Error(path, value, absl::StrCat(path, " in body may not be longer than ", json::serialize(*max)));
    }
    if (const json::value* pattern = Field(schema, "pattern"); pattern != nullptr && pattern->is_string()) {
      try {
        if (!std::regex_search(std::string(text), std::regex(std::string(pattern->get_string()),
                                                             std::regex::ECMAScript))) {
          report_->errors.push_back(absl::StrCat(path, ": Invalid value: \"", std::string(text), "\": ",
                                                 path, " in body should match '",
                                                 std::string(pattern->get_string()), "'"));
        }
      } catch (const std::regex_error&) {
        // A pattern std::regex cannot compile is not enforced.
      }
    }
  }

  void CheckItemsCount(const json::object& schema, const json::value& value, const std::string& path) {
    const double size = static_cast<double>(value.get_array().size());
    if (const json::value* min = Field(schema, "minItems"); min != nullptr && min->is_number() &&
                                                             size < Number(*min)) {
      report_->errors.push_back(absl::StrCat(path, ": Invalid value: ", size, ": ", path,
                                             " in body should have at least ", json::serialize(*min), " items"));
    }
    if (const json::value* max = Field(schema, "maxItems"); max != nullptr && max->is_number() &&
                                                             size > Number(*max)) {
      report_->errors.push_back(absl::StrCat(path, ": Too many: ", size, ": must have at most ",
                                             json::serialize(*max), " items"));
    }
  }

  SchemaReport* report_;
};

}  // namespace

SchemaReport ValidateCustomResource(const json::value& schema, json::value& value, const json::value* old) {
  SchemaReport report;
  Validator validator(&report);
  if (!schema.is_object() || !value.is_object()) return report;
  const json::object* old_object = old != nullptr && old->is_object() ? &old->get_object() : nullptr;
  validator.ValidateObject(schema.get_object(), value.get_object(), "", /*root=*/true, old_object);
  validator.CheckRules(schema.get_object(), value, "", old);
  return report;
}

}  // namespace spillway::sim
