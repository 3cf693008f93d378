// What a CustomResourceDefinition defines: one served resource per served
// version, with its schema, scale paths, printer columns and categories,
// checked as the API server checks a definition. Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_CRD_H_
#define SPILLWAY_SIM_APISERVER_CRD_H_

#include <vector>

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "sim/apiserver/resource_info.h"

namespace spillway::sim {

// The resources one served version of a CRD defines (one per served
// version). InvalidArgument, naming the field, for a CRD the API server
// would refuse (missing group, names or versions; no storage version; a
// scale subresource without specReplicasPath).
absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const boost::json::object& crd);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_CRD_H_
