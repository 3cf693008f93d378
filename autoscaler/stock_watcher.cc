#include "autoscaler/stock_watcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log_format.h"
#include "glog/logging.h"

namespace spillway::autoscaler {

StockWatcher::StockWatcher(kube::RestClient& client, kube::ClusterInformers& informers,
                           const burst::VirtualNodeRule& rule, burst::StockCoolDowns& stock,
                           kube::EventRecorder& events, const Clock& clock, AutoscalerMetrics& metrics,
                           Options options)
    : client_(client),
      informers_(informers),
      rule_(rule),
      stock_(stock),
      events_(events),
      metrics_(metrics),
      options_(std::move(options)),
      controller_("stock", clock, metrics, [this](const std::string& key) { return Reconcile(key); }) {
  kube::Informer<kube::Event>::Handler handler;
  handler.on_add = [this](const kube::Event& event) { Observe(event); };
  // A repeated Event (count, lastTimestamp) extends the cool-down.
  handler.on_update = [this](const kube::Event&, const kube::Event& event) { Observe(event); };
  informers_.warning_events().AddHandler(std::move(handler));
}

void StockWatcher::Observe(const kube::Event& event) {
  if (!burst::IsStockReason(event.reason)) return;
  std::string node = event.source_host;
  std::string pod_key;
  if (event.involved_kind == "Pod") {
    pod_key = event.involved_namespace + "/" + event.involved_name;
    if (std::shared_ptr<const kube::PodRecord> pod = informers_.pods().Get(pod_key);
        pod != nullptr && !pod->node_name().empty()) {
      node = std::string(pod->node_name());
    }
  }
  if (node.empty()) return;
  std::shared_ptr<const kube::Node> record = informers_.nodes().Get(node);
  if (!(record != nullptr ? rule_.IsVirtual(*record) : rule_.IsVirtualName(node))) return;
  if (stock_.Report(node, event.reason)) {
    metrics_.CountStockCoolDown(event.reason);
    LOG(WARNING) << "stock node=" << node << " reason=" << event.reason << " message=" << LogValue(event.message)
                 << ": avoided while another virtual node can take pods";
  }
  // Only when the zone cannot create it at all; low stock and transient
  // errors are virtual-kubelet's to retry.
  const std::optional<burst::StockReaction> reaction = stock_.policy().For(event.reason);
  if (options_.delete_stuck_pods && !pod_key.empty() && reaction.has_value() && reaction->delete_stuck_pods) {
    controller_.Enqueue(pod_key);
  }
}

std::optional<std::string> KeepStuckPod(const kube::StringMap& annotations) {
  if (annotations.Has("k8s.aliyun.com/eci-reschedule-enable", "true")) {
    return "it asks virtual-kubelet to keep retrying (k8s.aliyun.com/eci-reschedule-enable: \"true\")";
  }
  if (annotations.Has("k8s.aliyun.com/pod-fail-on-create-err", "true")) {
    return "it asks to fail visibly when ECI cannot create it (k8s.aliyun.com/pod-fail-on-create-err: \"true\")";
  }
  return std::nullopt;
}

absl::Status StockWatcher::Reconcile(const std::string& key) {
  if (!options_.may_act()) return absl::OkStatus();
  std::shared_ptr<const kube::PodRecord> pod = informers_.pods().Get(key);
  if (pod == nullptr || pod->deleting() || pod->node_name().empty()) return absl::OkStatus();
  // Stuck: Pending, or failed by the provider (status.reason ProviderFailed).
  const bool stuck = pod->phase() == "Pending" || pod->phase().empty() || pod->status_reason() == "ProviderFailed";
  if (!stuck) return absl::OkStatus();  // It started after all.
  if (!stock_.Cooling(pod->node_name()).has_value()) return absl::OkStatus();
  if (pod->owner_kind().empty()) {
    VLOG(1) << "stock pod=" << key << " stuck on " << pod->node_name() << " but has no controller; kept";
    return absl::OkStatus();  // A bare pod would not come back.
  }
  if (std::optional<std::string> why = KeepStuckPod(pod->annotations())) {
    VLOG(1) << "stock pod=" << key << " stuck on " << pod->node_name() << " kept: " << *why;
    return absl::OkStatus();  // The user's own choice.
  }
  absl::Status deleted = client_.Delete({"", "v1", "pods", std::string(pod->namespace_()), std::string(pod->name()), ""});
  if (!deleted.ok() && deleted.code() != absl::StatusCode::kNotFound) return deleted;
  (void)events_.Record({"v1", "Pod", std::string(pod->namespace_()), std::string(pod->name()), std::string(pod->uid())},
                       kube::EventType::kNormal, "DeletedForStock",
                       absl::StrCat("virtual node ", pod->node_name(), " is out of stock; deleted so its ",
                                    pod->owner_kind(), " ", pod->owner_name(), " recreates it elsewhere"));
  return absl::OkStatus();
}

}  // namespace spillway::autoscaler
