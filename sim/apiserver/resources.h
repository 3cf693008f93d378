// The resources the embedded API server serves, with what discovery and
// OpenAPI publish about them (names, kinds, scope, verbs, short names,
// subresources): the built-ins, plus those CustomResourceDefinitions register
// at run time (with their schema and scale paths).
#ifndef SPILLWAY_SIM_APISERVER_RESOURCES_H_
#define SPILLWAY_SIM_APISERVER_RESOURCES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"

namespace spillway::sim {

// Where a scalable resource keeps its replica counts (CRD
// subresources.scale), as ".spec.replicas"-style paths. The built-in
// workloads use .spec.replicas, .status.replicas and their
// .spec.selector.matchLabels.
struct ScalePaths {
  std::string spec_replicas = ".spec.replicas";
  std::string status_replicas = ".status.replicas";
  std::string label_selector;  // A string field; empty: none (built-ins derive it).
};

// A CRD's additionalPrinterColumns entry (what `kubectl get` shows).
struct PrinterColumn {
  std::string name;
  std::string type;       // string, integer, number, boolean, date
  std::string json_path;  // ".spec.replicas", ".status.units[*].name"
  int64_t priority = 0;   // > 0: only with -o wide
};

struct ResourceInfo {
  ResourceType type;
  std::string singular;
  std::vector<std::string> short_names;
  std::vector<std::string> subresources;  // "status", "scale", "binding", "eviction"
  // The Go package path segment OpenAPI schema names use, e.g. "core" or "apps".
  std::string schema_package;
  // Custom resources only: the version's openAPIV3Schema (null: none) and
  // scale paths.
  bool custom = false;
  boost::json::value schema;
  std::optional<ScalePaths> scale;
  std::vector<PrinterColumn> printer_columns;
  std::vector<std::string> categories;

  std::string GroupVersion() const {
    return type.group.empty() ? type.version : type.group + "/" + type.version;
  }
};

// Every built-in resource, in discovery order.
const std::vector<ResourceInfo>& BuiltinResources();

// The built-in resource served at group/version/plural, or nullptr.
const ResourceInfo* FindResource(const std::string& group, const std::string& version,
                                 const std::string& plural);

// The resources one served version of a CRD defines (one per served
// version). InvalidArgument, naming the field, for a CRD the API server
// would refuse (missing group, names or versions; no storage version; a
// scale subresource without specReplicasPath).
absl::StatusOr<std::vector<ResourceInfo>> ResourcesFromCrd(const boost::json::object& crd);

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
