// Realistic Kubernetes objects for benchmarks, shaped like `kubectl get node
// -o json` / `kubectl get pod -o json` output on an ACK cluster: a Node carries
// ~15 labels, managedFields, conditions, addresses and 40 images (~12 KB).
#ifndef SPILLWAY_BENCH_CLUSTER_OBJECTS_H_
#define SPILLWAY_BENCH_CLUSTER_OBJECTS_H_

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

// ExtenderArgs for nodeCacheCapable: false (full Node objects).
std::string FullFilterRequest(const std::string& pod, int nodes, int virtual_every);
// ExtenderArgs for nodeCacheCapable: true (names only).
std::string NamesFilterRequest(const std::string& pod, int nodes, int virtual_every);

}  // namespace spillway::bench

#endif  // SPILLWAY_BENCH_CLUSTER_OBJECTS_H_
