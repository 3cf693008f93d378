// meta/v1 LabelSelector objects and metadata.labels maps as the label
// selector and label set kube/ matches them with (admission webhooks'
// selectors, PodDisruptionBudgets).
#ifndef SPILLWAY_SIM_APISERVER_SELECTORS_H_
#define SPILLWAY_SIM_APISERVER_SELECTORS_H_

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "kube/label_selector.h"

namespace spillway::sim {

// A LabelSelector object (matchLabels, matchExpressions); null or a
// non-object selects everything.
absl::StatusOr<kube::LabelSelector> SelectorOf(const boost::json::value* selector);

// The string entries of a labels map.
kube::StringMap LabelsIn(const boost::json::object& labels);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_SELECTORS_H_
