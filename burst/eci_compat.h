// Whether an elastic container instance can run a pod (docs/eci-rules.md §3).
#ifndef SPILLWAY_BURST_ECI_COMPAT_H_
#define SPILLWAY_BURST_ECI_COMPAT_H_

#include "absl/status/status.h"
#include "kube/objects.h"

namespace spillway::burst {

// OK when ECI can run `pod`; otherwise FailedPrecondition whose message names
// every offending volume, container or owner, e.g. "pod default/web-1 uses
// hostPath volume 'logs'; elastic container instances cannot mount host paths".
// ECI cannot run hostPath volumes, hostNetwork or host ports, privileged
// containers, or DaemonSet-owned pods.
absl::Status CheckEciCanRun(const kube::Pod& pod);

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_ECI_COMPAT_H_
