// Reacts to the ECI stock Events of docs/eci-rules.md §6 (NoStock, StockExhaust,
// StockClose, Throttling, UnknownError, ResourceInsufficient, QuotaFull):
// the virtual node the pod was on (or the Event's source host) starts a
// cool-down in burst::StockCoolDowns, which the extender honours; and a pod
// left Pending (or ProviderFailed) there is deleted so its controller
// recreates it elsewhere —
// only pods a controller owns (never bare pods), and only by the leader.
//
// Construct before the informers start; thread-safe.
#ifndef SPILLWAY_AUTOSCALER_STOCK_WATCHER_H_
#define SPILLWAY_AUTOSCALER_STOCK_WATCHER_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "autoscaler/controller.h"
#include "autoscaler/metrics.h"
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

class StockWatcher {
 public:
  struct Options {
    bool delete_stuck_pods = true;
    std::function<bool()> may_act = [] { return true; };
  };

  // Everything referenced must outlive it.
  StockWatcher(kube::RestClient& client, kube::ClusterInformers& informers,
               const burst::VirtualNodeRule& rule, burst::StockCoolDowns& stock, kube::EventRecorder& events,
               const Clock& clock, AutoscalerMetrics& metrics, Options options);

  void Start() { controller_.Start(); }
  void Stop() { controller_.Stop(); }

  // Deletes pod `key` if it is still Pending on a cooling virtual node and a
  // controller owns it.
  absl::Status Reconcile(const std::string& key);

 private:
  void Observe(const kube::Event& event);

  kube::RestClient& client_;
  kube::ClusterInformers& informers_;
  const burst::VirtualNodeRule& rule_;
  burst::StockCoolDowns& stock_;
  kube::EventRecorder& events_;
  AutoscalerMetrics& metrics_;
  const Options options_;
  Controller controller_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_STOCK_WATCHER_H_
