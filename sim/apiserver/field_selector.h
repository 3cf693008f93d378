// Field selectors (`?fieldSelector=spec.nodeName=node-1,status.phase!=Running`)
// over JSON objects: `=`, `==` and `!=` on dotted paths. A missing field reads
// as "" (so `spec.nodeName=` selects unbound pods), as in Kubernetes. Which
// fields a kind supports is ConvertFieldLabels' table.
#ifndef SPILLWAY_SIM_APISERVER_FIELD_SELECTOR_H_
#define SPILLWAY_SIM_APISERVER_FIELD_SELECTOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/json.hpp"

namespace spillway::sim {

class FieldSelector {
 public:
  FieldSelector() = default;  // Matches everything.

  // InvalidArgument naming a requirement without an operator.
  static absl::StatusOr<FieldSelector> Parse(absl::string_view text);

  bool Matches(const boost::json::object& object) const;

  // Checks every field against what kube-apiserver 1.32 lets a selector of
  // `kind` (in API group `group`) use — its field label conversion functions:
  // metadata.name and metadata.namespace for every kind, plus the few each
  // kind adds (a Pod's spec.nodeName and status.phase, an Event's
  // involvedObject.*, reason and type, a Secret's type, ...) — and maps the
  // aliases it maps (an Event's `source` is source.component).
  // InvalidArgument "field label not supported: <field>" (answered 400) for
  // the first one it does not support.
  absl::Status ConvertFieldLabels(absl::string_view group, absl::string_view kind);

 private:
  struct Requirement {
    std::vector<std::string> path;
    bool equals;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_FIELD_SELECTOR_H_
