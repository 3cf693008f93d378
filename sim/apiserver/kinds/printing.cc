#include "sim/apiserver/kinds/printing.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "sim/apiserver/tables.h"

namespace spillway::sim::printing {

namespace json = boost::json;

const json::object& Obj(const json::object& object, const char* key) {
  static const auto* const kEmpty = new json::object();
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_object() ? value->get_object() : *kEmpty;
}

const json::array& Arr(const json::object& object, const char* key) {
  static const auto* const kNone = new json::array();
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? value->get_array() : *kNone;
}

std::string Str(const json::object& object, const char* key) { return json_fields::String(object, key); }

int64_t Int(const json::object& object, const char* key) { return json_fields::Int(object, key); }

std::string OrNone(std::string text) { return text.empty() ? "<none>" : text; }

std::string Age(const json::object& object, absl::Time now) {
  absl::Time created;
  std::string error;
  const std::string text = Str(Obj(object, "metadata"), "creationTimestamp");
  if (!absl::ParseTime(absl::RFC3339_full, text, &created, &error)) return "<unknown>";
  return HumanDuration(now - created);
}

std::string Containers(const json::object& pod_spec, const char* field) {
  std::vector<std::string> out;
  for (const json::value& c : Arr(pod_spec, "containers")) {
    if (c.is_object()) out.push_back(Str(c.get_object(), field));
  }
  return absl::StrJoin(out, ",");
}

std::string Selector(const json::object& spec) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : Obj(Obj(spec, "selector"), "matchLabels")) {
    if (value.is_string()) parts.push_back(absl::StrCat(std::string(key), "=", std::string(value.get_string())));
  }
  return OrNone(absl::StrJoin(parts, ","));
}

}  // namespace spillway::sim::printing
