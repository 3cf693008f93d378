// Capacity hand-back, the controller's half (issue 24.2;
// docs/node-autoscalers.md, "Asking for ECS capacity"): keeps one
// placeholder pod per burst ECI pod that PlanHandBack (hand_back_plan.h)
// says is worth a node, shaped like it (its CPU and memory requests, a pause
// container), at priority -1 (PriorityClass `spillway-capacity-request`).
// A node autoscaler adds nodes for the Pending placeholders; a real pod
// preempts them; repatriation counts the room they hold as free and deletes
// the ones in the way just before it evicts a pod to move home.
//
// Placeholders live in Spillway's namespace, labelled
// `spillway.alibabacloud.com/capacity-request: "true"`, annotated with the
// ECI pod they stand for, and `cluster-autoscaler.kubernetes.io/safe-to-evict:
// "true"` (a bare pod would otherwise block scale-down). A placeholder whose
// ECI pod is gone is deleted; one whose ECI pod still runs on ECI stays
// (sticky) until the pod moves home or goes.
//
// Thread-compatible: the Repatriator calls it from its one worker.
#ifndef SPILLWAY_AUTOSCALER_CAPACITY_REQUESTER_H_
#define SPILLWAY_AUTOSCALER_CAPACITY_REQUESTER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "autoscaler/hand_back_plan.h"
#include "autoscaler/metrics.h"
#include "boost/json.hpp"
#include "kube/pod_record.h"
#include "kube/rest_client.h"
#include "proto/config.pb.h"

namespace spillway::autoscaler {

inline constexpr char kCapacityRequestLabel[] = "spillway.alibabacloud.com/capacity-request";
inline constexpr char kCapacityForAnnotation[] = "spillway.alibabacloud.com/capacity-for";
inline constexpr char kCapacityPriorityClass[] = "spillway-capacity-request";

bool IsPlaceholder(const kube::PodRecord& pod);

struct CapacityRequestOptions {
  std::vector<NodeShape> shapes;
  HandBackPrices prices;
  HandBackOptions timing;
  std::string ns = "kube-system";  // Where placeholders live.
  std::string priority_class = kCapacityPriorityClass;
  std::string image = "registry.k8s.io/pause:3.9";
  int max_writes_per_pass = 20;  // Creates and deletes, so a peak of 1,000 pods is spread out.
};

// The config section, validated: InvalidArgument naming the field.
absl::StatusOr<CapacityRequestOptions> CapacityRequestOptionsFrom(const config::CapacityRequestConfig& config);

// The placeholder for ECI pod `eci` (namespace/name, uid), pure.
boost::json::object BuildPlaceholder(const CapacityRequestOptions& options, const std::string& eci_key,
                                     const std::string& eci_uid, int64_t cpu_milli, int64_t memory_bytes);
std::string PlaceholderName(const std::string& eci_uid);

class CapacityRequester {
 public:
  // `client` and `metrics` must outlive it.
  CapacityRequester(kube::RestClient& client, AutoscalerMetrics& metrics, CapacityRequestOptions options);

  // One pass. `eci`: burst pods running on ECI that ECS has no room for now;
  // `placeholders`: the placeholder pods in the cache; `alive`: the keys of
  // every pod that still exists.
  void Reconcile(const std::vector<EciPod>& eci, const std::map<std::string, std::string>& eci_uids,
                 const std::vector<std::shared_ptr<const kube::PodRecord>>& placeholders, absl::Time now);

  // Deletes `placeholder` (repatriation makes room for a pod moving home).
  absl::Status Delete(const kube::PodRecord& placeholder);

  // Why each burst ECI pod has no placeholder yet (for `spillway explain`).
  const std::vector<std::pair<std::string, std::string>>& waiting() const { return waiting_; }

 private:
  kube::RestClient& client_;
  AutoscalerMetrics& metrics_;
  const CapacityRequestOptions options_;
  std::vector<std::pair<std::string, std::string>> waiting_;
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_CAPACITY_REQUESTER_H_
