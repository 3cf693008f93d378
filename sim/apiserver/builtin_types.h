// Type checks of built-in objects as kube-apiserver's JSON decoding makes
// them: a field of the wrong JSON type (`replicas: "two"`) is a 400 naming
// the kind, the field and the Go type, before anything else looks at the
// object. The fields checked are those of the protobuf schema
// (protobuf_schema.cc); fields outside it pass unchecked
// (docs/embedded-api-server.md, "Validation").
#ifndef SPILLWAY_SIM_APISERVER_BUILTIN_TYPES_H_
#define SPILLWAY_SIM_APISERVER_BUILTIN_TYPES_H_

#include "absl/status/status.h"
#include "boost/json.hpp"
#include "sim/apiserver/resources.h"

namespace spillway::sim {

// OK, or FailedPrecondition (answered 400 BadRequest) worded as
// `Deployment in version "v1" cannot be handled as a Deployment: json:
// cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas
// of type int32`.
absl::Status CheckBuiltinTypes(const ResourceType& type, const boost::json::object& object);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_BUILTIN_TYPES_H_
