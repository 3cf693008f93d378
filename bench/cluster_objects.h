// Realistic Kubernetes objects for benchmarks, shaped like `kubectl get node
// -o json` / `kubectl get pod -o json` output on an ACK cluster: a Node carries
// ~15 labels, managedFields, conditions, addresses and 40 images (~12 KB).
#ifndef SPILLWAY_BENCH_CLUSTER_OBJECTS_H_
#define SPILLWAY_BENCH_CLUSTER_OBJECTS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace spillway::bench {

// Node `index` of a cluster; every `virtual_every`-th node is a virtual node
// (virtual-kubelet-<region>-<zone>); 0 means none is.
std::string NodeJson(int index, int virtual_every);
std::string NodeName(int index, int virtual_every);

// A Deployment pod that asks to burst (`burst-resource: eci`).
std::string BurstPodJson(int index);

// Pod `index` as a list or watch returns it on a busy cluster (~5 KB): a
// running Deployment pod with managedFields, two containers (env, probes,
// mounts), status conditions and container statuses; spread over 50
// namespaces and `nodes` nodes.
std::string ListedPodJson(int index, int nodes);

// The order in which kube-scheduler's parallel filter lists `nodes` feasible
// nodes to an extender: 16 workers take chunks of min(sqrt(n), n/16 + 1)
// nodes (client-go's workqueue.ParallelizeUntil) and each appends the nodes
// it finds feasible as it goes (an atomic counter in
// findNodesThatPassFilters), so the list is the same set in an order that
// differs from pod to pod. `seed` picks one interleaving.
std::vector<int> ParallelFilterOrder(int nodes, uint64_t seed);

// ExtenderArgs for nodeCacheCapable: false (full Node objects), listing the
// nodes in `order` (node indices; empty: 0, 1, 2, ...).
std::string FullFilterRequest(const std::string& pod, int nodes, int virtual_every,
                              const std::vector<int>& order = {});
// ExtenderArgs for nodeCacheCapable: true (names only), in `order`.
std::string NamesFilterRequest(const std::string& pod, int nodes, int virtual_every,
                               const std::vector<int>& order = {});

}  // namespace spillway::bench

#endif  // SPILLWAY_BENCH_CLUSTER_OBJECTS_H_
