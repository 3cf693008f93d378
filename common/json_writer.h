// Appending JSON text to a std::string by hand: the extender's responses are a
// few fixed shapes, and writing them directly (with raw Node bytes spliced in,
// see scheduler/extender_codec.cc) is several times faster than building a DOM.
#ifndef SPILLWAY_COMMON_JSON_WRITER_H_
#define SPILLWAY_COMMON_JSON_WRITER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace spillway::json {

// Appends `text` as a quoted JSON string, escaping quotes, backslashes and
// control characters (UTF-8 passes through unchanged).
void AppendString(std::string* out, absl::string_view text);

// Returns `text` as a quoted JSON string.
std::string Quote(absl::string_view text);

}  // namespace spillway::json

#endif  // SPILLWAY_COMMON_JSON_WRITER_H_
