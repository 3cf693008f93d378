// Request bodies in Kubernetes' protobuf encoding (what kubectl's `create
// namespace|configmap|secret|deployment|service` and `run` send): the
// "k8s\0" magic, a runtime.Unknown envelope naming apiVersion and kind, and
// the object in the encoding of k8s.io/api's generated.proto. Decoded into
// the JSON the rest of the server handles, through a schema of the fields
// those objects use (protobuf_schema.cc); a field outside it is refused by
// number rather than dropped (docs/embedded-api-server.md, "Protobuf").
#ifndef SPILLWAY_SIM_APISERVER_PROTOBUF_CODEC_H_
#define SPILLWAY_SIM_APISERVER_PROTOBUF_CODEC_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "boost/json.hpp"

namespace spillway::sim {

// The object in `body` as JSON, apiVersion and kind included.
// InvalidArgument for a malformed body or a field the schema does not know;
// Unimplemented for a kind it has no schema for.
absl::StatusOr<boost::json::object> DecodeKubernetesProtobuf(std::string_view body);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_PROTOBUF_CODEC_H_
