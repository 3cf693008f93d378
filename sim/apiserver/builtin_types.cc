#include "sim/apiserver/builtin_types.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "sim/apiserver/protobuf_schema.h"

namespace spillway::sim {
namespace json = boost::json;
using protobuf_schema::Field;
using protobuf_schema::Kind;

namespace {

// How Go's encoding/json names a JSON value's type in its error.
const char* JsonTypeName(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return "string";
    case json::kind::bool_:
      return "bool";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
    case json::kind::null:
      return "null";
    default:
      return "number";
  }
}

bool IsInteger(const json::value& v) {
  return v.is_int64() || v.is_uint64() || (v.is_double() && v.get_double() == static_cast<int64_t>(v.get_double()));
}

// The Go type a field decodes into, as the error names it.
std::string GoType(const Field& field) {
  static const auto* const kInt64 = new std::set<std::string>{
      "terminationGracePeriodSeconds", "activeDeadlineSeconds", "tolerationSeconds", "startingDeadlineSeconds",
      "generation"};
  switch (field.kind) {
    case Kind::kString:
    case Kind::kTime:
      return "string";
    case Kind::kBytes:
      return "[]uint8";
    case Kind::kInt:
      return kInt64->count(field.name) ? "int64" : "int32";
    case Kind::kBool:
      return "bool";
    case Kind::kIntOrString:
      return "intstr.IntOrString";
    case Kind::kMessage:
      return absl::StrCat("v1.", field.message);
    default:
      return "map[string]string";
  }
}

bool Fits(const Field& field, const json::value& v) {
  if (v.is_null()) return true;  // null decodes as unset.
  switch (field.kind) {
    case Kind::kString:
    case Kind::kTime:
    case Kind::kBytes:
      return v.is_string();
    case Kind::kQuantity:  // Quantity's UnmarshalJSON takes unquoted numbers too.
      return v.is_string() || v.is_number();
    case Kind::kInt:
      return IsInteger(v);
    case Kind::kBool:
      return v.is_bool();
    case Kind::kIntOrString:
      return v.is_string() || IsInteger(v);
    case Kind::kMessage:
      return v.is_object();
    case Kind::kStringMap:
    case Kind::kBytesMap:
    case Kind::kQuantityMap:
      if (!v.is_object()) return false;
      for (const auto& entry : v.get_object()) {
        const bool quantity = field.kind == Kind::kQuantityMap && (entry.value().is_number());
        if (!entry.value().is_string() && !entry.value().is_null() && !quantity) return false;
      }
      return true;
  }
  return true;
}

// The first misfit under `object` (of schema message `message`), as
// "DeploymentSpec.spec.replicas of type int32" with what it was.
bool FindMisfit(const json::object& object, const std::string& message, const std::string& path, int depth,
                std::string* where, std::string* what) {
  if (message.empty() || depth > 32) return false;
  const auto& messages = protobuf_schema::Messages();
  auto schema = messages.find(message);
  if (schema == messages.end()) return false;
  for (const auto& [number, field] : schema->second) {
    const json::value* value = object.if_contains(field.name);
    if (value == nullptr) continue;
    const std::string at = path.empty() ? field.name : absl::StrCat(path, ".", field.name);
    auto misfit = [&](const json::value& v, const std::string& go_type) {
      *where = absl::StrCat(message, ".", at, " of type ", go_type);
      *what = JsonTypeName(v);
      return true;
    };
    if (field.repeated) {
      if (!value->is_array() && !value->is_null()) return misfit(*value, "[]" + GoType(field));
      if (value->is_null()) continue;
      for (const json::value& item : value->get_array()) {
        if (!Fits(field, item)) return misfit(item, GoType(field));
        if (field.kind == Kind::kMessage &&
            FindMisfit(item.get_object(), field.message, at, depth + 1, where, what)) {
          return true;
        }
      }
      continue;
    }
    const bool map = field.kind == Kind::kStringMap || field.kind == Kind::kBytesMap ||
                     field.kind == Kind::kQuantityMap;
    if (map && value->is_object() && !Fits(field, *value)) {
      for (const auto& entry : value->get_object()) {
        if (!entry.value().is_string()) return misfit(entry.value(), "string");
      }
    }
    if (!Fits(field, *value)) return misfit(*value, GoType(field));
    if (field.kind == Kind::kMessage && value->is_object() &&
        FindMisfit(value->get_object(), field.message, at, depth + 1, where, what)) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status CheckBuiltinTypes(const ResourceType& type, const json::object& object) {
  const std::string api_version = type.group.empty() ? type.version : absl::StrCat(type.group, "/", type.version);
  const std::string message = protobuf_schema::MessageFor(api_version, type.kind);
  std::string where, what;
  if (!FindMisfit(object, message, "", 0, &where, &what)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(type.kind, " in version \"", type.version,
                                                    "\" cannot be handled as a ", type.kind,
                                                    ": json: cannot unmarshal ", what, " into Go struct field ",
                                                    where));
}

}  // namespace spillway::sim
