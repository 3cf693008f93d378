// The extender's ClusterView over informers someone else owns and runs (the
// serve app shares one node and one namespace informer between components):
// node snapshots are published by the node informer after every change, so
// request threads never wait on the watch. Thread-safe.
#ifndef SPILLWAY_SCHEDULER_INFORMER_CLUSTER_VIEW_H_
#define SPILLWAY_SCHEDULER_INFORMER_CLUSTER_VIEW_H_

#include <memory>

#include "burst/eci_quota.h"
#include "burst/stock.h"
#include "common/clock.h"
#include "kube/informer.h"
#include "kube/objects.h"
#include "scheduler/cluster_view.h"

namespace spillway::scheduler {

class InformerClusterView : public ClusterView {
 public:
  // `nodes` and `namespaces` must publish snapshots; all must outlive the view. `quota` may
  // be null (no ECI quota enforced).
  InformerClusterView(const kube::Informer<kube::Node>& nodes,
                      const kube::Informer<kube::Namespace>& namespaces,
                      burst::EciQuota* quota = nullptr,
                      const burst::StockCoolDowns* stock = nullptr, const Clock& clock = Clock::Real())
      : nodes_(nodes), namespaces_(namespaces), quota_(quota), stock_(stock), clock_(clock) {}

  std::optional<std::string> VirtualNodeCooling(absl::string_view name) const override {
    return stock_ == nullptr ? std::nullopt : stock_->Cooling(name);
  }

  absl::Status AssumeEci(const kube::Pod& pod) const override {
    if (quota_ == nullptr) return absl::OkStatus();
    // Without a uid (never from kube-scheduler) nothing could forget the hold.
    if (pod.metadata.uid.empty()) return quota_->Admit(pod.metadata.namespace_, pod.EffectiveRequests());
    return quota_->Assume(pod.metadata.uid, pod.metadata.namespace_, pod.EffectiveRequests(), clock_.Now());
  }

  std::shared_ptr<const NodeSnapshot> Nodes() const override { return nodes_.Snapshot(); }
  std::shared_ptr<const kube::Namespace> FindNamespace(absl::string_view name) const override {
    std::shared_ptr<const kube::Informer<kube::Namespace>::Map> snapshot = namespaces_.Snapshot();
    auto it = snapshot->find(name);
    return it == snapshot->end() ? nullptr : it->second;
  }
  bool HasSynced() const override { return nodes_.HasSynced() && namespaces_.HasSynced(); }

 private:
  const kube::Informer<kube::Node>& nodes_;
  const kube::Informer<kube::Namespace>& namespaces_;
  burst::EciQuota* quota_;
  const burst::StockCoolDowns* stock_;
  const Clock& clock_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_INFORMER_CLUSTER_VIEW_H_
