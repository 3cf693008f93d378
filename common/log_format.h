// How Spillway's log lines read to machines. Messages are logfmt-style
// ("rescue pod=ns/name outcome=quota reason=\"the ECI quota ...\""): values
// with spaces, quotes or '=' are quoted by LogValue, so a logfmt parser
// splits them right. `--logging-format=json` turns every glog line into one
// JSON object per line on stderr, the message's key=value pairs lifted into
// fields, for log pipelines that index JSON.
//
// Thread-safe: the JSON sink serialises its writes.
#ifndef SPILLWAY_COMMON_LOG_FORMAT_H_
#define SPILLWAY_COMMON_LOG_FORMAT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace spillway {

// `value` as a logfmt value: unchanged when it is non-empty and has no space,
// quote, '=' or control character; otherwise in double quotes with \" \\ \n
// \t escaped.
std::string LogValue(absl::string_view value);

// One JSON log line (no newline): {"ts", "level", "caller", "msg"} and, for
// each key=value pair of the message's run of pairs (key: lowercase letters,
// digits, '_', '-', '.'; value bare or logfmt-quoted), a string field of that
// name unless it would replace one of the four. The run starts within the
// first three words ("rescue pod=... outcome=...") and ends at the first word
// that is not a pair, so text after it ("waits: <why>") or free text that
// happens to hold "a=b" adds no field.
std::string JsonLogLine(absl::Time time, absl::string_view level, absl::string_view caller,
                        absl::string_view message);

// glog's --vmodule: per-file verbosity, "PATTERN=LEVEL[,PATTERN=LEVEL...]",
// PATTERN a file's base name without extension, with * and ? wildcards
// ("extender_service=2,rescu*=1"), LEVEL 0..10. Applied at once, above --v
// for the files it names. InvalidArgument naming the malformed entry.
absl::Status SetVModule(absl::string_view spec);

// "text" (glog's own format on stderr, the default) or "json" (JsonLogLine
// on stderr, nothing else). InvalidArgument naming the flag otherwise.
absl::Status SetLoggingFormat(absl::string_view format);

}  // namespace spillway

#endif  // SPILLWAY_COMMON_LOG_FORMAT_H_
