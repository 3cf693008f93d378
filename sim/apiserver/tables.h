// Server-side Tables: a custom resource's printer columns, and the age
// format every printer uses. Built-in kinds print through their strategy's
// Printer (strategy.h, kinds/), so the embedded server prints what a real
// cluster prints (docs/embedded-api-server.md, "Tables"). Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_TABLES_H_
#define SPILLWAY_SIM_APISERVER_TABLES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "boost/json.hpp"
#include "sim/apiserver/resource_info.h"

namespace spillway::sim {

// The cell of a custom resource's printer column (additionalPrinterColumns):
// the values at its JSONPath, as kube-apiserver's table convertor prints them
// — one value, or several joined by commas; a "date" column as an age.
// Steps: ".a.b", ".a[*].b", ".a[0]", and the filter ".a[?(@.k==\"v\")].b"
// that condition columns use (READY from
// .status.conditions[?(@.type=="Ready")].status). Null when nothing is there.
boost::json::value PrinterColumnValue(const boost::json::value& object, const std::string& path,
                                      const std::string& type, absl::Time now);

// Whether `kubectl get` gets a server-side Table: built-ins with a printer,
// custom resources with printer columns.
bool HasTable(const ResourceInfo& info);

// A meta.k8s.io/v1 Table of `items` (kubectl asks for one with Accept:
// application/json;as=Table): Name, then a custom resource's printer columns
// or a built-in's printer's columns.
boost::json::object TableOf(const ResourceInfo& info, const std::vector<boost::json::object>& items,
                            const std::string& resource_version, absl::Time now);

// kubectl's and the API server's short age: "45s", "3m20s", "5h", "12d", "2y".
std::string HumanDuration(absl::Duration age);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_TABLES_H_
