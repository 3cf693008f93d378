// The slice of k8s.io/api's generated.proto (and apimachinery's meta/v1)
// that kubectl's generators send: messages by name, fields by number, each
// with its JSON name and how to decode it.
#ifndef SPILLWAY_SIM_APISERVER_PROTOBUF_SCHEMA_H_
#define SPILLWAY_SIM_APISERVER_PROTOBUF_SCHEMA_H_

#include <map>
#include <string>

namespace spillway::sim::protobuf_schema {

enum class Kind {
  kString,
  kBytes,        // base64 in JSON
  kInt,          // varint int32/int64
  kBool,
  kMessage,      // `message` names it
  kStringMap,    // map<string,string>
  kBytesMap,     // map<string,bytes> (Secret data)
  kQuantityMap,  // map<string,Quantity> (resource lists)
  kTime,         // meta/v1 Time: RFC 3339 text
  kIntOrString,  // util/intstr IntOrString
  kQuantity,     // resource.Quantity {string = 1}
};

struct Field {
  std::string name;
  Kind kind;
  bool repeated = false;
  // Pointer fields in Go keep their zero value ("replicas: 0"); the others
  // are always encoded and their zero value means "unset".
  bool keep_zero = false;
  std::string message;  // For kMessage.
};

using Message = std::map<int, Field>;

// Messages by name ("io.k8s.api.core.v1.PodSpec" shortened to "PodSpec").
const std::map<std::string, Message>& Messages();

// The top-level message for apiVersion/kind, or empty.
std::string MessageFor(const std::string& api_version, const std::string& kind);

}  // namespace spillway::sim::protobuf_schema

#endif  // SPILLWAY_SIM_APISERVER_PROTOBUF_SCHEMA_H_
