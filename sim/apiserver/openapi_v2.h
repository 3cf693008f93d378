// The OpenAPI v2 document at /openapi/v2. kubectl fetches it, as protobuf
// (gnostic's openapi.v2.Document), for client-side validation: for `kind:
// List` files, whose items it validates one by one. Ours carries no
// definitions, so kubectl validates nothing client-side and each item is
// validated by the server as it is created (docs/embedded-api-server.md).
#ifndef SPILLWAY_SIM_APISERVER_OPENAPI_V2_H_
#define SPILLWAY_SIM_APISERVER_OPENAPI_V2_H_

#include <string>
#include <string_view>

#include "boost/json.hpp"

namespace spillway::sim {

// The media type the real server answers with (kubectl asks for
// "...spec.v2@v1.0+protobuf", which Go's mime parser cannot read back).
inline constexpr char kOpenApiV2ProtobufType[] = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

// The document as protobuf bytes, field numbers as in gnostic's
// openapiv2/OpenAPIv2.proto (Document: swagger 1, info 2, paths 8;
// Info: title 1, version 2).
std::string OpenApiV2Protobuf(std::string_view kubernetes_version);

// The same document as JSON, for clients that ask for it.
boost::json::object OpenApiV2Json(std::string_view kubernetes_version);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_OPENAPI_V2_H_
