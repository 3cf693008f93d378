// Whether a pod's own placement constraints (nodeSelector, required node
// affinity) admit a node, by its labels and name: what the autoscaler asks
// before handing a pod to ECI, so that a pod pinned away from virtual nodes
// is never "rescued" onto them; and what kube-scheduler's own filters would
// say of a node (for spillway explain, and for the stock watcher asking
// whether a pod stuck on an out-of-stock zone could run anywhere else). Pure
// functions.
#ifndef SPILLWAY_BURST_PLACEMENT_H_
#define SPILLWAY_BURST_PLACEMENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "kube/objects.h"
#include "kube/pod_record.h"

namespace spillway::burst {

// nodeSelector entries all equal the node's labels, and (when given) one of
// the required node-affinity terms holds: its matchExpressions on labels (In,
// NotIn, Exists, DoesNotExist, Gt, Lt) and matchFields on metadata.name.
bool PodAdmitsNode(const kube::Pod& pod, const kube::Node& node);

// Whether the pod tolerates a NoSchedule taint with `taint_key` (a toleration
// for that key, or an empty-key Exists, with no effect or NoSchedule).
bool ToleratesTaintKey(const kube::Pod& pod, absl::string_view taint_key);

// The one place the virtual-node toleration is built (the webhook, the
// rescuer and ElasticWorkload units add what it returns): for each taint key
// a virtual node may carry that the pod does not tolerate yet,
// {key, operator: Exists, effect: NoSchedule}, in the keys' order.
std::vector<kube::Toleration> MissingVirtualNodeTolerations(const kube::Pod& pod,
                                                            const std::vector<std::string>& taint_keys);

// Whether `pod` tolerates `taint`, by Kubernetes' toleration matching: the
// key equal (or an empty key with Exists, which tolerates everything), the
// value equal unless the operator is Exists, the effect equal or empty.
bool ToleratesTaint(const kube::Pod& pod, const kube::Taint& taint);

// What the pods bound to a node request, as NodeResourcesFit counts them.
struct NodeLoad {
  kube::Resources used;
  int64_t pods = 0;
};
// The load of every node with pods, from the pod cache: terminal pods
// (Succeeded, Failed) hold nothing; the pod keyed `except` (being judged) is
// left out.
absl::flat_hash_map<std::string, NodeLoad> NodeLoads(const std::vector<std::shared_ptr<const kube::PodRecord>>& pods,
                                                     absl::string_view except = "");

// Why kube-scheduler's default filters would drop `node` for `pod` before
// asking the extender, worded as kube-scheduler's FitError reasons: a
// cordoned node ("node(s) were unschedulable"), each NoSchedule/NoExecute
// taint the pod does not tolerate ("node(s) had untolerated taint {key:
// value}"), a nodeSelector or required node affinity that does not match
// ("node(s) didn't match Pod's node affinity/selector"). Empty when none
// applies. Resources, ports and volumes are not judged.
std::vector<std::string> SchedulerHints(const kube::Pod& pod, const kube::Node& node);

// NodeResourcesFit's verdict, worded as kube-scheduler's: "Insufficient cpu",
// "Insufficient memory", "Too many pods", given what the pods already on
// `node` request (`used`, `pods` of them). Empty when the pod fits.
std::vector<std::string> ResourceHints(const kube::Pod& pod, const kube::Node& node, const kube::Resources& used,
                                       int64_t pods);

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_PLACEMENT_H_
