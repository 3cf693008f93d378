// The resources the embedded API server serves, with what discovery and
// OpenAPI publish about them (names, kinds, scope, verbs, short names,
// subresources) and each built-in kind's strategy: the registry of built-ins
// (one line per resource), plus those CustomResourceDefinitions register at
// run time (crd.h).
#ifndef SPILLWAY_SIM_APISERVER_RESOURCES_H_
#define SPILLWAY_SIM_APISERVER_RESOURCES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sim/apiserver/resource_info.h"

namespace spillway::sim {

// Every built-in resource, in discovery order.
const std::vector<ResourceInfo>& BuiltinResources();

// The built-in resource served at group/version/plural, or nullptr.
const ResourceInfo* FindResource(const std::string& group, const std::string& version,
                                 const std::string& plural);

// Built-ins plus registered custom resources. Thread-safe.
class ResourceRegistry {
 public:
  std::shared_ptr<const ResourceInfo> Find(const std::string& group, const std::string& version,
                                           const std::string& plural) const;
  // Built-ins first, then custom resources in registration order.
  std::vector<std::shared_ptr<const ResourceInfo>> All() const;
  // Group names in discovery order ("" first for the core group).
  std::vector<std::string> Groups() const;
  // Replaces every custom resource.
  void SetCustomResources(std::vector<ResourceInfo> custom);

 private:
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<const ResourceInfo>> custom_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_RESOURCES_H_
