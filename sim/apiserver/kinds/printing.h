// Helpers the built-in kinds' printers share: lenient reads of an object's
// fields (a missing or mistyped field reads as empty), the AGE cell, and a
// workload's containers, images and selector as kubectl prints them.
// Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_KINDS_PRINTING_H_
#define SPILLWAY_SIM_APISERVER_KINDS_PRINTING_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "boost/json.hpp"

namespace spillway::sim::printing {

// The object at `key`, or an empty one.
const boost::json::object& Obj(const boost::json::object& object, const char* key);
// The array at `key`, or an empty one.
const boost::json::array& Arr(const boost::json::object& object, const char* key);
// The string at `key`, or "".
std::string Str(const boost::json::object& object, const char* key);
// The integer at `key`, or 0.
int64_t Int(const boost::json::object& object, const char* key);
// "<none>" for an empty cell.
std::string OrNone(std::string text);
// The object's age from metadata.creationTimestamp ("5m"), or "<unknown>".
std::string Age(const boost::json::object& object, absl::Time now);
// A pod spec's containers' `field` ("name" or "image"), comma-joined.
std::string Containers(const boost::json::object& pod_spec, const char* field);
// A workload spec's selector.matchLabels as "k=v,k2=v2", or "<none>".
std::string Selector(const boost::json::object& spec);

}  // namespace spillway::sim::printing

#endif  // SPILLWAY_SIM_APISERVER_KINDS_PRINTING_H_
