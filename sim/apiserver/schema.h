// Validation of custom resources against their CRD's openAPIV3Schema, as
// kube-apiserver does for structural schemas: types, required fields, enums,
// numeric and length bounds, patterns, and pruning of fields the schema does
// not declare (unless x-kubernetes-preserve-unknown-fields). Messages follow
// the API server's wording, e.g.
//   spec.replicas: Invalid value: "six": spec.replicas in body must be of type integer: "string"
#ifndef SPILLWAY_SIM_APISERVER_SCHEMA_H_
#define SPILLWAY_SIM_APISERVER_SCHEMA_H_

#include <string>
#include <vector>

#include "boost/json.hpp"

namespace spillway::sim {

struct SchemaReport {
  std::vector<std::string> errors;          // Field errors, in document order.
  std::vector<std::string> unknown_fields;  // Dotted paths of pruned fields.
};

// Validates the object `value` (a whole custom resource) against `schema`
// and prunes undeclared fields in place. apiVersion, kind and metadata at the
// root are always allowed.
SchemaReport ValidateCustomResource(const boost::json::value& schema, boost::json::value& value);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_SCHEMA_H_
