#include "autoscaler/stock_watcher.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "burst/architecture.h"
#include "burst/placement.h"
#include "kube/decode.h"
#include "common/log_format.h"
#include "glog/logging.h"

namespace spillway::autoscaler {

StockWatcher::StockWatcher(kube::RestClient& client, kube::ClusterInformers& informers,
                           const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                           burst::StockCoolDowns& stock, kube::EventRecorder& events, const Clock& clock,
                           AutoscalerMetrics& metrics, Options options)
    : client_(client),
      informers_(informers),
      resolver_(resolver),
      clock_(clock),
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
  const StockEventTrust trust =
      JudgeStockEvent(event, clock_.Now(), stock_.policy(), [this](absl::string_view name) {
        std::shared_ptr<const kube::Node> node = informers_.nodes().Get(std::string(name));
        return node != nullptr ? rule_.IsVirtual(*node) : rule_.IsVirtualName(name);
      });
  if (trust != StockEventTrust::kTrusted) {
    metrics_.CountStockEventIgnored(StockEventTrustName(trust));
    VLOG(1) << "stock event=" << event.metadata.namespace_ << "/" << event.metadata.name
            << " reason=" << event.reason << " ignored: " << StockEventTrustName(trust)
            << " (involvedObject " << event.involved_kind << ", source " << LogValue(event.source_component) << ")";
    return;
  }
  std::string node = event.source_host;
  const std::string pod_key = event.involved_namespace + "/" + event.involved_name;
  if (std::shared_ptr<const kube::PodRecord> pod = informers_.pods().Get(pod_key);
      pod != nullptr && !pod->node_name().empty()) {
    node = std::string(pod->node_name());
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
  if (options_.delete_stuck_pods && reaction.has_value() && reaction->delete_stuck_pods) {
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
  std::shared_ptr<const kube::PodRecord> cached = informers_.pods().Get(key);
  // Stuck: Pending, or failed by the provider (status.reason ProviderFailed).
  const bool stuck = cached != nullptr && !cached->deleting() && !cached->node_name().empty() &&
                     (cached->phase() == "Pending" || cached->phase().empty() ||
                      cached->status_reason() == "ProviderFailed");
  if (!stuck) {
    waiting_.erase(key);  // Gone, started or being deleted: nothing to wait for.
    return absl::OkStatus();
  }
  const std::string node(cached->node_name());
  auto waiting = waiting_.find(key);
  if (waiting != waiting_.end() && waiting->second != cached->uid()) {
    waiting_.erase(waiting);  // A new pod of the same name.
    waiting = waiting_.end();
  }
  if (!stock_.Cooling(node).has_value() && waiting == waiting_.end()) return absl::OkStatus();
  // Judging where else it could run needs the whole pod (selectors, affinity, tolerations).
  const kube::ResourcePath path{"", "v1", "pods", std::string(cached->namespace_()), std::string(cached->name()), ""};
  absl::StatusOr<std::string> text = client_.CallRaw("GET", path.Url(), "");
  if (text.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  if (!text.ok()) return text.status();
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(*std::move(text));
  if (!pod.ok()) return pod.status();
  if (pod->metadata.uid != cached->uid()) return absl::OkStatus();  // Replaced meanwhile; its own events follow.
  return Apply(key, *cached, PlanStuckPod(Read(*pod, node, *cached)));
}

StuckPod StockWatcher::Read(const kube::Pod& pod, const std::string& node, const kube::PodRecord& cached) {
  StuckPod input;
  input.node = node;
  input.has_controller = !cached.owner_kind().empty();
  input.keep = KeepStuckPod(cached.annotations());
  input.cooling = stock_.Cooling(node);
  input.waiting = waiting_.contains(cached.Key());
  input.provider_failed = cached.status_reason() == "ProviderFailed";
  input.now = clock_.Now();
  input.owner_may_delete_at = backoff_.NextAllowed(std::string(cached.owner_uid()), input.now);
  if (!input.has_controller || input.keep.has_value()) return input;
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(pod.metadata.namespace_);
  absl::StatusOr<burst::PodPolicy> policy = resolver_.Resolve(burst::PodContext{pod, space.get()});
  const bool may_use_regular = policy.ok() && policy->MayUseRegularNodes();
  // What the pods already bound to each node request (for regular nodes).
  absl::flat_hash_map<std::string, burst::NodeLoad> load;
  if (may_use_regular) load = burst::NodeLoads(informers_.pods().List());
  absl::flat_hash_map<std::string, burst::StockCoolDowns::Active> cooling;
  for (burst::StockCoolDowns::Active& active : stock_.ActiveCoolDowns()) cooling[active.node] = std::move(active);
  for (const auto& candidate : informers_.nodes().List()) {
    const std::string& name = candidate->metadata.name;
    if (!burst::SchedulerHints(pod, *candidate).empty()) continue;  // kube-scheduler would not send it there.
    if (rule_.IsVirtual(*candidate)) {
      if (burst::ArchitectureMismatch(pod, *candidate)) continue;  // The extender would not send it there.
      if (auto it = cooling.find(name); it != cooling.end()) {
        input.blocking.push_back(it->second);
      } else {
        input.elsewhere.push_back(name);
      }
    } else if (may_use_regular) {
      const burst::NodeLoad& l = load[name];
      if (burst::ResourceHints(pod, *candidate, l.used, l.pods).empty()) input.elsewhere.push_back(name);
    }
  }
  std::sort(input.elsewhere.begin(), input.elsewhere.end());
  return input;
}

absl::Status StockWatcher::Apply(const std::string& key, const kube::PodRecord& pod, const StockPlan& plan) {
  const kube::ObjectReference reference{"v1", "Pod", std::string(pod.namespace_()), std::string(pod.name()),
                                        std::string(pod.uid())};
  switch (plan.action) {
    case StockPlan::Action::kNone:
      waiting_.erase(key);
      VLOG(1) << "stock pod=" << key << " on " << pod.node_name() << " kept: " << plan.why;
      return absl::OkStatus();
    case StockPlan::Action::kWait:
      if (plan.waiting_event.has_value()) {
        waiting_[key] = std::string(pod.uid());
        metrics_.CountStuckPod("waiting");
        LOG(INFO) << "stock pod=" << key << " node=" << pod.node_name() << " action=wait why=" << LogValue(plan.why);
        (void)events_.Record(reference, kube::EventType::kWarning, "WaitingForStock", *plan.waiting_event);
      }
      controller_.EnqueueAfter(key, plan.look_again_in);
      return absl::OkStatus();
    case StockPlan::Action::kDelete:
      break;
  }
  const kube::ResourcePath path{"", "v1", "pods", std::string(pod.namespace_()), std::string(pod.name()), ""};
  absl::Status deleted = client_.DeleteUid(path, std::string(pod.uid()));
  if (deleted.code() == absl::StatusCode::kNotFound || deleted.code() == absl::StatusCode::kAborted) {
    return absl::OkStatus();  // Gone, or already replaced by a pod of the same name.
  }
  if (!deleted.ok()) return deleted;
  backoff_.Deleted(std::string(pod.owner_uid()), clock_.Now());
  waiting_.erase(key);
  metrics_.CountStuckPod("deleted");
  LOG(INFO) << "stock pod=" << key << " node=" << pod.node_name() << " action=delete why=" << LogValue(plan.why);
  (void)events_.Record(reference, kube::EventType::kNormal, "DeletedForStock",
                       absl::StrCat(plan.why, "; deleted so its ", pod.owner_kind(), " ", pod.owner_name(),
                                    " recreates it there"));
  return absl::OkStatus();
}

}  // namespace spillway::autoscaler
