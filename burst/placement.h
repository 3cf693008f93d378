// Whether a pod's own placement constraints (nodeSelector, required node
// affinity) admit a node, by its labels and name: what the autoscaler asks
// before handing a pod to ECI, so that a pod pinned away from virtual nodes
// is never "rescued" onto them. Pure functions.
#ifndef SPILLWAY_BURST_PLACEMENT_H_
#define SPILLWAY_BURST_PLACEMENT_H_

#include "absl/strings/string_view.h"
#include "kube/objects.h"

namespace spillway::burst {

// nodeSelector entries all equal the node's labels, and (when given) one of
// the required node-affinity terms holds: its matchExpressions on labels (In,
// NotIn, Exists, DoesNotExist, Gt, Lt) and matchFields on metadata.name.
bool PodAdmitsNode(const kube::Pod& pod, const kube::Node& node);

// Whether the pod tolerates a NoSchedule taint with `taint_key` (a toleration
// for that key, or an empty-key Exists, with no effect or NoSchedule).
bool ToleratesTaintKey(const kube::Pod& pod, absl::string_view taint_key);

// Whether `pod` tolerates `taint`, by Kubernetes' toleration matching: the
// key equal (or an empty key with Exists, which tolerates everything), the
// value equal unless the operator is Exists, the effect equal or empty.
bool ToleratesTaint(const kube::Pod& pod, const kube::Taint& taint);

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_PLACEMENT_H_
