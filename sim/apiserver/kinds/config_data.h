// What ConfigMaps and Secrets share: their data keys must be config keys,
// their base64 fields must decode, and all of their data is at most 1 MiB,
// each refused in kube-apiserver's words (ValidateConfigMap, ValidateSecret,
// the decoder's base64). Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_KINDS_CONFIG_DATA_H_
#define SPILLWAY_SIM_APISERVER_KINDS_CONFIG_DATA_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "boost/json.hpp"

namespace spillway::sim::kinds {

// What a ConfigMap's or a Secret's data may hold in all, keys and values.
inline constexpr size_t kMaxDataBytes = 1024 * 1024;

// Appends a problem for each key of `object[field]` that is not a config key
// ([-._a-zA-Z0-9]+, not "." or "..", at most 253 characters).
void ValidateConfigKeys(const boost::json::object& object, const char* field, std::vector<std::string>& problems);

// Appends "[]: Too long" when data, binaryData and stringData hold more than
// kMaxDataBytes.
void ValidateDataSize(const boost::json::object& object, std::vector<std::string>& problems);

// The 400 the decoder gives when a value of `object[field]` is not base64
// ("illegal base64 data at input byte N"), worded for `kind`, or OK.
absl::Status CheckBase64Field(const boost::json::object& object, const char* field, const char* kind);

}  // namespace spillway::sim::kinds

#endif  // SPILLWAY_SIM_APISERVER_KINDS_CONFIG_DATA_H_
