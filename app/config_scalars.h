// Plain YAML scalars in Spillway's config, checked against the field each one
// fills before the config becomes JSON for protobuf's parser, as Kubernetes'
// decoders treat them:
//  - a quantity field (the ECI quota's cpu and memory) takes a number as the
//    quantity it spells: `cpu: 2` is "2", `memory: 1e3` is "1e3", as
//    resource.Quantity accepts JSON numbers;
//  - any other text field refuses a plain number or boolean, quoting what the
//    user wrote and where: `type: 012` is a number to every YAML reader
//    (YAML 1.1 even reads it as octal 10), so the label value must be quoted.
// Without this, protobuf answered "invalid value 2 for type TYPE_STRING" or an
// excerpt of JSON the user never wrote.
//
// Thread-safe (pure over its arguments).
#ifndef SPILLWAY_APP_CONFIG_SCALARS_H_
#define SPILLWAY_APP_CONFIG_SCALARS_H_

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "yaml-cpp/yaml.h"

namespace spillway::app {

// Walks `node` (a mapping for `message`), marking numbers in quantity fields
// as text; InvalidArgument naming the field path, the line and the text for
// a plain number or boolean in any other text field. Keys the message does
// not have are left for the JSON parser to refuse by name.
absl::Status PrepareConfigScalars(YAML::Node node, const google::protobuf::Descriptor& message);

}  // namespace spillway::app

#endif  // SPILLWAY_APP_CONFIG_SCALARS_H_
