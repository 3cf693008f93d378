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
  } else if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {  // "E" alone is exa.
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

namespace {

using Int128 = __int128;

// apimachinery's Quantity formats.
enum class QuantityFormat { kDecimalSI, kBinarySI, kDecimalExponent };

// A quantity as an exact count of nano units and the format it was written in.
struct ExactQuantity {
  Int128 nano = 0;
  QuantityFormat format = QuantityFormat::kDecimalSI;
};

// Beyond this many nano units (10^27 units, a million exa) the canonical form
// is not computed; no resource comes near it.
constexpr Int128 kNanoLimit = static_cast<Int128>(1000000000000000000LL) * 1000000000000000000LL;

Int128 Pow(Int128 base, int times) {
  Int128 result = 1;
  for (int i = 0; i < times; ++i) result *= base;
  return result;
}

absl::Status NotAQuantity() {
  return absl::InvalidArgumentError(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

// The suffix's power of ten (decimal), power of 1024 (binary) or exponent.
absl::Status ReadSuffix(absl::string_view suffix, QuantityFormat* format, int* power) {
  *format = QuantityFormat::kDecimalSI;
  *power = 0;
  if (suffix.empty()) return absl::OkStatus();
  if (suffix.size() == 2 && suffix[1] == 'i') {
    static constexpr char kBinary[] = "KMGTPE";
    const char* found = std::strchr(kBinary, suffix[0]);
    if (found == nullptr || *found == '\0') return NotAQuantity();
    *format = QuantityFormat::kBinarySI;
    *power = static_cast<int>(found - kBinary) + 1;
    return absl::OkStatus();
  }
  if (suffix.size() == 1) {
    static constexpr struct { char c; int power; } kDecimal[] = {
        {'n', -9}, {'u', -6}, {'m', -3}, {'k', 3}, {'M', 6}, {'G', 9}, {'T', 12}, {'P', 15}, {'E', 18}};
    for (const auto& entry : kDecimal) {
      if (suffix[0] == entry.c) {
        *power = entry.power;
        return absl::OkStatus();
      }
    }
    return NotAQuantity();
  }
  if ((suffix[0] == 'e' || suffix[0] == 'E') && absl::SimpleAtoi(suffix.substr(1), power) && *power >= -40 &&
      *power <= 40) {
    *format = QuantityFormat::kDecimalExponent;
    return absl::OkStatus();
  }
  return NotAQuantity();
}

absl::StatusOr<ExactQuantity> ParseExact(absl::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  Int128 digits = 0;
  int fraction_digits = 0;
  int significant = 0;
  bool seen_digit = false;
  bool seen_dot = false;
  size_t i = 0;
  for (; i < text.size() && (absl::ascii_isdigit(text[i]) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      if (seen_dot) return NotAQuantity();
      seen_dot = true;
      continue;
    }
    seen_digit = true;
    if (digits == 0 && text[i] == '0' && !seen_dot) continue;
    if (significant >= 30) {
      if (!seen_dot) return absl::InvalidArgumentError("quantity too large");
      continue;  // Digits beyond 30 significant ones are below the nano unit.
    }
    digits = digits * 10 + (text[i] - '0');
    ++significant;
    if (seen_dot) ++fraction_digits;
  }
  if (!seen_digit) return NotAQuantity();
  ExactQuantity q;
  int power = 0;
  if (absl::Status s = ReadSuffix(text.substr(i), &q.format, &power); !s.ok()) return s;
  // value = digits * 10^-fraction_digits * (10^power or 1024^power), in nano units.
  Int128 numerator = digits;
  Int128 denominator = 1;
  int ten_power = 9 - fraction_digits + (q.format == QuantityFormat::kBinarySI ? 0 : power);
  if (q.format == QuantityFormat::kBinarySI) numerator *= Pow(1024, power);
  if (ten_power >= 0) {
    if (ten_power > 38) return absl::InvalidArgumentError("quantity too large");
    const Int128 scale = Pow(10, ten_power);
    if (numerator != 0 && numerator > kNanoLimit / scale) return absl::InvalidArgumentError("quantity too large");
    numerator *= scale;
  } else {
    if (-ten_power > 38) {
      denominator = 0;  // Far below a nano unit.
    } else {
      denominator = Pow(10, -ten_power);
    }
  }
  if (denominator == 0) {
    q.nano = numerator == 0 ? 0 : 1;
  } else {
    q.nano = numerator / denominator + (numerator % denominator != 0 ? 1 : 0);  // Rounded up.
  }
  if (q.nano > kNanoLimit) return absl::InvalidArgumentError("quantity too large");
  if (negative) q.nano = -q.nano;
  return q;
}

std::string Int128ToString(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string digits;
  while (value != 0) {
    const int digit = static_cast<int>(value % 10);
    digits.push_back(static_cast<char>('0' + (negative ? -digit : digit)));
    value /= 10;
  }
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

// mantissa x 10^exponent with the exponent a multiple of 3, as
// apimachinery's AsCanonicalBytes.
std::string DecimalForm(Int128 nano, QuantityFormat format) {
  Int128 mantissa = nano;
  int exponent = -9;
  while (mantissa % 10 == 0) {
    mantissa /= 10;
    ++exponent;
  }
  switch (((exponent % 3) + 3) % 3) {
    case 1:
      mantissa *= 10;
      exponent -= 1;
      break;
    case 2:
      mantissa *= 100;
      exponent -= 2;
      break;
    default:
      break;
  }
  std::string suffix;
  if (format == QuantityFormat::kDecimalSI && exponent >= -9 && exponent <= 18) {
    static const char* const kSuffixes[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    suffix = kSuffixes[(exponent + 9) / 3];
  } else if (exponent != 0) {
    suffix = absl::StrCat("e", exponent);
  }
  return Int128ToString(mantissa) + suffix;
}

}  // namespace

absl::StatusOr<std::string> CanonicalQuantity(absl::string_view text) {
  absl::StatusOr<ExactQuantity> q = ParseExact(absl::StripAsciiWhitespace(text));
  if (!q.ok()) return q.status();
  if (q->nano == 0) return std::string("0");
  constexpr Int128 kUnit = 1000000000;
  if (q->format == QuantityFormat::kBinarySI) {
    // Below 1Ki, or not a whole number of units: decimal, so nothing is lost.
    if ((q->nano > -1024 * kUnit && q->nano < 1024 * kUnit) || q->nano % kUnit != 0) {
      return DecimalForm(q->nano, QuantityFormat::kDecimalSI);
    }
    Int128 amount = q->nano / kUnit;
    int power = 0;
    while (power < 6 && amount % 1024 == 0) {
      amount /= 1024;
      ++power;
    }
    static const char* const kSuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return Int128ToString(amount) + kSuffixes[power];
  }
  return DecimalForm(q->nano, q->format);
}

}  // namespace spillway::kube
