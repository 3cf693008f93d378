// Whether a node satisfies a pod's nodeSelector and required node affinity,
// with Kubernetes' semantics (k8s.io/component-helpers/scheduling/corev1/
// nodeaffinity, what kube-scheduler's NodeAffinity filter runs):
//   * nodeSelector: every key=value among the node's labels;
//   * requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed, the
//     requirements within a term ANDed; a term with no requirement matches
//     nothing;
//   * matchExpressions on labels: In, NotIn (true when the label is absent),
//     Exists, DoesNotExist, Gt and Lt (one integer value against an integer
//     label; anything else does not match);
//   * matchFields on metadata.name only, with In or NotIn; any other field or
//     operator does not match.
// The one matcher for Spillway (placement, the rescuer, explain) and the
// simulated kube-scheduler. Pure functions; thread-safe.
#ifndef SPILLWAY_KUBE_NODE_AFFINITY_H_
#define SPILLWAY_KUBE_NODE_AFFINITY_H_

#include <vector>

#include "kube/objects.h"

namespace spillway::kube {

// The terms ORed; false for an empty list (a pod without required affinity
// has none to check: see PodMatchesNodeSelectorAndAffinity).
bool NodeSelectorTermsMatch(const std::vector<NodeSelectorTerm>& terms, const Node& node);

// nodeSelector and required node affinity, both.
bool PodMatchesNodeSelectorAndAffinity(const Pod& pod, const Node& node);

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_NODE_AFFINITY_H_
