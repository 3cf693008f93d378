// The components of `spillway serve`, as a list (after kube-controller-manager's
// named controller descriptors): each declares what it needs from the process
// (cluster access, which shared caches) and, once created, registers its
// routes on the main port, its readiness, its own ports and its start/stop.
// Adding a component is one descriptor in components.cc and a file of its
// own; ServeApp and the other components do not change.
//
// Threading: Handle() and NotReady() are called from the HTTP server's
// threads; Start()/Stop() from the thread that runs ServeApp::Start/Stop.
#ifndef SPILLWAY_APP_COMPONENT_H_
#define SPILLWAY_APP_COMPONENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "admin/contributor.h"
#include "burst/eci_profile.h"
#include "burst/eci_quota.h"
#include "burst/intent_resolver.h"
#include "burst/stock.h"
#include "burst/virtual_node.h"
#include "common/http/server.h"
#include "kube/cluster_informers.h"
#include "kube/rest_client.h"
#include "prometheus/registry.h"
#include "proto/config.pb.h"

namespace spillway::app {

struct ServeOptions;

// What the process shares with its components; everything outlives them.
// Cluster parts are null without cluster access.
struct ProcessParts {
  const ServeOptions& options;
  const config::SpillwayConfig& config;
  prometheus::Registry& registry;
  const burst::VirtualNodeRule& rule;
  const burst::IntentResolver& resolver;
  const burst::EciProfileStore& eci_profile;
  kube::RestClient* client = nullptr;
  kube::ClusterInformers* informers = nullptr;
  burst::EciQuota* quota = nullptr;         // When enforced (config or a component's need).
  burst::StockCoolDowns* stock = nullptr;   // When a component needs stock cool-downs.
  // Server options carrying the config's limits (server section).
  std::function<http::ServerOptions()> server_options;
  // The admin API's view of the process: every component's readiness, and
  // the running components as contributors to its answers.
  std::function<std::vector<admin::v1::ComponentStatus>()> component_states;
  std::function<std::vector<const admin::Contributor*>()> contributors;
};

// A component also contributes to the admin API's answers (ExplainPod,
// AddStatus; admin/contributor.h), from any thread.
class Component : public admin::Contributor {
 public:
  virtual ~Component() = default;
  // Path prefixes of the main port this component answers (e.g. "/extender/").
  virtual std::vector<std::string> RoutePrefixes() const { return {}; }
  virtual http::Response Handle(http::Request& request) {
    return http::ErrorResponse(404, "no route");
  }
  // Why the component cannot answer correctly yet; "" when it can.
  virtual std::string NotReady() const { return ""; }
  // After the shared caches started: its own ports and threads.
  virtual absl::Status Start() { return absl::OkStatus(); }
  // Stops within the process's shutdown grace (API calls are cut off then).
  virtual void Stop() {}
  // Ports of its own, by name (printed as "spillway: <name> on port N").
  virtual std::vector<std::pair<std::string, uint16_t>> Ports() const { return {}; }
};

struct ComponentDescriptor {
  std::string name;
  struct Needs {
    bool cluster = false;         // Refuses to start without cluster access.
    bool pods = false;            // The pod cache (and so ECI quota accounting).
    bool warning_events = false;  // The Warning Event cache.
    bool services = false;        // The Service cache.
    bool stock = false;           // Stock cool-downs.
    bool profile_mirror = false;  // Mirror the eci-profile into its webhook configuration.
  } needs;
  // Checks options before anything starts; InvalidArgument naming the flag.
  std::function<absl::Status(const ServeOptions&)> check;
  std::function<absl::StatusOr<std::unique_ptr<Component>>(ProcessParts&)> create;
};

// Every component this build has, in start order.
const std::vector<ComponentDescriptor>& ComponentList();

// The descriptors of each component (defined in their own files).
ComponentDescriptor ExtenderComponent();
ComponentDescriptor AutoscalerComponent();
ComponentDescriptor WebhookComponent();
ComponentDescriptor AdminComponent();

}  // namespace spillway::app

#endif  // SPILLWAY_APP_COMPONENT_H_
