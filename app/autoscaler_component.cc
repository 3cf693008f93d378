// Component "autoscaler": the controllers (Unschedulable rescue, ECI-first
// deletion cost, ElasticWorkload, stock reaction, repatriation), acting only while this
// replica holds the Lease. Needs the pod and Warning Event caches and stock
// cool-downs (shared with the extender, which avoids cooled-down nodes).
#include <memory>

#include "app/component.h"
#include "app/serve_app.h"
#include "autoscaler/autoscaler.h"
#include "common/clock.h"

namespace spillway::app {
namespace {

class Autoscaler final : public Component {
 public:
  explicit Autoscaler(ProcessParts& parts) {
    autoscaler::AutoscalerOptions options;
    options.config = parts.config.autoscaler();
    options.identity = parts.options.leader_election.identity;
    options.own_namespace = parts.options.own_namespace;
    options.quota = parts.quota;
    options.stock = parts.stock;
    options.eci_profile = &parts.eci_profile;
    options.leader_elect = parts.options.leader_election.enabled;
    options.lease_namespace = parts.options.leader_election.lease_namespace;
    options.lease_name = parts.options.leader_election.lease_name;
    autoscaler_ = std::make_unique<autoscaler::Autoscaler>(*parts.client, *parts.informers, parts.resolver,
                                                           parts.rule, Clock::Real(), parts.registry, options);
  }
  absl::Status Start() override {
    autoscaler_->Start();
    return absl::OkStatus();
  }
  void Stop() override { autoscaler_->Stop(); }  // Releases the Lease.

  void ExplainPod(const kube::Pod& pod, admin::v1::ExplainResponse& out) const override {
    const autoscaler::RescueVerdict verdict = autoscaler_->ExplainRescue(pod);
    admin::v1::RescueExplanation& rescue = *out.mutable_rescue();
    rescue.set_outcome(verdict.outcome);
    rescue.set_why(verdict.why);
    rescue.set_acting(autoscaler_->IsLeader());
    const autoscaler::RepatriationVerdict home =
        autoscaler_->ExplainRepatriation(pod.metadata.namespace_ + "/" + pod.metadata.name);
    admin::v1::RepatriationExplanation& repatriation = *out.mutable_repatriation();
    repatriation.set_outcome(home.outcome);
    repatriation.set_reason(home.reason);
    repatriation.set_why(home.why);
    repatriation.set_acting(autoscaler_->IsLeader());
  }
  void AddStatus(admin::v1::StatusResponse& out) const override {
    const autoscaler::AutoscalerOptions& options = autoscaler_->options();
    admin::v1::LeaderStatus& leader = *out.mutable_leader();
    leader.set_election_enabled(options.leader_elect);
    leader.set_identity(options.identity);
    leader.set_leading(autoscaler_->IsLeader());
    if (options.leader_elect) leader.set_lease(options.lease_namespace + "/" + options.lease_name);
    for (const autoscaler::MoveInFlight& move : autoscaler_->RepatriationsInFlight()) {
      admin::v1::RepatriationMove& m = *out.add_repatriations();
      m.set_pod(move.pod);
      m.set_workload(move.workload);
      m.set_node(move.node);
      m.set_started_unix(absl::ToUnixSeconds(move.started));
    }
  }

 private:
  std::unique_ptr<autoscaler::Autoscaler> autoscaler_;
};

}  // namespace

ComponentDescriptor AutoscalerComponent() {
  ComponentDescriptor descriptor;
  descriptor.name = "autoscaler";
  descriptor.needs.cluster = true;
  descriptor.needs.pods = true;
  descriptor.needs.warning_events = true;
  descriptor.needs.stock = true;
  descriptor.create = [](ProcessParts& parts) -> absl::StatusOr<std::unique_ptr<Component>> {
    return std::make_unique<Autoscaler>(parts);
  };
  return descriptor;
}

}  // namespace spillway::app
