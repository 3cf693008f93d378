// The discovery documents kubectl and client-go read: an APIResourceList
// for a group version (names, kinds, verbs, short names, categories,
// subresources), an APIGroup, and the OpenAPI v3 document of a group version
// (the GVK and the operations kubectl checks before server-side field
// validation). Pure functions over the served resources; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_DISCOVERY_H_
#define SPILLWAY_SIM_APISERVER_DISCOVERY_H_

#include <memory>
#include <string>
#include <vector>

#include "boost/json.hpp"
#include "sim/apiserver/resources.h"

namespace spillway::sim {

// The Kubernetes version the server answers as (/version, OpenAPI).
inline constexpr char kKubernetesVersion[] = "v1.32.0";

using Resources = std::vector<std::shared_ptr<const ResourceInfo>>;

// The APIResourceList of `group_version` ("v1", "apps/v1").
boost::json::object ResourceListDocument(const Resources& all, const std::string& group_version);
// The APIGroup of `group`, with its versions.
boost::json::object GroupDocument(const Resources& all, const std::string& group);
// The OpenAPI v3 document of `group_version`.
boost::json::object OpenApiDocument(const Resources& all, const std::string& group_version);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_DISCOVERY_H_
