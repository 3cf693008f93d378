#include "sim/apiserver/validation.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kube/names.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

using kube::IsDns1123Label;
using kube::IsDns1123Subdomain;
constexpr const char* kSubdomainMessage = kube::kDns1123SubdomainMessage;
constexpr const char* kLabelNameMessage = kube::kDns1123LabelMessage;
constexpr const char* kLabelValueMessage = kube::kLabelValueMessage;
constexpr const char* kLabelKeyMessage = kube::kQualifiedNameMessage;

}  // namespace

std::vector<std::string> ValidateMetadata(bool name_is_dns_label, const json::object& object) {
  std::vector<std::string> problems;
  const json::value* meta = object.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return problems;
  if (const json::value* name = meta->get_object().if_contains("name"); name != nullptr && name->is_string()) {
    const absl::string_view n(name->get_string().data(), name->get_string().size());
    const bool label = name_is_dns_label;
    if (label ? !IsDns1123Label(n) : !IsDns1123Subdomain(n)) {
      problems.push_back(absl::StrCat("metadata.name: Invalid value: \"", n, "\": ",
                                      label ? kLabelNameMessage : kSubdomainMessage));
    }
  }
  if (const json::value* labels = meta->get_object().if_contains("labels"); labels != nullptr && labels->is_object()) {
    for (const auto& entry : labels->get_object()) {
      const absl::string_view key(entry.key().data(), entry.key().size());
      if (!kube::IsQualifiedName(key)) {
        problems.push_back(absl::StrCat("metadata.labels: Invalid value: \"", key, "\": ", kLabelKeyMessage));
      }
      if (!entry.value().is_string()) continue;
      const absl::string_view value(entry.value().get_string().data(), entry.value().get_string().size());
      if (!kube::IsLabelValue(value)) {
        problems.push_back(absl::StrCat("metadata.labels: Invalid value: \"", value, "\": ", kLabelValueMessage));
      }
    }
  }
  if (const json::value* annotations = meta->get_object().if_contains("annotations");
      annotations != nullptr && annotations->is_object()) {
    size_t total = 0;
    for (const auto& entry : annotations->get_object()) {
      const absl::string_view key(entry.key().data(), entry.key().size());
      if (!kube::IsQualifiedName(key)) {
        problems.push_back(absl::StrCat("metadata.annotations: Invalid value: \"", key, "\": ", kLabelKeyMessage));
      }
      total += key.size() + (entry.value().is_string() ? entry.value().get_string().size() : 0);
    }
    if (total > kMaxAnnotationBytes) {
      problems.push_back(absl::StrCat("metadata.annotations: Too long: must have at most ", kMaxAnnotationBytes, " bytes"));
    }
  }
  return problems;
}

}  // namespace spillway::sim
