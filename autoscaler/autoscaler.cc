#include "autoscaler/autoscaler.h"

#include <thread>
#include <utility>

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
  auto may_act = [this] { return leading_.load(); };
  const config::RescueConfig& rescue = options_.config.rescue();
  if (!rescue.has_enabled() || rescue.enabled()) {
    Rescuer::Options rescue_options;
    rescue_options.config = rescue;
    rescue_options.own_namespace = options_.own_namespace;
    rescue_options.quota = options_.quota;
    rescue_options.eci_profile = options_.eci_profile;
    rescue_options.may_act = may_act;
    rescuer_ = std::make_unique<Rescuer>(client, informers, resolver, rule, events_, clock, metrics_,
                                         rescue_options);
  }
  const config::DeletionCostConfig& cost = options_.config.deletion_cost();
  if (!cost.has_enabled() || cost.enabled()) {
    DeletionCost::Options cost_options;
    if (cost.has_virtual_node_cost()) cost_options.cost = cost.virtual_node_cost();
    cost_options.may_act = may_act;
    deletion_cost_ = std::make_unique<DeletionCost>(client, informers, rule, clock, metrics_, cost_options);
  }
  if (options_.stock != nullptr) {
    StockWatcher::Options stock_options;
    const config::StockConfig& stock = options_.config.stock();
    stock_options.delete_stuck_pods = !stock.has_delete_stuck_pods() || stock.delete_stuck_pods();
    stock_options.may_act = may_act;
    stock_watcher_ = std::make_unique<StockWatcher>(client, informers, resolver, rule, *options_.stock, events_,
                                                    clock, metrics_, stock_options);
  }
  ElasticWorkloadController::Options elastic_options;
  elastic_options.may_act = may_act;
  elastic_options.resolver = &resolver;
  elastic_options.rule = &rule;
  elastic_workloads_ = std::make_unique<ElasticWorkloadController>(client, elastic_workload_events_, clock, metrics_,
                                                                   elastic_options);
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

void Autoscaler::Start() {
  if (rescuer_ != nullptr) rescuer_->Start();
  if (deletion_cost_ != nullptr) deletion_cost_->Start();
  elastic_workloads_->Start();
  if (stock_watcher_ != nullptr) stock_watcher_->Start();
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
  if (rescuer_ != nullptr) rescuer_->Stop();
  if (deletion_cost_ != nullptr) deletion_cost_->Stop();
  elastic_workloads_->Stop();
  if (stock_watcher_ != nullptr) stock_watcher_->Stop();
}

void Autoscaler::StartedLeading() {
  leading_.store(true);
  metrics_.SetLeader(true);
  // Act on what is already there once the caches hold it.
  absl::MutexLock lock(&kickoff_mu_);
  if (kickoff_.joinable()) kickoff_.join();
  kickoff_ = std::thread([this] {
    while (leading_.load() && !informers_.HasSynced()) absl::SleepFor(absl::Milliseconds(20));
    if (!leading_.load()) return;
    if (rescuer_ != nullptr) rescuer_->EnqueueAll();
    if (deletion_cost_ != nullptr) deletion_cost_->EnqueueAll();
    while (leading_.load() && !elastic_workloads_->HasSynced()) absl::SleepFor(absl::Milliseconds(20));
    if (leading_.load()) elastic_workloads_->EnqueueAll();
  });
  LOG(INFO) << "autoscaler " << options_.identity << " is acting (leader)";
}

void Autoscaler::StoppedLeading() {
  if (!leading_.exchange(false)) return;
  metrics_.SetLeader(false);
  LOG(INFO) << "autoscaler " << options_.identity << " stopped acting";
}

}  // namespace spillway::autoscaler
