// Keeps a burst::EciQuota's tally in step with the cluster: a pod counts
// (its effective requests, one pod) while it is bound to a virtual node and
// not finished (phase Succeeded/Failed); the virtual nodes' allocatable,
// summed, is the default cluster-wide cap. Fed by the shared informers'
// handlers, so the tally follows every watch event and relist.
//
// Construct before the informers start; thread-safe.
#ifndef SPILLWAY_CLUSTER_STATE_QUOTA_ACCOUNTANT_H_
#define SPILLWAY_CLUSTER_STATE_QUOTA_ACCOUNTANT_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "burst/eci_quota.h"
#include "burst/virtual_node.h"
#include "kube/cluster_informers.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace spillway::cluster_state {

class QuotaAccountant {
 public:
  // All must outlive the accountant. Publishes
  // spillway_eci_quota_{used,cap}{resource=cpu|memory|pods} to `registry`,
  // and the same values under their deprecated names
  // spillway_autoscaler_eci_quota_{used,cap} (every component uses the
  // quota, not the autoscaler alone) until the next minor release.
  QuotaAccountant(kube::ClusterInformers& informers, const burst::VirtualNodeRule& rule,
                  burst::EciQuota& quota, prometheus::Registry& registry);

 private:
  bool Counts(const kube::PodRecord& pod) const;
  void PodChanged(const kube::PodRecord& pod, bool exists);
  void NodeChanged(const kube::Node* old_node, const kube::Node* new_node);
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  kube::ClusterInformers& informers_;
  const burst::VirtualNodeRule& rule_;
  burst::EciQuota& quota_;
  absl::Mutex mu_;
  // What each virtual node advertises, by name.
  absl::flat_hash_map<std::string, burst::EciUsage> virtual_capacity_ ABSL_GUARDED_BY(mu_);
  // What each counted pod added, so removal is exact.
  absl::flat_hash_map<std::string, kube::Resources> counted_ ABSL_GUARDED_BY(mu_);
  prometheus::Family<prometheus::Gauge>& used_;
  prometheus::Family<prometheus::Gauge>& cap_;
  prometheus::Family<prometheus::Gauge>& deprecated_used_;
  prometheus::Family<prometheus::Gauge>& deprecated_cap_;
};

}  // namespace spillway::cluster_state

#endif  // SPILLWAY_CLUSTER_STATE_QUOTA_ACCOUNTANT_H_
