// A JSON object's string entries as a kube::StringMap (labels, selectors,
// annotations of an object read with Boost.JSON), built in time linear in the
// entries however many there are. Header-only; thread-safe (no state).
#ifndef SPILLWAY_KUBE_JSON_STRING_MAP_H_
#define SPILLWAY_KUBE_JSON_STRING_MAP_H_

#include "absl/strings/string_view.h"
#include "boost/json.hpp"
#include "kube/objects.h"

namespace spillway::kube {

// The string-valued entries of `object`, in order; others are skipped.
inline StringMap StringMapOf(const boost::json::object& object) {
  StringMapBuilder out;
  for (const auto& entry : object) {
    if (!entry.value().is_string()) continue;
    const boost::json::string& value = entry.value().get_string();
    out.Set(absl::string_view(entry.key().data(), entry.key().size()), absl::string_view(value.data(), value.size()));
  }
  return out.Build();
}

// metadata.labels of `object` (empty when absent).
inline StringMap LabelsOf(const boost::json::object& object) {
  const boost::json::value* meta = object.if_contains("metadata");
  const boost::json::value* labels =
      meta != nullptr && meta->is_object() ? meta->get_object().if_contains("labels") : nullptr;
  return labels != nullptr && labels->is_object() ? StringMapOf(labels->get_object()) : StringMap();
}

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_JSON_STRING_MAP_H_
