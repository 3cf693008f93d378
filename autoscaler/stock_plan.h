// What the stock watcher does with a pod stuck on a virtual node whose zone
// ran out of ECI stock (docs/eci-rules.md §6), as pure functions of what it
// read, so that the rules are a table test:
//
//  - delete the pod (its controller recreates it and kube-scheduler places
//    the new one) only when a node that could run it exists now: another
//    virtual node that is not cooling down, or a regular node with room when
//    the pod may use regular nodes. When every node it may use is out of stock,
//    a replacement would land on an out-of-stock node again and be deleted
//    again (a region-wide stock-out turned a 6-replica StatefulSet into 226
//    pods in 25 s): the pod waits where it is, with one Event saying why and
//    when Spillway looks again (the first cool-down to end);
//  - when the cool-downs end, a waiting pod the virtual kubelet gave up on
//    (ProviderFailed) is deleted so it is created again; one it is still
//    creating is left to it (a new stock Event starts a new cool-down);
//  - never more than one deletion per workload per backoff step (1 s doubling
//    to 5 min, forgotten after 10 quiet minutes), as kube's controllers back
//    off a failing item;
//  - never a bare pod (nothing would recreate it), never against the pod's own
//    k8s.aliyun.com/eci-reschedule-enable or pod-fail-on-create-err choice.
//
// Stock Events are trusted only when they are about a Pod, come from the
// virtual kubelet, and are fresh (JudgeStockEvent).
//
// Thread-safety: the functions are pure; DeletionBackoff is not thread-safe
// (the stock controller's one worker owns it).
#ifndef SPILLWAY_AUTOSCALER_STOCK_PLAN_H_
#define SPILLWAY_AUTOSCALER_STOCK_PLAN_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "burst/stock.h"
#include "kube/objects.h"

namespace spillway::autoscaler {

// Why a stock Event is ignored, or kTrusted.
enum class StockEventTrust {
  kTrusted,
  kNotAboutAPod,           // involvedObject is not a Pod.
  kNotFromVirtualKubelet,  // source.component is not the virtual kubelet's.
  kStale,                  // Seen last longer ago than its reason's cool-down.
};
// The metric label of a verdict ("trusted", "not_a_pod", "not_virtual_kubelet", "stale").
absl::string_view StockEventTrustName(StockEventTrust trust);

// Judges a stock Event. The virtual kubelet reports as component
// "virtual-kubelet" (ACK) or "<virtual node>/pod-controller" (upstream
// virtual-kubelet's pod controller); `is_virtual_node` answers for a node name.
// Its last sighting is lastTimestamp, else eventTime, else the creation time
// the API server set.
StockEventTrust JudgeStockEvent(const kube::Event& event, absl::Time now, const burst::StockPolicy& policy,
                                const std::function<bool(absl::string_view)>& is_virtual_node);

// What the watcher read about one pod on a cooling virtual node.
struct StuckPod {
  std::string node;                   // The virtual node it is bound to.
  bool has_controller = false;
  std::optional<std::string> keep;    // The pod's own choice to stay (KeepStuckPod).
  std::optional<std::string> cooling; // Why its node is avoided; nullopt once it is not.
  bool waiting = false;               // Spillway already told it to wait for stock.
  bool provider_failed = false;       // status.reason ProviderFailed: the virtual kubelet gave up.
  // Nodes that could run it now (kube-scheduler's filters, room, not cooling).
  std::vector<std::string> elsewhere;
  // The cool-downs that block the nodes it may use, with their ends.
  std::vector<burst::StockCoolDowns::Active> blocking;
  // When the pod's workload may lose another pod (DeletionBackoff).
  absl::Time owner_may_delete_at = absl::InfinitePast();
  absl::Time now;
};

struct StockPlan {
  enum class Action {
    kNone,    // Nothing to do (not stuck for stock, kept by choice, bare).
    kDelete,  // Delete it: somewhere else can run it.
    kWait,    // Keep it; look again after `look_again_in`.
  };
  Action action = Action::kNone;
  std::string why;
  absl::Duration look_again_in = absl::ZeroDuration();
  // The one Event telling the pod's owner it waits (reason WaitingForStock).
  std::optional<std::string> waiting_event;
};

StockPlan PlanStuckPod(const StuckPod& pod);

// Per-workload deletion backoff: after a deletion the workload waits 1 s, then
// 2 s, 4 s, ... up to 5 minutes; 10 minutes without one resets it.
class DeletionBackoff {
 public:
  // When `owner` may lose a pod next.
  absl::Time NextAllowed(const std::string& owner, absl::Time now) const;
  // A pod of `owner` was deleted at `now`.
  void Deleted(const std::string& owner, absl::Time now);

 private:
  struct Entry {
    absl::Time last;
    absl::Duration delay;
  };
  absl::flat_hash_map<std::string, Entry> owners_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_STOCK_PLAN_H_
