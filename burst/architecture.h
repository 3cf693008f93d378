// Which CPU architecture pods sent to ECI run on (docs/eci-rules.md, "x86
// unless the pod chooses").
//
// Alibaba's documents say pods sent to ECI by a pod or namespace label, by
// burst-resource, by an eci-profile selector or by the manual nodeSelector run
// on x86 virtual nodes. Arm virtual nodes (eci-profile enableLinuxArm64Node)
// carry the taint kubernetes.io/arch=arm64:NoSchedule and take the pods that
// select them by nodeSelector or node affinity. Spillway holds every method to
// that default whether or not an Arm virtual node carries the taint, and
// leaves the choice to a pod that names an architecture itself.
//
// Pure functions.
#ifndef SPILLWAY_BURST_ARCHITECTURE_H_
#define SPILLWAY_BURST_ARCHITECTURE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "kube/objects.h"

namespace spillway::burst {

inline constexpr absl::string_view kArchitectureLabel = "kubernetes.io/arch";
inline constexpr absl::string_view kBetaArchitectureLabel = "beta.kubernetes.io/arch";
// The architecture of the default virtual nodes, as kubernetes.io/arch names it.
inline constexpr absl::string_view kDefaultEciArchitecture = "amd64";
// The architecture of Arm virtual nodes (eci-profile enableLinuxArm64Node).
inline constexpr absl::string_view kArmArchitecture = "arm64";

// The node's CPU architecture: its kubernetes.io/arch label, else
// beta.kubernetes.io/arch, else the value of a kubernetes.io/arch taint;
// "amd64" when nothing says (virtual nodes are x86 unless marked otherwise).
std::string NodeArchitecture(const kube::Node& node);

// Whether the pod names an architecture itself: kubernetes.io/arch (or the
// beta key) in its nodeSelector, in a required or preferred node-affinity
// expression, or a toleration for the kubernetes.io/arch taint. kube-scheduler
// enforces such a pod's own constraints; Spillway adds none.
bool ChoosesArchitecture(const kube::Pod& pod);

// Why `virtual_node` is not for `pod`: its architecture is not amd64 and the
// pod does not choose one. Nullopt when the node is fine. The message names
// the node's architecture and how the pod can ask for it.
std::optional<std::string> ArchitectureMismatch(const kube::Pod& pod, const kube::Node& virtual_node);

// The same verdict from an architecture already read (NodeArchitecture).
std::optional<std::string> ArchitectureMismatch(const kube::Pod& pod, absl::string_view node_architecture);

// The architecture the pod requires by nodeSelector, or by every required
// node-affinity term as `kubernetes.io/arch In [one value]`; nullopt when it
// requires none or several.
std::optional<std::string> RequiredArchitecture(const kube::Pod& pod);

// For a pod headed to ECI that requires a non-amd64 architecture: the
// toleration of that architecture's virtual-node taint
// ({kubernetes.io/arch, Equal, <arch>, NoSchedule}) when the pod does not
// tolerate it yet, so that an upstream kube-scheduler (which, unlike ACK's,
// does not tolerate it for the pod) can place it. Nullopt otherwise.
std::optional<kube::Toleration> MissingArchitectureToleration(const kube::Pod& pod);

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_ARCHITECTURE_H_
