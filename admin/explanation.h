// Pure pieces of an explanation (proto/admin.proto's ExplainResponse): what
// kube-scheduler's own filters would say about a node before the extender
// sees it, and the one-paragraph summary a human reads first. No I/O.
#ifndef SPILLWAY_ADMIN_EXPLANATION_H_
#define SPILLWAY_ADMIN_EXPLANATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kube/objects.h"
#include "proto/admin.pb.h"

namespace spillway::admin {

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

// "Why is the pod where it is", from the filled-in parts of `explanation`.
std::string Summarize(const v1::ExplainResponse& explanation);

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_EXPLANATION_H_
