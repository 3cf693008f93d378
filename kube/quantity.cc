#include "kube/quantity.h"

#include <cmath>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace spillway::kube {
namespace {

// Splits "512Mi" into 512 and the multiplier 2^20; long double keeps exact
// integers up to 2^64, so byte counts up to exbibytes stay exact.
absl::StatusOr<long double> ParseValue(absl::string_view text) {
  const absl::string_view original = text;
  auto invalid = [original] {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid quantity \"", original,
                     "\": want a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...)"));
  };
  if (text.empty()) return invalid();
  size_t number_end = 0;
  while (number_end < text.size() &&
         (absl::ascii_isdigit(text[number_end]) || text[number_end] == '.' ||
          text[number_end] == '+' || text[number_end] == '-')) {
    ++number_end;
  }
  absl::string_view number = text.substr(0, number_end);
  absl::string_view suffix = text.substr(number_end);
  long double multiplier = 1;
  if (suffix.empty()) {
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    const char* const kBinary = "KMGTPE";
    const char* found = std::strchr(kBinary, suffix[0]);
    if (found == nullptr || *found == '\0') return invalid();
    multiplier = std::ldexp(1.0L, 10 * static_cast<int>(found - kBinary + 1));
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    int exponent = 0;
    if (!absl::SimpleAtoi(suffix.substr(1), &exponent) || exponent > 30 || exponent < -30) {
      return invalid();
    }
    multiplier = std::pow(10.0L, exponent);
  } else if (suffix.size() == 1) {
    switch (suffix[0]) {
      case 'n': multiplier = 1e-9L; break;
      case 'u': multiplier = 1e-6L; break;
      case 'm': multiplier = 1e-3L; break;
      case 'k': multiplier = 1e3L; break;
      case 'M': multiplier = 1e6L; break;
      case 'G': multiplier = 1e9L; break;
      case 'T': multiplier = 1e12L; break;
      case 'P': multiplier = 1e15L; break;
      case 'E': multiplier = 1e18L; break;
      default: return invalid();
    }
  } else {
    return invalid();
  }
  double value = 0;
  if (number.empty() || !absl::SimpleAtod(number, &value) || !std::isfinite(value)) {
    return invalid();
  }
  return static_cast<long double>(value) * multiplier;
}

absl::StatusOr<int64_t> RoundUp(long double value, absl::string_view text) {
  // Tolerate binary noise of decimal fractions ("0.1" * 1000) before rounding up.
  long double rounded = std::ceil(value - 1e-9L);
  if (rounded > 9.2e18L || rounded < -9.2e18L) {
    return absl::InvalidArgumentError(absl::StrCat("quantity \"", text, "\" is out of range"));
  }
  return static_cast<int64_t>(rounded);
}

}  // namespace

absl::StatusOr<int64_t> ParseQuantityMilli(absl::string_view text) {
  absl::StatusOr<long double> value = ParseValue(text);
  if (!value.ok()) return value.status();
  return RoundUp(*value * 1000, text);
}

absl::StatusOr<int64_t> ParseQuantity(absl::string_view text) {
  absl::StatusOr<long double> value = ParseValue(text);
  if (!value.ok()) return value.status();
  return RoundUp(*value, text);
}

}  // namespace spillway::kube
