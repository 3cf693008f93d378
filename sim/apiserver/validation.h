// Validation kube-apiserver applies to every object, worded as it words it
// (k8s.io/apimachinery/pkg/util/validation): object names (RFC 1123
// subdomains; labels for namespaces and services), label keys and values,
// annotations, required fields, immutable fields, and what a kind's content
// may hold (config keys, base64 data, an Event's namespace). Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_VALIDATION_H_
#define SPILLWAY_SIM_APISERVER_VALIDATION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "boost/json.hpp"
#include "sim/apiserver/resources.h"

namespace spillway::sim {

// One message per problem ("metadata.name: Invalid value: ..."), empty when
// the object's name and labels are valid. A missing name (generateName) is
// not checked here.
std::vector<std::string> ValidateMetadata(const ResourceType& type, const boost::json::object& object);

// Required fields of built-in kinds, worded as kube-apiserver words them:
// a pod (template)'s containers with name and image, a workload's selector
// matching its template's labels, a Job's restartPolicy Never/OnFailure, a
// Service's ports (unless headless or ExternalName).
std::vector<std::string> ValidateRequired(const ResourceType& type, const boost::json::object& object);

// What kube-apiserver refuses in a kind's content beyond required fields, in
// its words: a ConfigMap's or Secret's data keys that are not config keys
// ([-._a-zA-Z0-9]+) or that a ConfigMap has in both data and binaryData; an
// Event whose involvedObject is in another namespace than the Event.
std::vector<std::string> ValidateContent(const ResourceType& type, const boost::json::object& object);

// The 400 kube-apiserver's decoder gives for a ConfigMap's binaryData or a
// Secret's data value that is not base64 ("illegal base64 data at input byte
// N"), or OK.
absl::Status CheckBase64Data(const ResourceType& type, const boost::json::object& object);

// 256 KiB: what all of an object's annotations (keys and values) may hold.
inline constexpr size_t kMaxAnnotationBytes = 256 * 1024;
// 128: the longest fieldManager a write may name.
inline constexpr size_t kMaxFieldManagerLength = 128;

// Fields a real server refuses to change on update ("spec.selector: ... field
// is immutable"), comparing `old_object` with `object`.
std::vector<std::string> ValidateImmutable(const ResourceType& type, const boost::json::object& old_object,
                                           const boost::json::object& object);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_VALIDATION_H_
