// Typed reads of fields in Boost.JSON documents (the objects the REST client,
// the controllers and the embedded API server edit), with Kubernetes'
// leniency: an absent field, null or a value of the wrong type reads as empty.
#ifndef SPILLWAY_COMMON_JSON_FIELDS_H_
#define SPILLWAY_COMMON_JSON_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "boost/json.hpp"

namespace spillway::json_fields {

// The value at `keys` below `value` (each step an object field), or nullptr.
inline const boost::json::value* At(const boost::json::value& value,
                                    std::initializer_list<std::string_view> keys) {
  const boost::json::value* at = &value;
  for (std::string_view key : keys) {
    if (!at->is_object()) return nullptr;
    at = at->get_object().if_contains(key);
    if (at == nullptr) return nullptr;
  }
  return at;
}

// The same below an object. (Without this overload an object argument would
// convert to a temporary value, and the pointer would dangle.)
inline const boost::json::value* At(const boost::json::object& object,
                                    std::initializer_list<std::string_view> keys) {
  const boost::json::value* at = nullptr;
  const boost::json::object* in = &object;
  for (std::string_view key : keys) {
    if (in == nullptr) return nullptr;
    at = in->if_contains(key);
    if (at == nullptr) return nullptr;
    in = at->is_object() ? &at->get_object() : nullptr;
  }
  return at;
}

// The object at `keys` below `object`; nullptr when absent or not an object.
inline const boost::json::object* ObjectAt(const boost::json::object& object,
                                           std::initializer_list<std::string_view> keys) {
  const boost::json::object* at = &object;
  for (std::string_view key : keys) {
    const boost::json::value* v = at->if_contains(key);
    if (v == nullptr || !v->is_object()) return nullptr;
    at = &v->get_object();
  }
  return at;
}

// A string field; "" when absent or not a string.
inline std::string String(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// An integer field; 0 when absent or not an integer.
inline int64_t Int(const boost::json::object& object, std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

// The integer at `keys` below `value`; 0 when absent or not an integer.
inline int64_t IntAt(const boost::json::value& value, std::initializer_list<std::string_view> keys) {
  const boost::json::value* v = At(value, keys);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}
inline int64_t IntAt(const boost::json::object& object, std::initializer_list<std::string_view> keys) {
  const boost::json::value* v = At(object, keys);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace spillway::json_fields

#endif  // SPILLWAY_COMMON_JSON_FIELDS_H_
