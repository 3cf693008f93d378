#include "kube/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace spillway::kube {
namespace {

bool LowerAlnum(char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'z'); }

// A label value or a name part (may it be empty?).
bool IsLabelToken(absl::string_view s, bool may_be_empty) {
  if (s.empty()) return may_be_empty;
  if (s.size() > 63 || !absl::ascii_isalnum(static_cast<unsigned char>(s.front())) ||
      !absl::ascii_isalnum(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

const char kDns1123SubdomainMessage[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char kDns1123LabelMessage[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char kLabelValueMessage[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const char kQualifiedNameMessage[] =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. "
    "'example.com/MyName')";

bool IsDns1123Label(absl::string_view s) {
  if (s.empty() || s.size() > 63 || !LowerAlnum(s.front()) || !LowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!LowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDns1123Subdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view part : absl::StrSplit(s, '.')) {
    if (part.empty() || !LowerAlnum(part.front()) || !LowerAlnum(part.back())) return false;
    for (char c : part) {
      if (!LowerAlnum(c) && c != '-') return false;
    }
  }
  return true;
}

bool IsLabelValue(absl::string_view value) { return IsLabelToken(value, true); }

bool IsQualifiedName(absl::string_view key) {
  const size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return IsLabelToken(key, false);
  return IsDns1123Subdomain(key.substr(0, slash)) && IsLabelToken(key.substr(slash + 1), false);
}

std::string CheckQualifiedName(absl::string_view field, absl::string_view key) {
  if (IsQualifiedName(key)) return "";
  return absl::StrCat(field, ": Invalid value: \"", key, "\": ", kQualifiedNameMessage);
}

std::string CheckLabelValue(absl::string_view field, absl::string_view value) {
  if (IsLabelValue(value)) return "";
  return absl::StrCat(field, ": Invalid value: \"", value, "\": ", kLabelValueMessage);
}

}  // namespace spillway::kube
