#include "autoscaler/autoscaler.h"

#include <thread>
#include <utility>

#include "autoscaler/controller_list.h"
#include "glog/logging.h"

namespace spillway::autoscaler {

Autoscaler::Autoscaler(kube::RestClient& client, kube::ClusterInformers& informers,
                       const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                       const Clock& clock, prometheus::Registry& registry, AutoscalerOptions options)
    : options_(std::move(options)),
      informers_(informers),
      metrics_(registry, options_.stock != nullptr ? options_.stock->policy().Reasons() : std::vector<std::string>{}),
      events_(client, clock, kube::EventRecorder::Options{"spillway-autoscaler", options_.identity, 4096}),
      elastic_workload_events_(client, clock,
                               kube::EventRecorder::Options{"ElasticWorkload", options_.identity, 4096}) {
  const ControllerContext context{client,   informers, resolver, rule,     clock,
                                  metrics_, events_,   elastic_workload_events_, options_,
                                  [this] { return leading_.load(); }};
  for (const ControllerDescriptor& descriptor : Controllers()) {
    if (!descriptor.enabled(options_)) {
      LOG(INFO) << "autoscaler controller=" << descriptor.name << " disabled by the configuration";
      continue;
    }
    controllers_.push_back(descriptor.construct(context));
    if (const auto* rescuer = dynamic_cast<const Rescuer*>(controllers_.back().get())) rescuer_ = rescuer;
    if (const auto* repatriator = dynamic_cast<const Repatriator*>(controllers_.back().get())) {
      repatriator_ = repatriator;
    }
  }
  if (options_.leader_elect) {
    kube::LeaderElector::Options elector;
    elector.lease_namespace = options_.lease_namespace;
    elector.lease_name = options_.lease_name;
    elector.identity = options_.identity;
    elector.lease_duration = options_.lease_duration;
    elector.renew_deadline = options_.renew_deadline;
    elector.retry_period = options_.retry_period;
    elector.on_started_leading = [this] { StartedLeading(); };
    elector.on_stopped_leading = [this] { StoppedLeading(); };
    elector_ = std::make_unique<kube::LeaderElector>(client, clock, elector);
  }
}

Autoscaler::~Autoscaler() { Stop(); }

RescueVerdict Autoscaler::ExplainRescue(const kube::Pod& pod) const {
  if (rescuer_ == nullptr) return {"disabled", "the rescue is off (autoscaler.rescue.enabled: false)"};
  return rescuer_->Explain(pod);
}

RepatriationVerdict Autoscaler::ExplainRepatriation(const std::string& pod_key) const {
  if (repatriator_ == nullptr) {
    return {"disabled", "", "repatriation is off (autoscaler.repatriation.enabled is not true)"};
  }
  return repatriator_->Explain(pod_key);
}

std::vector<MoveInFlight> Autoscaler::RepatriationsInFlight() const {
  return repatriator_ == nullptr ? std::vector<MoveInFlight>{} : repatriator_->InFlight();
}

void Autoscaler::Start() {
  for (const auto& controller : controllers_) controller->Start();
  if (elector_ != nullptr) {
    elector_->Start();
  } else {
    StartedLeading();
  }
}

void Autoscaler::Stop() {
  if (elector_ != nullptr) elector_->Stop();  // Releases the lease for a standby.
  StoppedLeading();
  {
    absl::MutexLock lock(&kickoff_mu_);
    if (kickoff_.joinable()) kickoff_.join();
  }
  for (const auto& controller : controllers_) controller->Stop();
}

void Autoscaler::StartedLeading() {
  leading_.store(true);
  metrics_.SetLeader(true);
  // Act on what is already there once the caches hold it.
  absl::MutexLock lock(&kickoff_mu_);
  if (kickoff_.joinable()) kickoff_.join();
  kickoff_ = std::thread([this] {
    while (leading_.load() && !informers_.HasSynced()) absl::SleepFor(absl::Milliseconds(20));
    // Each controller as soon as its own caches are filled: one that never
    // syncs (the ElasticWorkload CRD not installed) must not hold the others.
    std::vector<Runnable*> waiting;
    for (const auto& controller : controllers_) waiting.push_back(controller.get());
    while (leading_.load() && !waiting.empty()) {
      for (auto it = waiting.begin(); it != waiting.end();) {
        if (!(*it)->HasSynced()) {
          ++it;
          continue;
        }
        (*it)->EnqueueAll();
        it = waiting.erase(it);
      }
      if (!waiting.empty()) absl::SleepFor(absl::Milliseconds(20));
    }
  });
  LOG(INFO) << "autoscaler " << options_.identity << " is acting (leader)";
}

void Autoscaler::StoppedLeading() {
  if (!leading_.exchange(false)) return;
  metrics_.SetLeader(false);
  LOG(INFO) << "autoscaler " << options_.identity << " stopped acting";
}

}  // namespace spillway::autoscaler
