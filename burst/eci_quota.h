// ECI quota: caps on the cpu, memory and pod count that pods on virtual
// nodes use together, cluster-wide and per namespace, and the running tally
// against them. The extender's filter and the rescuer ask Admit() before
// sending a pod to ECI, so both refuse with the same reason naming the cap.
//
// Caps left unset cluster-wide default to the virtual nodes' advertised
// allocatable (SetVirtualCapacity). Usage is fed by whoever watches pods
// (Add/Remove). No I/O; thread-safe and lock-free: the extender calls Admit()
// on its hot path while the watch threads update the tallies, so tallies are
// atomics (per namespace only for namespaces with caps, fixed at construction).
//
// kube-scheduler binds a pod some milliseconds after the extender passed it,
// and the watch shows the binding later still: counting only what the watch
// has shown bound let 3 ECI-only pods filtered within 2 ms all fit a 2-vCPU
// namespace cap. So the extender Assume()s a pod it sends to virtual nodes —
// as kube-scheduler's cache assumes a pod before its binding lands — and the
// pod counts from then on: until the watch shows it (Forget, once Add counts
// it), it is gone, or its hold ends. Assume() calls are serialized, so N
// concurrent filters never admit more than the caps allow.
#ifndef SPILLWAY_BURST_ECI_QUOTA_H_
#define SPILLWAY_BURST_ECI_QUOTA_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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

// The cluster-wide default caps from what the virtual nodes advertise: the
// largest of each resource, not the sum. One virtual-kubelet controller
// registers a node per zone (virtual-kubelet-<region>-<zone>), and each
// advertises the controller's ECI_QUOTA_CPU/MEMORY/POD — one quota, shown N
// times; summing would multiply it by the number of zones. (Clusters with
// several controllers of separate quotas should configure eciQuota.cluster.)
EciUsage CombineVirtualCapacity(const std::vector<EciUsage>& advertised);

class EciQuota {
 public:
  explicit EciQuota(EciCaps cluster = {}, absl::flat_hash_map<std::string, EciCaps> namespaces = {});

  // From the config file's eciQuota; InvalidArgument naming a bad quantity.
  static absl::StatusOr<EciCaps> CapsFromConfig(const config::EciCaps& caps, const std::string& field);
  static absl::StatusOr<std::unique_ptr<EciQuota>> FromConfig(const config::EciQuotaConfig& config);

  // The default for unset cluster caps (CombineVirtualCapacity).
  void SetVirtualCapacity(EciUsage capacity);
  // A pod started or stopped using ECI in namespace `ns`.
  void Add(const std::string& ns, const kube::Resources& requests);
  void Remove(const std::string& ns, const kube::Resources& requests);

  // OK when a pod of namespace `ns` asking for `requests` fits every cap;
  // else ResourceExhausted naming the cap, e.g. "ECI quota: namespace shop
  // memory cap 64Gi would be exceeded (62Gi used, the pod asks 4Gi)".
  absl::Status Admit(const std::string& ns, const kube::Resources& requests) const;

  // Admits pod `uid` as Admit() does and counts it as used from now until
  // Forget(uid) or until `now` passes `now + hold`. Admitting a uid already
  // held renews its hold without counting it twice. ResourceExhausted as
  // Admit().
  absl::Status Assume(const std::string& uid, const std::string& ns, const kube::Resources& requests,
                      absl::Time now, absl::Duration hold = absl::Seconds(30));
  // The pod's binding was seen (after Add counted it), or the pod is gone.
  void Forget(const std::string& uid);
  // Pods assumed and not yet seen bound.
  int64_t AssumedPods() const;

  EciUsage ClusterUsage() const;
  // The effective cluster-wide caps (configured, else advertised).
  EciCaps ClusterCaps() const;

 private:
  struct Tally {
    std::atomic<int64_t> cpu_milli{0};
    std::atomic<int64_t> memory_bytes{0};
    std::atomic<int64_t> pods{0};
    void Add(const kube::Resources& r, int sign) {
      cpu_milli.fetch_add(sign * r.cpu_milli, std::memory_order_relaxed);
      memory_bytes.fetch_add(sign * r.memory_bytes, std::memory_order_relaxed);
      pods.fetch_add(sign, std::memory_order_relaxed);
    }
    EciUsage Load() const {
      return {cpu_milli.load(std::memory_order_relaxed), memory_bytes.load(std::memory_order_relaxed),
              pods.load(std::memory_order_relaxed)};
    }
  };
  struct NamespaceQuota {
    EciCaps caps;
    Tally used;  // Seen bound, plus assumed.
  };
  struct Assumed {
    std::string ns;
    kube::Resources requests;
    absl::Time until;
  };
  // Adds (sign 1) or removes (-1) an assumed pod from the tallies.
  void CountUse(const std::string& ns, const kube::Resources& requests, int sign);
  void ExpireLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(assume_mu_);

  const EciCaps cluster_;
  // Capped namespaces; the map itself never changes after construction.
  absl::flat_hash_map<std::string, std::unique_ptr<NamespaceQuota>> namespaces_;
  Tally capacity_;
  Tally total_;  // Seen bound, plus assumed.
  mutable absl::Mutex assume_mu_;
  absl::flat_hash_map<std::string, Assumed> assumed_ ABSL_GUARDED_BY(assume_mu_);
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_ECI_QUOTA_H_
