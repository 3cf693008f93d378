// Validation kube-apiserver applies to every object, worded as it words it
// (k8s.io/apimachinery/pkg/util/validation): object names (RFC 1123
// subdomains; labels for namespaces and services), label keys and values.
// Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_VALIDATION_H_
#define SPILLWAY_SIM_APISERVER_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
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

// Fields a real server refuses to change on update ("spec.selector: ... field
// is immutable"), comparing `old_object` with `object`.
std::vector<std::string> ValidateImmutable(const ResourceType& type, const boost::json::object& old_object,
                                           const boost::json::object& object);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_VALIDATION_H_
