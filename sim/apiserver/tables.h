// Server-side Tables for built-in kinds: the columns and cells
// kube-apiserver's printers give `kubectl get` (priority 1 columns only with
// -o wide), so the embedded server prints what a real cluster prints
// (docs/embedded-api-server.md, "Tables").
#ifndef SPILLWAY_SIM_APISERVER_TABLES_H_
#define SPILLWAY_SIM_APISERVER_TABLES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "boost/json.hpp"

namespace spillway::sim {

struct TableColumn {
  std::string name;  // As the real printer names it; kubectl upper-cases it.
  std::string type;  // "string" or "integer".
  int priority = 0;
};

// The columns after Name for a built-in kind, or nullptr when it has no
// printer here (kubectl then prints NAME and AGE itself).
const std::vector<TableColumn>* BuiltinColumns(const std::string& group, const std::string& kind);

// The cells after Name for `object`, one per BuiltinColumns entry.
boost::json::array BuiltinCells(const std::string& group, const std::string& kind,
                                const boost::json::object& object, absl::Time now);

// The cell of a custom resource's printer column (additionalPrinterColumns):
// the values at its JSONPath, as kube-apiserver's table convertor prints them
// — one value, or several joined by commas; a "date" column as an age.
// Steps: ".a.b", ".a[*].b", ".a[0]", and the filter ".a[?(@.k==\"v\")].b"
// that condition columns use (READY from
// .status.conditions[?(@.type=="Ready")].status). Null when nothing is there.
boost::json::value PrinterColumnValue(const boost::json::value& object, const std::string& path,
                                      const std::string& type, absl::Time now);

// kubectl's and the API server's short age: "45s", "3m20s", "5h", "12d", "2y".
std::string HumanDuration(absl::Duration age);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_TABLES_H_
