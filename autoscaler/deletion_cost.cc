#include "autoscaler/deletion_cost.h"

#include <utility>

#include "glog/logging.h"

namespace spillway::autoscaler {

DeletionCost::DeletionCost(kube::RestClient& client, kube::ClusterInformers& informers,
                           const burst::VirtualNodeRule& rule, const Clock& clock,
                           AutoscalerMetrics& metrics, Options options)
    : client_(client),
      informers_(informers),
      rule_(rule),
      metrics_(metrics),
      options_(std::move(options)),
      controller_("deletion_cost", clock, metrics,
                  [this](const std::string& key) { return Reconcile(key); }) {
  kube::Informer<kube::PodRecord>::Handler handler;
  auto consider = [this](const kube::PodRecord& pod) {
    if (Needs(pod)) controller_.Enqueue(pod.Key());
  };
  handler.on_add = consider;
  handler.on_update = [consider](const kube::PodRecord&, const kube::PodRecord& pod) { consider(pod); };
  informers_.pods().AddHandler(std::move(handler));
}

void DeletionCost::EnqueueAll() {
  for (const auto& pod : informers_.pods().List()) {
    if (Needs(*pod)) controller_.Enqueue(pod->Key());
  }
}

bool DeletionCost::Needs(const kube::PodRecord& pod) const {
  if (pod.node_name().empty() || pod.deleting() || pod.owner_kind() != "ReplicaSet") return false;
  if (pod.annotations().Find(kDeletionCostAnnotation).has_value()) return false;
  std::shared_ptr<const kube::Node> node = informers_.nodes().Get(std::string(pod.node_name()));
  return node != nullptr ? rule_.IsVirtual(*node) : rule_.IsVirtualName(pod.node_name());
}

absl::Status DeletionCost::Reconcile(const std::string& key) {
  if (!options_.may_act()) return absl::OkStatus();
  std::shared_ptr<const kube::PodRecord> pod = informers_.pods().Get(key);
  if (pod == nullptr || !Needs(*pod)) return absl::OkStatus();
  const boost::json::object patch{
      {"metadata",
       boost::json::object{{"resourceVersion", std::string(pod->resource_version())},
                           {"annotations", boost::json::object{{kDeletionCostAnnotation,
                                                                std::to_string(options_.cost)}}}}}};
  absl::StatusOr<boost::json::object> patched = client_.Patch(
      {"", "v1", "pods", std::string(pod->namespace_()), std::string(pod->name()), ""},
      kube::PatchType::kMerge, patch);
  if (patched.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  if (!patched.ok()) {
    metrics_.CountDeletionCost("error");
    return patched.status();  // A conflict: the next event re-judges it.
  }
  metrics_.CountDeletionCost("set");
  VLOG(1) << "deletion-cost pod=" << key << " node=" << pod->node_name() << " cost=" << options_.cost;
  return absl::OkStatus();
}

}  // namespace spillway::autoscaler
