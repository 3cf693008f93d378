// Writes to the API server with several requests in flight, as Kubernetes'
// components make them: a ReplicaSet controller's slow-start batch runs its
// creates in parallel goroutines, and 5,000 kubelets each write their own
// pods' status. One request at a time, a stand-in would spend its pass
// waiting on round trips (the API server, its admission webhooks) while the
// machine's other core idles.
//
// The caller decides in order what to write and records the results in
// order; only the requests overlap, so what a pass does does not depend on
// which request finished first. Thread-safe if `write` is.
#ifndef SPILLWAY_SIM_CLUSTER_PARALLEL_WRITES_H_
#define SPILLWAY_SIM_CLUSTER_PARALLEL_WRITES_H_

#include <cstddef>
#include <functional>
#include <vector>

#include "absl/status/status.h"

namespace spillway::sim {

// The requests a stand-in keeps in flight (client-go's default connection
// pool lets a controller's goroutines share far more; 16 keeps the sim's
// threads bounded).
inline constexpr size_t kWritesInFlight = 16;

// Calls `write(i)` for every i in [0, count) on up to `in_flight` threads
// (the calling one included) and returns each call's status at index i.
std::vector<absl::Status> WriteInParallel(size_t count, const std::function<absl::Status(size_t)>& write,
                                          size_t in_flight = kWritesInFlight);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_PARALLEL_WRITES_H_
