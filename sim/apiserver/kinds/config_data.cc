#include "sim/apiserver/kinds/config_data.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/json_fields.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

bool IsConfigKey(absl::string_view key) {
  if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// Go's base64.StdEncoding: the first offending byte's offset, or -1.
int Base64Error(absl::string_view text) {
  if (text.size() % 4 != 0) {
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
        return static_cast<int>(i);
      }
    }
    return static_cast<int>(text.size() - text.size() % 4);
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool padding = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || padding)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

void ValidateConfigKeys(const json::object& object, const char* field, std::vector<std::string>& problems) {
  const json::object* data = json_fields::ObjectAt(object, {field});
  if (data == nullptr) return;
  for (const auto& entry : *data) {
    const std::string key(entry.key());
    if (!IsConfigKey(key)) {
      problems.push_back(absl::StrCat(field, "[", key, "]: Invalid value: \"", key,
                                      "\": a valid config key must consist of alphanumeric characters, '-', '_' or "
                                      "'.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                                      "validation is '[-._a-zA-Z0-9]+')"));
    }
  }
}

void ValidateDataSize(const json::object& object, std::vector<std::string>& problems) {
  size_t total = 0;
  for (const char* field : {"data", "binaryData", "stringData"}) {
    const json::object* data = json_fields::ObjectAt(object, {field});
    if (data == nullptr) continue;
    for (const auto& entry : *data) {
      total += entry.key().size() + (entry.value().is_string() ? entry.value().get_string().size() : 0);
    }
  }
  if (total > kMaxDataBytes) {
    problems.push_back(absl::StrCat("[]: Too long: must have at most ", kMaxDataBytes, " bytes"));
  }
}

absl::Status CheckBase64Field(const json::object& object, const char* field, const char* kind) {
  const json::object* data = json_fields::ObjectAt(object, {field});
  if (data == nullptr) return absl::OkStatus();
  for (const auto& entry : *data) {
    if (!entry.value().is_string()) continue;  // Type errors are CheckBuiltinTypes'.
    const int at = Base64Error(absl::string_view(entry.value().get_string().data(), entry.value().get_string().size()));
    if (at >= 0) {
      return absl::FailedPreconditionError(absl::StrCat(kind, " in version \"v1\" cannot be handled as a ", kind,
                                                        ": illegal base64 data at input byte ", at));
    }
  }
  return absl::OkStatus();
}

}  // namespace spillway::sim::kinds
