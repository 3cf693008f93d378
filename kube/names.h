// Kubernetes' rules for names, label keys and values, and annotation keys
// (k8s.io/apimachinery/pkg/util/validation), with the API server's own error
// texts: shared by everything that must refuse what kube-apiserver would
// refuse before sending it there (the eci-profile's effects and selectors) and
// by the embedded API server. Pure functions; thread-safe.
#ifndef SPILLWAY_KUBE_NAMES_H_
#define SPILLWAY_KUBE_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace spillway::kube {

// A lowercase RFC 1123 label (Namespaces, Services): [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
bool IsDns1123Label(absl::string_view name);
// A lowercase RFC 1123 subdomain (most object names): dot-separated labels, at most 253.
bool IsDns1123Subdomain(absl::string_view name);
// A label value: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending alphanumeric.
bool IsLabelValue(absl::string_view value);
// A qualified name (label and annotation keys): an optional DNS subdomain
// prefix and '/', then a name part as a non-empty label value.
bool IsQualifiedName(absl::string_view key);

// kube-apiserver's explanations, as it appends them to "Invalid value: ...".
extern const char kDns1123LabelMessage[];
extern const char kDns1123SubdomainMessage[];
extern const char kLabelValueMessage[];
extern const char kQualifiedNameMessage[];

// "<field>: Invalid value: \"<value>\": <why>" when `key` is not a qualified
// name, else "".
std::string CheckQualifiedName(absl::string_view field, absl::string_view key);
// The same for a label value.
std::string CheckLabelValue(absl::string_view field, absl::string_view value);

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_NAMES_H_
