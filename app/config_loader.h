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

// Reads and parses a configuration file; NotFound when it cannot be read,
// FailedPrecondition when it is not a regular file (a directory, /dev/zero),
// OutOfRange past kMaxConfigFileBytes.
absl::StatusOr<config::SpillwayConfig> LoadConfigFile(const std::string& path);

// Checks ranges: scores within 0..10, a positive body limit, non-empty rule
// entries. Applied by ParseConfig; exposed for configs built in code.
absl::Status ValidateConfig(const config::SpillwayConfig& config);

// The default body limit (64 MiB) when the file sets none, and its maximum.
inline constexpr uint64_t kDefaultMaxRequestBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMaxMaxRequestBytes = uint64_t{1} << 30;
// Defaults of the `server` section (proto/config.proto, ServerConfig).
inline constexpr uint64_t kDefaultMaxBodyBytesInFlight = uint64_t{256} << 20;
inline constexpr uint32_t kDefaultMaxIdleConnections = 256;
inline constexpr uint32_t kDefaultHeaderTimeoutSeconds = 10;
inline constexpr uint32_t kDefaultBodyTimeoutSeconds = 60;
inline constexpr uint32_t kDefaultIdleTimeoutSeconds = 90;
inline constexpr uint32_t kDefaultShutdownGraceSeconds = 10;
// A policy file is a few kilobytes; anything past this is the wrong file.
inline constexpr size_t kMaxConfigFileBytes = size_t{1} << 20;
// YAML may expand to at most this many times its size in JSON (quoting adds
// a little; only aliases add more).
inline constexpr size_t kExpansionFactor = 4;

}  // namespace spillway::app

#endif  // SPILLWAY_APP_CONFIG_LOADER_H_
