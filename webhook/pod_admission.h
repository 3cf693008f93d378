// What the admission webhook does to a pod being created: the decision as a
// pure function of the pod, its namespace, the resolver, the virtual-node rule
// and the eci-profile in force, so every case is a table test.
//
// For a pod headed to ECI (docs/eci-rules.md §2, §4):
//   - the profile's effects (annotations and labels it lacks);
//   - a toleration for each virtual-node taint key it does not tolerate, so
//     kube-scheduler offers it a virtual node at all;
//   - if ECI-only, a required node affinity to the virtual-node label, so a
//     pod the extender never sees still cannot land on a regular node;
//   - warnings (kubectl prints "Warning:") when ECI cannot run it (§3).
// Any pod: warnings for k8s.aliyun.com/eci-* annotations with values ECI does
// not accept (§5); a denial for an invalid request (an unknown burst-resource
// value, `ecs` with an ECI label). A pod that asked for nothing or for `ecs`
// is never changed.
//
// Thread-safe (pure).
#ifndef SPILLWAY_WEBHOOK_POD_ADMISSION_H_
#define SPILLWAY_WEBHOOK_POD_ADMISSION_H_

#include <string>
#include <vector>

#include "boost/json.hpp"
#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "kube/objects.h"

namespace spillway::webhook {

struct PodAdmission {
  bool allowed = true;
  std::string denial;  // Why not, for the user (when !allowed).
  std::vector<std::string> warnings;
  boost::json::array patch;  // RFC 6902 operations; empty: unchanged.
  burst::Intent intent = burst::Intent::kNone;
  std::string reason;  // The resolver's reason, for logs.
};

// `pod_object` is the pod as the API server sent it; `pod` the same, decoded.
// `ns` may be null (namespace not in the cache). `node_port_services` are the
// NodePort Services selecting the pod ("namespace/name"): a pod headed to ECI
// is warned that they do not reach it.
PodAdmission AdmitPod(const boost::json::object& pod_object, const kube::Pod& pod,
                      const kube::Namespace* ns, const burst::IntentResolver& resolver,
                      const burst::VirtualNodeRule& rule, const burst::EciProfile& profile,
                      const std::vector<std::string>& node_port_services = {});

// One message per k8s.aliyun.com/ annotation whose value ECI documents as a
// fixed choice or format and that does not fit it.
std::vector<std::string> CheckEciAnnotations(const kube::StringMap& annotations);

}  // namespace spillway::webhook

#endif  // SPILLWAY_WEBHOOK_POD_ADMISSION_H_
