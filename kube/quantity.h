// Parsing of Kubernetes resource quantities ("100m", "1.5", "512Mi", "2e3").
#ifndef SPILLWAY_KUBE_QUANTITY_H_
#define SPILLWAY_KUBE_QUANTITY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace spillway::kube {

// The quantity in thousandths of its unit, rounded up as the API server does
// ("100m" -> 100, "2" -> 2000, "1Ki" -> 1024000). Suffixes: n u m k M G T P E,
// Ki Mi Gi Ti Pi Ei, and decimal exponents (e3, E-2). InvalidArgument for
// anything else, and for values beyond int64 range.
absl::StatusOr<int64_t> ParseQuantityMilli(absl::string_view text);

// The quantity in whole units, rounded up ("512Mi" -> 536870912, "100m" -> 1).
absl::StatusOr<int64_t> ParseQuantity(absl::string_view text);

// The canonical form kube-apiserver stores and serves a quantity in
// (apimachinery's Quantity.String()): no fractional digits, the largest
// suffix that loses nothing, the suffix family kept — "1.5" -> "1500m",
// "2000" -> "2k", "1.5Gi" -> "1536Mi", "0.5Ki" -> "512", "1e3" -> "1e3",
// "1000m" -> "1". Exact to the nano unit (finer is rounded up, as the API
// server does). InvalidArgument worded as kube-apiserver's decoder: "quantities
// must match the regular expression ..." for text that is not a quantity.
absl::StatusOr<std::string> CanonicalQuantity(absl::string_view text);

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_QUANTITY_H_
