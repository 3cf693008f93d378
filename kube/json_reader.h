// Small helpers over simdjson's On-Demand API that turn JSON type mistakes into
// absl::Status errors naming the offending field ("Pod.spec.volumes[2].hostPath:
// expected object, got string").
//
// Why simdjson On-Demand: kube-scheduler sends up to ~60 MB of Node objects per
// filter call and the extender reads only a few fields of each; On-Demand skips
// the rest at memory speed instead of building a DOM (see bench/README.md).
//
// Paths are a chain of stack-allocated segments, rendered only when an error is
// reported, so the happy path builds no strings. Not thread-safe beyond what
// simdjson allows: one document per thread.
#ifndef SPILLWAY_KUBE_JSON_READER_H_
#define SPILLWAY_KUBE_JSON_READER_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kube/objects.h"
#include "simdjson.h"

namespace spillway::kube::json {

using simdjson::ondemand::value;

// One step of the path from the document root to a value.
class Path {
 public:
  explicit Path(absl::string_view root) : parent_(nullptr), key_(root) {}
  Path(const Path& parent, absl::string_view key) : parent_(&parent), key_(key) {}
  Path(const Path& parent, int64_t index) : parent_(&parent), index_(index) {}
  // Renders e.g. "Pod.spec.containers[0].name".
  std::string ToString() const;

 private:
  const Path* parent_;
  absl::string_view key_;
  int64_t index_ = -1;
};

// The error for a simdjson failure at `path`.
absl::Status Error(simdjson::error_code code, const Path& path);
// The error for a value of the wrong JSON type at `path`.
absl::Status TypeError(const Path& path, simdjson::ondemand::json_type got,
                       absl::string_view want);

// Reads a string; JSON null reads as "".
absl::Status ReadString(value v, const Path& path, std::string* out);
// Reads a boolean; JSON null reads as false.
absl::Status ReadBool(value v, const Path& path, bool* out);
// Reads an integer; JSON null reads as 0.
absl::Status ReadInt(value v, const Path& path, int64_t* out);
// Reads an object of string values (labels, annotations, nodeSelector).
absl::Status ReadStringMap(value v, const Path& path, StringMap* out);

// Calls `fn(absl::string_view key, value v, const Path& child) -> absl::Status`
// for each field of an object, stopping at the first error. JSON null is an
// empty object; anything else that is not an object is a type error.
template <typename Fn>
absl::Status ForEachField(value v, const Path& path, Fn&& fn) {
  simdjson::ondemand::json_type type;
  if (auto err = v.type().get(type)) return Error(err, path);
  if (type == simdjson::ondemand::json_type::null) return absl::OkStatus();
  if (type != simdjson::ondemand::json_type::object) {
    return TypeError(path, type, "object");
  }
  simdjson::ondemand::object object;
  if (auto err = v.get_object().get(object)) return Error(err, path);
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto err = std::move(field_result).get(field)) return Error(err, path);
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return Error(err, path);
    Path child(path, absl::string_view(key.data(), key.size()));
    absl::Status status = fn(absl::string_view(key.data(), key.size()), field.value(), child);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Calls `fn(value v, const Path& child) -> absl::Status` for each element of an
// array. JSON null is an empty array.
template <typename Fn>
absl::Status ForEachElement(value v, const Path& path, Fn&& fn) {
  simdjson::ondemand::json_type type;
  if (auto err = v.type().get(type)) return Error(err, path);
  if (type == simdjson::ondemand::json_type::null) return absl::OkStatus();
  if (type != simdjson::ondemand::json_type::array) {
    return TypeError(path, type, "array");
  }
  simdjson::ondemand::array array;
  if (auto err = v.get_array().get(array)) return Error(err, path);
  int64_t index = 0;
  for (auto element_result : array) {
    value element;
    if (auto err = std::move(element_result).get(element)) return Error(err, path);
    Path child(path, index++);
    absl::Status status = fn(element, child);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace spillway::kube::json

#endif  // SPILLWAY_KUBE_JSON_READER_H_
