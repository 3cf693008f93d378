// The resources the embedded API server serves, with what discovery and
// OpenAPI publish about them (names, kinds, scope, verbs, short names,
// subresources). Built-ins only, for now; CustomResourceDefinitions will add
// entries at run time.
#ifndef SPILLWAY_SIM_APISERVER_RESOURCES_H_
#define SPILLWAY_SIM_APISERVER_RESOURCES_H_

#include <string>
#include <vector>

#include "sim/apiserver/object_store.h"

namespace spillway::sim {

struct ResourceInfo {
  ResourceType type;
  std::string singular;
  std::vector<std::string> short_names;
  std::vector<std::string> subresources;  // "status", "scale", "binding", "eviction"
  // The Go package path segment OpenAPI schema names use, e.g. "core" or "apps".
  std::string schema_package;

  std::string GroupVersion() const {
    return type.group.empty() ? type.version : type.group + "/" + type.version;
  }
};

// Every built-in resource, in discovery order.
const std::vector<ResourceInfo>& BuiltinResources();

// The resource served at group/version/plural, or nullptr.
const ResourceInfo* FindResource(const std::string& group, const std::string& version,
                                 const std::string& plural);

// Group names in discovery order ("" first for the core group).
std::vector<std::string> Groups();

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_RESOURCES_H_
