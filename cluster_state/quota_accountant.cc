#include "cluster_state/quota_accountant.h"

#include <string>
#include <utility>

namespace spillway::cluster_state {

QuotaAccountant::QuotaAccountant(kube::ClusterInformers& informers, const burst::VirtualNodeRule& rule,
                                 burst::EciQuota& quota, prometheus::Registry& registry)
    : informers_(informers),
      rule_(rule),
      quota_(quota),
      used_(prometheus::BuildGauge()
                .Name("spillway_eci_quota_used")
                .Help("ECI usage counted against the quota (cpu in cores, memory in bytes, pods)")
                .Register(registry)),
      cap_(prometheus::BuildGauge()
               .Name("spillway_eci_quota_cap")
               .Help("Effective cluster-wide ECI caps (configured, else the virtual nodes' allocatable)")
               .Register(registry)),
      deprecated_used_(prometheus::BuildGauge()
                           .Name("spillway_autoscaler_eci_quota_used")
                           .Help("Deprecated: use spillway_eci_quota_used (the same value; this name goes in the "
                                 "next minor release)")
                           .Register(registry)),
      deprecated_cap_(prometheus::BuildGauge()
                          .Name("spillway_autoscaler_eci_quota_cap")
                          .Help("Deprecated: use spillway_eci_quota_cap (the same value; this name goes in the "
                                "next minor release)")
                          .Register(registry)) {
  kube::Informer<kube::PodRecord>::Handler pods;
  pods.on_add = [this](const kube::PodRecord& pod) { PodChanged(pod, true); };
  pods.on_update = [this](const kube::PodRecord&, const kube::PodRecord& pod) { PodChanged(pod, true); };
  pods.on_delete = [this](const kube::PodRecord& pod) { PodChanged(pod, false); };
  informers_.pods().AddHandler(std::move(pods));
  kube::Informer<kube::Node>::Handler nodes;
  nodes.on_add = [this](const kube::Node& node) { NodeChanged(nullptr, &node); };
  nodes.on_update = [this](const kube::Node& old_node, const kube::Node& node) { NodeChanged(&old_node, &node); };
  nodes.on_delete = [this](const kube::Node& node) { NodeChanged(&node, nullptr); };
  informers_.nodes().AddHandler(std::move(nodes));
}

bool QuotaAccountant::Counts(const kube::PodRecord& pod) const {
  if (pod.node_name().empty() || pod.phase() == "Succeeded" || pod.phase() == "Failed") return false;
  std::shared_ptr<const kube::Node> node = informers_.nodes().Get(std::string(pod.node_name()));
  return node != nullptr ? rule_.IsVirtual(*node) : rule_.IsVirtualName(pod.node_name());
}

void QuotaAccountant::PodChanged(const kube::PodRecord& pod, bool exists) {
  const std::string key = pod.Key();
  const bool counts = exists && Counts(pod);
  absl::MutexLock lock(&mu_);
  // Remove exactly what was added, whatever the node cache says now.
  if (auto it = counted_.find(key); it != counted_.end()) {
    quota_.Remove(std::string(pod.namespace_()), it->second);
    counted_.erase(it);
  }
  if (counts) {
    quota_.Add(std::string(pod.namespace_()), pod.requests());
    counted_[key] = pod.requests();
  }
  // Bound (now counted above, if on a virtual node) or gone: the extender's
  // hold on it ends. Added before forgotten, so it is never counted zero times.
  if (!exists || !pod.node_name().empty()) quota_.Forget(std::string(pod.uid()));
  Publish();
}

void QuotaAccountant::Publish() {
  const burst::EciUsage used = quota_.ClusterUsage();
  const burst::EciCaps caps = quota_.ClusterCaps();
  for (auto [used_family, cap_family] : {std::pair{&used_, &cap_}, std::pair{&deprecated_used_, &deprecated_cap_}}) {
    used_family->Add({{"resource", "cpu"}}).Set(static_cast<double>(used.cpu_milli) / 1000);
    used_family->Add({{"resource", "memory"}}).Set(static_cast<double>(used.memory_bytes));
    used_family->Add({{"resource", "pods"}}).Set(static_cast<double>(used.pods));
    if (caps.cpu_milli.has_value()) cap_family->Add({{"resource", "cpu"}}).Set(static_cast<double>(*caps.cpu_milli) / 1000);
    if (caps.memory_bytes.has_value()) {
      cap_family->Add({{"resource", "memory"}}).Set(static_cast<double>(*caps.memory_bytes));
    }
    if (caps.pods.has_value()) cap_family->Add({{"resource", "pods"}}).Set(static_cast<double>(*caps.pods));
  }
}

void QuotaAccountant::NodeChanged(const kube::Node* old_node, const kube::Node* new_node) {
  const bool was_virtual = old_node != nullptr && rule_.IsVirtual(*old_node);
  const bool is_virtual = new_node != nullptr && rule_.IsVirtual(*new_node);
  if (was_virtual != is_virtual) {
    // The pods on it count (or stop counting) now: the pod cache may have
    // listed them before this node was known.
    const std::string name = new_node != nullptr ? new_node->metadata.name : old_node->metadata.name;
    for (const auto& pod : informers_.pods().List()) {
      if (pod->node_name() == name) PodChanged(*pod, true);
    }
  }
  absl::MutexLock lock(&mu_);
  if (old_node != nullptr) virtual_capacity_.erase(old_node->metadata.name);
  if (new_node != nullptr && is_virtual) {
    virtual_capacity_[new_node->metadata.name] =
        burst::EciUsage{new_node->allocatable.cpu_milli, new_node->allocatable.memory_bytes, new_node->allocatable_pods};
  }
  std::vector<burst::EciUsage> advertised;
  for (const auto& [name, capacity] : virtual_capacity_) advertised.push_back(capacity);
  quota_.SetVirtualCapacity(burst::CombineVirtualCapacity(advertised));
  Publish();
}

}  // namespace spillway::cluster_state
