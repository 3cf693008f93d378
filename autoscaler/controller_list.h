// The autoscaler's controllers as a list, as kube-controller-manager's
// controller descriptors: each has a name, says whether this configuration
// enables it, and builds itself from what every controller may use. A new
// controller is its own files plus one entry in Controllers().
//
// Immutable; safe to read from any thread.
#ifndef SPILLWAY_AUTOSCALER_CONTROLLER_LIST_H_
#define SPILLWAY_AUTOSCALER_CONTROLLER_LIST_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "autoscaler/metrics.h"
#include "autoscaler/options.h"
#include "autoscaler/runnable.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"

namespace spillway::autoscaler {

// What a controller may use; everything outlives the controllers.
struct ControllerContext {
  kube::RestClient& client;
  kube::ClusterInformers& informers;
  const burst::IntentResolver& resolver;
  const burst::VirtualNodeRule& rule;
  const Clock& clock;
  AutoscalerMetrics& metrics;
  // Events from source component "spillway-autoscaler".
  kube::EventRecorder& events;
  // Events from source component "ElasticWorkload", as
  // ack-kubernetes-elastic-workload's (users alert on them).
  kube::EventRecorder& elastic_workload_events;
  const AutoscalerOptions& options;
  // Whether this replica may act (holds the Lease); checked before every write.
  std::function<bool()> may_act;
};

struct ControllerDescriptor {
  // The label of spillway_autoscaler_reconciles_total{controller} (kControllers).
  absl::string_view name;
  // Whether `options` turn it on.
  std::function<bool(const AutoscalerOptions& options)> enabled;
  // Builds it before the shared informers start (it may add handlers).
  std::function<std::unique_ptr<Runnable>(const ControllerContext& context)> construct;
};

// Every controller, in the order they start (and queue on becoming leader).
const std::vector<ControllerDescriptor>& Controllers();

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_CONTROLLER_LIST_H_
