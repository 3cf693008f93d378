// What the API server knows of a resource it serves: its names, scope,
// subresources and OpenAPI package, for a custom resource its CRD's schema,
// scale paths and printer columns, and the kind's strategy. Plain data.
#ifndef SPILLWAY_SIM_APISERVER_RESOURCE_INFO_H_
#define SPILLWAY_SIM_APISERVER_RESOURCE_INFO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"
#include "sim/apiserver/strategy.h"

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
  // The kind's rules (defaults, validation, printer, field selectors);
  // never null, DefaultStrategy() for custom resources.
  const KindStrategy* strategy = &DefaultStrategy();

  std::string GroupVersion() const {
    return type.group.empty() ? type.version : type.group + "/" + type.version;
  }
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_RESOURCE_INFO_H_
