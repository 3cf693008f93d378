#include "kube/label_selector.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace spillway::kube {
namespace {

// Splits on commas that are not inside parentheses.
absl::StatusOr<std::vector<absl::string_view>> SplitRequirements(absl::string_view text) {
  std::vector<absl::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (depth < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("label selector '", text, "': unbalanced ')'"));
    }
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("label selector '", text, "': unterminated value list"));
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool ValidKey(absl::string_view key) {
  if (key.empty() || key.size() > 316) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
           c == '.' || c == '/';
  });
}

}  // namespace

absl::StatusOr<LabelSelector> LabelSelector::Parse(absl::string_view text) {
  LabelSelector selector;
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return selector;
  absl::StatusOr<std::vector<absl::string_view>> parts = SplitRequirements(text);
  if (!parts.ok()) return parts.status();
  for (absl::string_view raw : *parts) {
    absl::string_view part = absl::StripAsciiWhitespace(raw);
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("label selector requirement '", part, "': ", why));
    };
    Requirement req;
    if (absl::ConsumePrefix(&part, "!")) {
      req.key = std::string(absl::StripAsciiWhitespace(part));
      req.op = Op::kDoesNotExist;
    } else if (size_t paren = part.find('('); paren != absl::string_view::npos) {
      if (part.back() != ')') return bad("expected ')' at the end");
      std::vector<absl::string_view> words =
          absl::StrSplit(absl::StripAsciiWhitespace(part.substr(0, paren)), ' ',
                         absl::SkipEmpty());
      if (words.size() != 2) return bad("expected '<key> in (...)' or '<key> notin (...)'");
      req.key = std::string(words[0]);
      if (words[1] == "in") {
        req.op = Op::kIn;
      } else if (words[1] == "notin") {
        req.op = Op::kNotIn;
      } else {
        return bad(absl::StrCat("unknown operator '", words[1], "'"));
      }
      absl::string_view list = part.substr(paren + 1, part.size() - paren - 2);
      for (absl::string_view value : absl::StrSplit(list, ',')) {
        req.values.emplace_back(absl::StripAsciiWhitespace(value));
      }
    } else if (size_t ne = part.find("!="); ne != absl::string_view::npos) {
      req.key = std::string(absl::StripAsciiWhitespace(part.substr(0, ne)));
      req.op = Op::kNotEquals;
      req.values.emplace_back(absl::StripAsciiWhitespace(part.substr(ne + 2)));
    } else if (size_t eq = part.find('='); eq != absl::string_view::npos) {
      size_t value_start = eq + 1;
      if (value_start < part.size() && part[value_start] == '=') ++value_start;
      req.key = std::string(absl::StripAsciiWhitespace(part.substr(0, eq)));
      req.op = Op::kEquals;
      req.values.emplace_back(absl::StripAsciiWhitespace(part.substr(value_start)));
    } else {
      req.key = std::string(part);
      req.op = Op::kExists;
    }
    if (!ValidKey(req.key)) return bad(absl::StrCat("invalid label key '", req.key, "'"));
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool LabelSelector::Matches(const StringMap& labels) const {
  for (const Requirement& req : requirements_) {
    const std::optional<absl::string_view> value = labels.Find(req.key);
    auto listed = [&] {
      return value.has_value() &&
             std::find(req.values.begin(), req.values.end(), *value) != req.values.end();
    };
    switch (req.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!listed()) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (listed()) return false;
        break;
      case Op::kExists:
        if (!value.has_value()) return false;
        break;
      case Op::kDoesNotExist:
        if (value.has_value()) return false;
        break;
    }
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::vector<std::string> parts;
  for (const Requirement& r : requirements_) {
    const std::string first = r.values.empty() ? "" : r.values[0];
    switch (r.op) {
      case Op::kEquals:
        parts.push_back(absl::StrCat(r.key, "=", first));
        break;
      case Op::kNotEquals:
        parts.push_back(absl::StrCat(r.key, "!=", first));
        break;
      case Op::kIn:
        parts.push_back(absl::StrCat(r.key, " in (", absl::StrJoin(r.values, ","), ")"));
        break;
      case Op::kNotIn:
        parts.push_back(absl::StrCat(r.key, " notin (", absl::StrJoin(r.values, ","), ")"));
        break;
      case Op::kExists:
        parts.push_back(r.key);
        break;
      case Op::kDoesNotExist:
        parts.push_back(absl::StrCat("!", r.key));
        break;
    }
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace spillway::kube
