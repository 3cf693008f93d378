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

// "Why is the pod where it is", from the filled-in parts of `explanation`.
std::string Summarize(const v1::ExplainResponse& explanation);

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_EXPLANATION_H_
