#include "common/yaml_json.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_writer.h"

namespace spillway {
namespace {

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(const std::string& text) {
  size_t at = 0;
  auto digits = [&] {
    const size_t start = at;
    while (at < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[at]))) ++at;
    return at > start;
  };
  if (at < text.size() && text[at] == '-') ++at;
  if (at < text.size() && text[at] == '0') {
    ++at;
  } else if (!digits()) {
    return false;
  }
  if (at < text.size() && text[at] == '.') {
    ++at;
    if (!digits()) return false;
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) ++at;
    if (!digits()) return false;
  }
  return at == text.size();
}

}  // namespace

bool IsPlainYamlNumber(const std::string& text) {
  double unused;
  return !text.empty() && absl::SimpleAtod(text, &unused) &&
         (absl::ascii_isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '+' ||
          text[0] == '.');
}

absl::Status YamlToJson(const YAML::Node& node, size_t budget, std::string* out) {
  if (out->size() > budget) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the document expands to more than ", budget,
        " bytes of JSON; YAML aliases (*name) that repeat large anchors are refused"));
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out->append("null");
      return absl::OkStatus();
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() != "!") {  // "!" marks a quoted scalar.
        if (text == "true" || text == "false") {
          out->append(text);
          return absl::OkStatus();
        }
        if (text == "null" || text == "~") {
          out->append("null");
          return absl::OkStatus();
        }
        if (IsJsonNumber(text)) {
          out->append(text);
          return absl::OkStatus();
        }
      }
      json::AppendString(out, text);
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence: {
      out->push_back('[');
      bool first = true;
      for (const YAML::Node& item : node) {
        if (!first) out->push_back(',');
        first = false;
        if (absl::Status s = YamlToJson(item, budget, out); !s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case YAML::NodeType::Map: {
      out->push_back('{');
      bool first = true;
      for (const auto& entry : node) {
        if (!first) out->push_back(',');
        first = false;
        if (!entry.first.IsScalar()) {
          return absl::InvalidArgumentError("mapping keys must be plain strings");
        }
        json::AppendString(out, entry.first.Scalar());
        out->push_back(':');
        if (absl::Status s = YamlToJson(entry.second, budget, out); !s.ok()) return s;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("unsupported YAML node");
}

}  // namespace spillway
