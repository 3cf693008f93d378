#include "sim/apiserver/tables.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/json_fields.h"

namespace spillway::sim {
namespace json = boost::json;

namespace {

// One step of a printer column's path: a field, then what to take of it.
struct PathStep {
  std::string field;
  enum class Take { kValue, kEvery, kIndex, kFilter } take = Take::kValue;
  size_t index = 0;
  std::string filter_key;  // @.filter_key == filter_value
  std::string filter_value;
};

// Splits ".a.b[*].c[?(@.type==\"Ready\")].d" into steps; dots inside a
// filter's brackets do not split.
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> steps;
  std::string current;
  int depth = 0;
  for (char c : path) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == '.' && depth == 0) {
      if (!current.empty()) steps.push_back(std::move(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty()) steps.push_back(std::move(current));
  return steps;
}

PathStep ParseStep(absl::string_view text) {
  PathStep step;
  const size_t open = text.find('[');
  step.field = std::string(text.substr(0, open));
  if (open == absl::string_view::npos || text.back() != ']') return step;
  absl::string_view inside = text.substr(open + 1, text.size() - open - 2);
  if (inside == "*") {
    step.take = PathStep::Take::kEvery;
  } else if (absl::ConsumePrefix(&inside, "?(@.") && absl::ConsumeSuffix(&inside, ")")) {
    const size_t equals = inside.find("==");
    if (equals == absl::string_view::npos) return step;
    step.take = PathStep::Take::kFilter;
    step.filter_key = std::string(absl::StripAsciiWhitespace(inside.substr(0, equals)));
    absl::string_view value = absl::StripAsciiWhitespace(inside.substr(equals + 2));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    step.filter_value = std::string(value);
  } else if (absl::SimpleAtoi(inside, &step.index)) {
    step.take = PathStep::Take::kIndex;
  }
  return step;
}

// What `step` takes of `child`, appended to `next`.
void Take(const PathStep& step, const json::value& child, std::vector<const json::value*>& next) {
  if (step.take == PathStep::Take::kValue) {
    next.push_back(&child);
    return;
  }
  if (!child.is_array()) return;
  const json::array& items = child.get_array();
  if (step.take == PathStep::Take::kIndex) {
    if (step.index < items.size()) next.push_back(&items[step.index]);
    return;
  }
  for (const json::value& item : items) {
    if (step.take == PathStep::Take::kEvery) {
      next.push_back(&item);
      continue;
    }
    const json::value* key = item.is_object() ? item.get_object().if_contains(step.filter_key) : nullptr;
    if (key != nullptr && key->is_string() && key->get_string() == step.filter_value) next.push_back(&item);
  }
}

}  // namespace

json::value PrinterColumnValue(const json::value& object, const std::string& path, const std::string& type,
                               absl::Time now) {
  std::vector<const json::value*> at{&object};
  for (const std::string& text : SplitPath(path)) {
    const PathStep step = ParseStep(text);
    std::vector<const json::value*> next;
    for (const json::value* v : at) {
      const json::value* child = v->is_object() ? v->get_object().if_contains(step.field) : nullptr;
      if (child != nullptr) Take(step, *child, next);
    }
    at = std::move(next);
  }
  if (at.empty()) return nullptr;
  if (type == "date" && at.size() == 1 && at[0]->is_string()) {
    // As the API server's table convertor: an age, like kubectl's AGE column.
    absl::Time then;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, std::string(at[0]->get_string()), &then, &error)) {
      return json::value(HumanDuration(now - then));
    }
  }
  if (at.size() == 1 && (type == "integer" || type == "number" || type == "boolean") && !at[0]->is_string()) {
    return *at[0];
  }
  std::vector<std::string> parts;
  for (const json::value* v : at) parts.push_back(v->is_string() ? std::string(v->get_string()) : json::serialize(*v));
  return json::value(absl::StrJoin(parts, ","));
}

std::string HumanDuration(absl::Duration age) {
  const int64_t seconds = absl::ToInt64Seconds(age);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) return seconds % 60 == 0 ? absl::StrCat(minutes, "m") : absl::StrCat(minutes, "m", seconds % 60, "s");
  if (minutes < 180) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) return minutes % 60 == 0 ? absl::StrCat(hours, "h") : absl::StrCat(hours, "h", minutes % 60, "m");
  if (hours < 48) return absl::StrCat(hours, "h");
  if (hours < 24 * 8) return hours % 24 == 0 ? absl::StrCat(hours / 24, "d") : absl::StrCat(hours / 24, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24, "d");
  const int64_t days = hours / 24;
  if (hours < 24 * 365 * 8) return days % 365 == 0 ? absl::StrCat(days / 365, "y") : absl::StrCat(days / 365, "y", days % 365, "d");
  return absl::StrCat(days / 365, "y");
}

bool HasTable(const ResourceInfo& info) {
  return info.custom ? !info.printer_columns.empty() : info.strategy->TablePrinter() != nullptr;
}

json::object TableOf(const ResourceInfo& info, const std::vector<json::object>& items,
                     const std::string& resource_version, absl::Time now) {
  json::array columns{json::object{{"name", "Name"}, {"type", "string"}, {"format", "name"},
                                   {"description", "Name must be unique within a namespace."}, {"priority", 0}}};
  for (const PrinterColumn& column : info.printer_columns) {
    columns.push_back(json::object{{"name", column.name}, {"type", column.type}, {"format", ""},
                                   {"description", ""}, {"priority", column.priority}});
  }
  const Printer* builtin = info.custom ? nullptr : info.strategy->TablePrinter();
  if (builtin != nullptr) {
    for (const TableColumn& column : builtin->columns) {
      columns.push_back(json::object{{"name", column.name}, {"type", column.type}, {"format", ""},
                                     {"description", ""}, {"priority", column.priority}});
    }
  }
  json::array rows;
  for (const json::object& item : items) {
    const json::value object = item;
    json::array cells{object.at("metadata").at("name")};
    for (const PrinterColumn& column : info.printer_columns) {
      cells.push_back(PrinterColumnValue(object, column.json_path, column.type, now));
    }
    if (builtin != nullptr) {
      for (json::value& cell : builtin->cells(item, now)) {
        cells.push_back(std::move(cell));
      }
    }
    rows.push_back(json::object{{"cells", cells},
                                {"object", json::object{{"kind", "PartialObjectMetadata"},
                                                        {"apiVersion", "meta.k8s.io/v1"},
                                                        {"metadata", object.at("metadata")}}}});
  }
  return json::object{{"kind", "Table"},
                      {"apiVersion", "meta.k8s.io/v1"},
                      {"metadata", json::object{{"resourceVersion", resource_version}}},
                      {"columnDefinitions", columns},
                      {"rows", rows}};
}

}  // namespace spillway::sim
