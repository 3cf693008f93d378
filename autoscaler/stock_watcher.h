// Reacts to the ECI stock Events of docs/eci-rules.md §6 (NoStock, StockExhaust,
// StockClose, Throttling, UnknownError, ResourceInsufficient, QuotaFull):
// the virtual node the pod was on (or the Event's source host) starts a
// cool-down in burst::StockCoolDowns, which the extender honours; and a pod
// left Pending (or ProviderFailed) there is deleted so its controller
// recreates it elsewhere, when somewhere else can run it (stock_plan.h: else
// it waits, with one Event, and is looked at again when the first cool-down
// ends), at most one per workload per backoff step, only pods a controller
// owns (never bare pods), and only by the leader. Stock Events not about a
// Pod, not from the virtual kubelet or stale are counted and ignored.
//
// Construct before the informers start; thread-safe.
#ifndef SPILLWAY_AUTOSCALER_STOCK_WATCHER_H_
#define SPILLWAY_AUTOSCALER_STOCK_WATCHER_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"

#include "absl/status/status.h"
#include "autoscaler/controller.h"
#include "autoscaler/metrics.h"
#include "autoscaler/runnable.h"
#include "autoscaler/stock_plan.h"
#include "burst/intent_resolver.h"
#include "burst/stock.h"
#include "burst/virtual_node.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"

namespace spillway::autoscaler {

// Why a stuck pod must be kept despite a stock-out, or nullopt: the pod's own
// k8s.aliyun.com/eci-reschedule-enable or pod-fail-on-create-err "true"
// (docs/eci-rules.md §5); deleting it would fight that choice.
std::optional<std::string> KeepStuckPod(const kube::StringMap& annotations);

class StockWatcher : public Runnable {
 public:
  struct Options {
    bool delete_stuck_pods = true;
    std::function<bool()> may_act = [] { return true; };
  };

  // Everything referenced must outlive it.
  StockWatcher(kube::RestClient& client, kube::ClusterInformers& informers, const burst::IntentResolver& resolver,
               const burst::VirtualNodeRule& rule, burst::StockCoolDowns& stock, kube::EventRecorder& events,
               const Clock& clock, AutoscalerMetrics& metrics, Options options);

  void Start() override { controller_.Start(); }
  void Stop() override { controller_.Stop(); }

  // Deletes pod `key` if it is still Pending on a cooling virtual node, a
  // controller owns it and another node could run it (PlanStuckPod).
  absl::Status Reconcile(const std::string& key);

 private:
  void Observe(const kube::Event& event);
  // What PlanStuckPod needs about `pod`, stuck on virtual node `node`.
  StuckPod Read(const kube::Pod& pod, const std::string& node, const kube::PodRecord& cached);
  absl::Status Apply(const std::string& key, const kube::PodRecord& pod, const StockPlan& plan);

  kube::RestClient& client_;
  kube::ClusterInformers& informers_;
  const burst::IntentResolver& resolver_;
  const Clock& clock_;
  const burst::VirtualNodeRule& rule_;
  burst::StockCoolDowns& stock_;
  kube::EventRecorder& events_;
  AutoscalerMetrics& metrics_;
  const Options options_;
  // Owned by the controller's one worker (Reconcile).
  DeletionBackoff backoff_;
  // Pods told to wait for stock (key to uid), so they get one Event and a
  // last look when the cool-down ends. Entries go when the pod does.
  absl::flat_hash_map<std::string, std::string> waiting_;
  Controller controller_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_STOCK_WATCHER_H_
