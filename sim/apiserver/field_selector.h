// Field selectors (`?fieldSelector=spec.nodeName=node-1,status.phase!=Running`)
// over JSON objects: `=`, `==` and `!=` on dotted paths. A missing field reads
// as "" (so `spec.nodeName=` selects unbound pods), as in Kubernetes. Which
// fields a kind supports is its strategy's (strategy.h).
#ifndef SPILLWAY_SIM_APISERVER_FIELD_SELECTOR_H_
#define SPILLWAY_SIM_APISERVER_FIELD_SELECTOR_H_

#include <map>
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
  bool empty() const { return requirements_.empty(); }

  // Checks every field against what kube-apiserver 1.32 lets a selector of
  // a kind use — its field label conversion functions: metadata.name and
  // metadata.namespace for every kind, plus `labels`, the few the kind adds
  // (a Pod's spec.nodeName and status.phase, an Event's involvedObject.*,
  // ...), each mapped to the path it selects on (an Event's `source` is
  // source.component). Null `labels`: nothing is checked. InvalidArgument
  // "field label not supported: <field>" (answered 400) for the first one it
  // does not support.
  absl::Status ConvertFieldLabels(const std::map<std::string, std::string>* labels);

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
