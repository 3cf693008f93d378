// ECI quota: caps on the cpu, memory and pod count that pods on virtual
// nodes use together, cluster-wide and per namespace, and the running tally
// against them. The extender's filter and the rescuer ask Admit() before
// sending a pod to ECI, so both refuse with the same reason naming the cap.
//
// Caps left unset cluster-wide default to the virtual nodes' advertised
// allocatable (SetVirtualCapacity). Usage is fed by whoever watches pods
// (Add/Remove). No I/O; thread-safe.
#ifndef SPILLWAY_BURST_ECI_QUOTA_H_
#define SPILLWAY_BURST_ECI_QUOTA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kube/objects.h"
#include "proto/config.pb.h"

namespace spillway::burst {

struct EciCaps {
  std::optional<int64_t> cpu_milli;
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> pods;
};

struct EciUsage {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 0;
};

class EciQuota {
 public:
  explicit EciQuota(EciCaps cluster = {}, absl::flat_hash_map<std::string, EciCaps> namespaces = {})
      : cluster_(cluster), namespaces_(std::move(namespaces)) {}

  // From the config file's eciQuota; InvalidArgument naming a bad quantity.
  static absl::StatusOr<EciCaps> CapsFromConfig(const config::EciCaps& caps, const std::string& field);
  static absl::StatusOr<std::unique_ptr<EciQuota>> FromConfig(const config::EciQuotaConfig& config);

  // What the virtual nodes advertise, summed (defaults for unset cluster caps).
  void SetVirtualCapacity(EciUsage capacity);
  // A pod started or stopped using ECI in namespace `ns`.
  void Add(const std::string& ns, const kube::Resources& requests);
  void Remove(const std::string& ns, const kube::Resources& requests);

  // OK when a pod of namespace `ns` asking for `requests` fits every cap;
  // else ResourceExhausted naming the cap, e.g. "ECI quota: namespace shop
  // memory cap 64Gi would be exceeded (62Gi used, the pod asks 4Gi)".
  absl::Status Admit(const std::string& ns, const kube::Resources& requests) const;

  EciUsage ClusterUsage() const;
  // The effective cluster-wide caps (configured, else advertised).
  EciCaps ClusterCaps() const;

 private:
  const EciCaps cluster_;
  const absl::flat_hash_map<std::string, EciCaps> namespaces_;
  mutable absl::Mutex mu_;
  EciUsage capacity_ ABSL_GUARDED_BY(mu_);
  EciUsage total_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, EciUsage> by_namespace_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_ECI_QUOTA_H_
