// Parsing of Kubernetes resource quantities ("100m", "1.5", "512Mi", "2e3").
#ifndef SPILLWAY_KUBE_QUANTITY_H_
#define SPILLWAY_KUBE_QUANTITY_H_

#include <cstdint>

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

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_QUANTITY_H_
