#include "sim/apiserver/selectors.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "kube/json_string_map.h"

namespace spillway::sim {
namespace json = boost::json;

// Written in the string form kube::LabelSelector parses.
absl::StatusOr<kube::LabelSelector> SelectorOf(const json::value* selector) {
  if (selector == nullptr || !selector->is_object()) return kube::LabelSelector();
  std::vector<std::string> parts;
  if (const json::value* labels = selector->get_object().if_contains("matchLabels");
      labels != nullptr && labels->is_object()) {
    for (const auto& entry : labels->get_object()) {
      if (entry.value().is_string()) {
        parts.push_back(absl::StrCat(std::string(entry.key()), "=", std::string(entry.value().get_string())));
      }
    }
  }
  if (const json::value* expressions = selector->get_object().if_contains("matchExpressions");
      expressions != nullptr && expressions->is_array()) {
    for (const json::value& e : expressions->get_array()) {
      if (!e.is_object()) continue;
      const std::string key = json_fields::String(e.get_object(), "key");
      const std::string op = json_fields::String(e.get_object(), "operator");
      std::vector<std::string> values;
      if (const json::value* v = e.get_object().if_contains("values"); v != nullptr && v->is_array()) {
        for (const json::value& item : v->get_array()) {
          if (item.is_string()) values.emplace_back(item.get_string());
        }
      }
      if (op == "In") parts.push_back(absl::StrCat(key, " in (", absl::StrJoin(values, ","), ")"));
      if (op == "NotIn") parts.push_back(absl::StrCat(key, " notin (", absl::StrJoin(values, ","), ")"));
      if (op == "Exists") parts.push_back(key);
      if (op == "DoesNotExist") parts.push_back("!" + key);
    }
  }
  return kube::LabelSelector::Parse(absl::StrJoin(parts, ","));
}

kube::StringMap LabelsIn(const json::object& labels) { return kube::StringMapOf(labels); }

}  // namespace spillway::sim
