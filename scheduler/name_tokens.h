// Reading a NodeNames array as kube-scheduler writes it, without a JSON
// parser.
//
// Go's encoding/json writes the array compactly (["a","b"], no spaces) and a
// node name is a DNS subdomain, so nothing in it needs escaping. For arrays
// in that form, ScanNameTokens finds the tokens with a vector scan of the
// bytes instead of walking each element with a JSON parser (bench/README.md,
// "Names read with a vector scan, and with the node cache"). Anything
// else (whitespace, escapes, bytes outside printable ASCII, another type) is
// left to the JSON parser, which reads every form and words the errors.
//
// Thread-safe: pure functions.
#ifndef SPILLWAY_SCHEDULER_NAME_TOKENS_H_
#define SPILLWAY_SCHEDULER_NAME_TOKENS_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace spillway::scheduler {

// Appends to `tokens` each element of `array`, quotes included, and returns
// true when `array` is exactly '[' then zero or more strings separated by a
// bare ',' then ']', each string of printable ASCII (0x20-0x7e) without a
// backslash. Returns false, with `tokens` as it was, otherwise: such an array
// may still be valid JSON, and the caller parses it as such. Each token's
// name is its bytes between the quotes (nothing in it is escaped).
bool ScanNameTokens(absl::string_view array, std::vector<absl::string_view>* tokens);

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_NAME_TOKENS_H_
