#include "sim/apiserver/field_selector.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace spillway::sim {

absl::StatusOr<FieldSelector> FieldSelector::Parse(absl::string_view text) {
  FieldSelector selector;
  for (absl::string_view raw : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    absl::string_view part = absl::StripAsciiWhitespace(raw);
    Requirement req;
    size_t op = part.find("!=");
    size_t value_start;
    if (op != absl::string_view::npos) {
      req.equals = false;
      value_start = op + 2;
    } else if ((op = part.find('=')) != absl::string_view::npos) {
      req.equals = true;
      value_start = op + 1;
      if (value_start < part.size() && part[value_start] == '=') ++value_start;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("field selector requirement '", part, "': expected =, == or !="));
    }
    for (absl::string_view step : absl::StrSplit(absl::StripAsciiWhitespace(part.substr(0, op)), '.')) {
      req.path.emplace_back(step);
    }
    req.value = std::string(absl::StripAsciiWhitespace(part.substr(value_start)));
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::Matches(const boost::json::object& object) const {
  for (const Requirement& req : requirements_) {
    const boost::json::value* at = nullptr;
    const boost::json::object* current = &object;
    for (size_t i = 0; i < req.path.size() && current != nullptr; ++i) {
      at = current->if_contains(req.path[i]);
      current = (at != nullptr && i + 1 < req.path.size()) ? at->if_object() : nullptr;
      if (at == nullptr) break;
    }
    std::string actual;
    if (at != nullptr) {
      if (const boost::json::string* s = at->if_string()) {
        actual = std::string(s->data(), s->size());
      } else if (at->is_bool()) {
        actual = at->get_bool() ? "true" : "false";
      } else if (!at->is_null()) {
        actual = boost::json::serialize(*at);
      }
    }
    if ((actual == req.value) != req.equals) return false;
  }
  return true;
}

absl::Status FieldSelector::ConvertFieldLabels(const std::map<std::string, std::string>* labels) {
  if (labels == nullptr) return absl::OkStatus();
  for (Requirement& req : requirements_) {
    const std::string label = absl::StrJoin(req.path, ".");
    if (label == "metadata.name" || label == "metadata.namespace") continue;
    auto supported = labels->find(label);
    if (supported == labels->end()) return absl::InvalidArgumentError(absl::StrCat("field label not supported: ", label));
    std::vector<std::string> path = absl::StrSplit(supported->second, '.');
    req.path = std::move(path);
  }
  return absl::OkStatus();
}

}  // namespace spillway::sim
