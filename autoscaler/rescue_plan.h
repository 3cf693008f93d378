// What the rescuer does with one Unschedulable pod, decided by a pure
// function of what it read, so every outcome is a table test. Rescuer reads
// (cache, live pod, resolver, nodes, quota), calls PlanRescue, and applies the
// plan (a resourceVersion-guarded JSON patch and an Event).
//
// Outcomes (spillway_autoscaler_rescues_total{outcome}), each meaning one thing:
//   rescued               no or `eci` intent, regular nodes lack resources: toleration + burst-resource: eci
//   eci_only_tolerated    asked for ECI only but cannot tolerate the virtual-node taint (the webhook did
//                         not run): the toleration is added
//   eci_only_tolerant     asked for ECI only and already tolerates it: placement is the extender's
//   already_rescued       rescued before; never twice
//   not_virtual_resolvable Unschedulable for reasons a virtual node would not resolve (affinity, volumes)
//   out_of_scope          namespace excluded, or the rescue label says no
//   asked_for_ecs         `burst-resource: ecs`
//   invalid_request       the pod's request is invalid (unknown burst-resource value, ecs with ECI labels)
//   eci_cannot_run        hostPath, hostNetwork, privileged, DaemonSet
//   no_virtual_node       the cluster has no virtual node
//   selector_mismatch     its nodeSelector or required affinity admits no virtual node
//   quota                 the ECI quota has no room
//   conflict, error       the write raced a change (retried) or failed
#ifndef SPILLWAY_AUTOSCALER_RESCUE_PLAN_H_
#define SPILLWAY_AUTOSCALER_RESCUE_PLAN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "burst/intent_resolver.h"
#include "kube/objects.h"

namespace spillway::autoscaler {

// Whether kube-scheduler's message says regular nodes lack resources (as
// opposed to only affinity, taint, volume or port conflicts).
bool IsResourceShortage(absl::string_view scheduling_message);
// Whether the message says nodes had a taint with one of `taint_keys` the pod
// does not tolerate ("untolerated taint {virtual-kubelet.io/provider: ...}").
bool MentionsUntoleratedTaint(absl::string_view scheduling_message, const std::vector<std::string>& taint_keys);

struct RescueInput {
  const kube::Pod& pod;
  absl::StatusOr<burst::PodPolicy> policy;
  std::string scheduling_message;
  std::vector<std::string> taint_keys;  // The virtual-node rule's.
  bool any_virtual_node = false;
  // By the pod's nodeSelector / required affinity, and of an architecture it
  // may use (burst/architecture.h).
  bool some_virtual_node_admits = false;
  absl::Status quota;                     // OK: room (or no quota).
};

struct RescuePlan {
  std::string outcome;  // See the file comment.
  std::string why;      // For the log line.
  // What to write; nothing when both are empty.
  std::vector<kube::Toleration> add_tolerations;  // burst::MissingVirtualNodeTolerations.
  bool add_burst_annotation = false;         // alibabacloud.com/burst-resource: eci
  // The Event to record on the pod, if any.
  struct Event {
    bool warning = false;
    std::string reason;
    std::string message;
  };
  std::optional<Event> event;

  bool writes() const { return !add_tolerations.empty() || add_burst_annotation; }
};

RescuePlan PlanRescue(const RescueInput& input);

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_RESCUE_PLAN_H_
