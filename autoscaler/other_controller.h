// Whether another controller writes an ElasticWorkload's status: ACK's
// ack-kubernetes-elastic-workload serves the same CRD, and two controllers
// splitting one workload fight over its units. Read from the object's
// managedFields, as kube-apiserver records who wrote what.
//
// Thread-safe (pure).
#ifndef SPILLWAY_AUTOSCALER_OTHER_CONTROLLER_H_
#define SPILLWAY_AUTOSCALER_OTHER_CONTROLLER_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "boost/json.hpp"

namespace spillway::autoscaler {

// The field manager, other than `own_manager`, that wrote `object`'s status
// subresource; nullopt when only Spillway (or a person with kubectl, whose
// manager starts "kubectl") did. The first such manager in managedFields order.
std::optional<std::string> OtherStatusWriter(const boost::json::object& object, absl::string_view own_manager);

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_OTHER_CONTROLLER_H_
