// YAML to JSON text, for everything Spillway reads as YAML (its config,
// scenarios, manifests). Plain (unquoted) scalars become booleans, numbers
// or null where YAML 1.2's core schema says so; quoted ones stay strings. A
// plain number JSON cannot write as the user did (012, 0x1A, +5, 1.) stays
// the text it is, so no error ever quotes JSON the user never wrote; a
// reader that needs to know the user wrote a number asks
// IsPlainYamlNumber. Thread-safe (pure).
#ifndef SPILLWAY_COMMON_YAML_JSON_H_
#define SPILLWAY_COMMON_YAML_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "yaml-cpp/yaml.h"

namespace spillway {

// Appends `node` as JSON to `out`. yaml-cpp keeps an alias as a second
// reference to its anchor's node, so a small file of nested aliases (a
// "billion laughs") expands without bound: the output is refused
// (InvalidArgument) once it passes `budget` bytes. Mapping keys must be
// scalars.
absl::Status YamlToJson(const YAML::Node& node, size_t budget, std::string* out);

// Whether a plain (unquoted) scalar with this text is a number to a YAML
// reader (Kubernetes' included): 2, -1.5, 1e3, 012, 0x1A. Quoting it ("012")
// makes it text.
bool IsPlainYamlNumber(const std::string& text);

}  // namespace spillway

#endif  // SPILLWAY_COMMON_YAML_JSON_H_
