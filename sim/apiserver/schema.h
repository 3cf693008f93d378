// Validation of custom resources against their CRD's openAPIV3Schema, as
// kube-apiserver does for structural schemas: types, required fields, enums,
// numeric and length bounds, patterns, and pruning of fields the schema does
// not declare (unless x-kubernetes-preserve-unknown-fields), and the CEL
// validation rules (x-kubernetes-validations) in the subset sim/apiserver/cel.h
// evaluates: rule, message, messageExpression, reason and fieldPath; transition
// rules (oldSelf) on update where the old object has a value at that node. A
// rule outside the subset is not evaluated and says so in a warning on every
// write, never silently passed. Messages follow the API server's wording, e.g.
//   spec.replicas: Invalid value: "six": spec.replicas in body must be of type integer: "string"
//   spec.sourceTarget: Invalid value: "object": sourceTarget.min must not exceed sourceTarget.max
#ifndef SPILLWAY_SIM_APISERVER_SCHEMA_H_
#define SPILLWAY_SIM_APISERVER_SCHEMA_H_

#include <string>
#include <vector>

#include "boost/json.hpp"

namespace spillway::sim {

struct SchemaReport {
  std::vector<std::string> errors;          // Field errors, in document order.
  std::vector<std::string> unknown_fields;  // Dotted paths of pruned fields.
  std::vector<std::string> warnings;        // Rules that could not be evaluated here.
};

// Validates the object `value` (a whole custom resource) against `schema`
// and prunes undeclared fields in place. apiVersion, kind and metadata at the
// root are always allowed. `old` is the stored object on an update (null on
// create), for transition rules.
SchemaReport ValidateCustomResource(const boost::json::value& schema, boost::json::value& value,
                                    const boost::json::value* old = nullptr);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_SCHEMA_H_
