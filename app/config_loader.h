// Reading and validating the policy configuration file (proto/config.proto).
//
// The file is YAML or JSON (JSON is YAML, so one path reads both): YAML is
// converted to JSON and parsed with protobuf's JSON parser, which refuses
// unknown fields by name. Values are then checked against their ranges. Every
// error names the file and the field.
#ifndef SPILLWAY_APP_CONFIG_LOADER_H_
#define SPILLWAY_APP_CONFIG_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/config.pb.h"

namespace spillway::app {

// Parses configuration text (YAML or JSON). `source` names it in errors.
// InvalidArgument for syntax errors, unknown fields, wrong types and values
// out of range.
absl::StatusOr<config::SpillwayConfig> ParseConfig(absl::string_view text,
                                                   absl::string_view source);

// Reads and parses a configuration file; NotFound when it cannot be read.
absl::StatusOr<config::SpillwayConfig> LoadConfigFile(const std::string& path);

// Checks ranges: scores within 0..10, a positive body limit, non-empty rule
// entries. Applied by ParseConfig; exposed for configs built in code.
absl::Status ValidateConfig(const config::SpillwayConfig& config);

// The default body limit (64 MiB) when the file sets none.
inline constexpr uint64_t kDefaultMaxRequestBytes = uint64_t{64} << 20;

}  // namespace spillway::app

#endif  // SPILLWAY_APP_CONFIG_LOADER_H_
