#include "sim/cluster/stand_ins.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "sim/cluster/object_facts.h"
#include "sim/controllers/workload_controllers.h"
#include "sim/kubelet/kubelets.h"
#include "sim/nodeautoscaler/cluster_autoscaler.h"
#include "sim/scheduler/scheduler_config.h"

namespace spillway::sim {
namespace {

StandInDescriptor WorkloadControllersStandIn() {
  return {"controllers",
          {PathOf("apps", "v1", "deployments"), PathOf("apps", "v1", "replicasets"),
           PathOf("apps", "v1", "statefulsets"), PathOf("", "v1", "pods")},
          [](const StandInContext& c) -> absl::StatusOr<std::unique_ptr<StandIn>> {
            SPILLWAY_ASSIGN_OR_RETURN(std::unique_ptr<WorkloadControllers> controllers,
                                      WorkloadControllers::Create(c.client, c.reader, c.clock));
            return std::unique_ptr<StandIn>(std::move(controllers));
          }};
}

StandInDescriptor SchedulerStandIn() {
  return {"scheduler",
          {PathOf("", "v1", "nodes"), PathOf("", "v1", "pods")},
          [](const StandInContext& c) -> absl::StatusOr<std::unique_ptr<StandIn>> {
            SPILLWAY_ASSIGN_OR_RETURN(std::string yaml, ReadRegularFile(ScenarioPath(c.scenario, c.scenario.scheduler_config),
                                                                        1 << 20, "scheduler configuration"));
            SPILLWAY_ASSIGN_OR_RETURN(SchedulerConfig config, ParseSchedulerConfig(yaml));
            SPILLWAY_ASSIGN_OR_RETURN(
                std::unique_ptr<Scheduler> scheduler,
                Scheduler::Create(c.client, c.reader, c.clock,
                                  {config, absl::StrCat("127.0.0.1:", c.extender_port), c.scenario.seed}));
            c.outputs.scheduler = scheduler.get();
            return std::unique_ptr<StandIn>(std::move(scheduler));
          }};
}

StandInDescriptor KubeletsStandIn() {
  return {"kubelets",
          {PathOf("", "v1", "nodes"), PathOf("", "v1", "pods")},
          [](const StandInContext& c) -> absl::StatusOr<std::unique_ptr<StandIn>> {
            const Scenario& s = c.scenario;
            KubeletOptions options{s.ecs_startup, s.eci_startup_min, s.eci_startup_max, {}, s.seed};
            for (const StockOutWindow& window : s.stock_outs) {
              options.stock_outs.push_back({window.zone, c.start + window.from, c.start + window.until});
            }
            return std::unique_ptr<StandIn>(
                std::make_unique<Kubelets>(c.client, c.reader, c.clock, s.nodes, options));
          }};
}

StandInDescriptor HpaStandIn() {
  return {"hpa",
          {PathOf("autoscaling", "v2", "horizontalpodautoscalers"), PathOf("", "v1", "pods")},
          [](const StandInContext& c) -> absl::StatusOr<std::unique_ptr<StandIn>> {
            const Scenario* s = &c.scenario;
            const absl::Time start = c.start;
            auto hpa = std::make_unique<HpaController>(
                c.client, c.reader, c.clock,
                [s, start](const std::string& key, absl::Time at) {
                  auto curve = s->load.find(key);
                  return curve == s->load.end() ? 0.0 : LoadAt(curve->second, at - start) * 1000.0;
                },
                HpaController::Options{s->hpa_sync_period});
            c.outputs.hpa = hpa.get();
            return std::unique_ptr<StandIn>(std::move(hpa));
          }};
}

StandInDescriptor ClusterAutoscalerStandIn() {
  return {"cluster-autoscaler",
          {PathOf("", "v1", "nodes"), PathOf("", "v1", "pods")},
          [](const StandInContext& c) -> absl::StatusOr<std::unique_ptr<StandIn>> {
            auto autoscaler =
                std::make_unique<ClusterAutoscaler>(c.client, c.reader, c.clock, c.scenario.node_autoscaling);
            c.outputs.cluster_autoscaler = autoscaler.get();
            return std::unique_ptr<StandIn>(std::move(autoscaler));
          }};
}

}  // namespace

const std::vector<StandInDescriptor>& StandInList() {
  static const auto* const kList = new std::vector<StandInDescriptor>{
      WorkloadControllersStandIn(),
      SchedulerStandIn(),
      ClusterAutoscalerStandIn(),
      KubeletsStandIn(),
      HpaStandIn(),
  };
  return *kList;
}

std::vector<kube::ResourcePath> CollectionsStandInsRead() {
  std::vector<kube::ResourcePath> collections;
  for (const StandInDescriptor& descriptor : StandInList()) {
    for (const kube::ResourcePath& path : descriptor.reads) {
      const bool seen = std::any_of(collections.begin(), collections.end(), [&](const kube::ResourcePath& p) {
        return p.group == path.group && p.version == path.version && p.plural == path.plural;
      });
      if (!seen) collections.push_back(path);
    }
  }
  return collections;
}

absl::StatusOr<std::unique_ptr<StandIns>> StandIns::Create(const Scenario& scenario, kube::RestClient& client,
                                                           ClusterReader& reader, Clock& clock, absl::Time start,
                                                           uint16_t extender_port) {
  std::unique_ptr<StandIns> stand_ins(new StandIns());
  const StandInContext context{scenario, client, reader, clock, start, extender_port, stand_ins->outputs_};
  for (const StandInDescriptor& descriptor : StandInList()) {
    absl::StatusOr<std::unique_ptr<StandIn>> built = descriptor.construct(context);
    if (!built.ok()) {
      return absl::Status(built.status().code(),
                          absl::StrCat("stand-in ", descriptor.name, ": ", built.status().message()));
    }
    stand_ins->stand_ins_.emplace_back(descriptor.name, *std::move(built));
  }
  stand_ins->pass_times_.resize(stand_ins->stand_ins_.size());
  return stand_ins;
}

std::vector<std::string> StandIns::Tick() {
  std::vector<std::string> failures;
  for (size_t i = 0; i < stand_ins_.size(); ++i) {
    auto& [name, stand_in] = stand_ins_[i];
    const absl::Time start = absl::Now();
    if (absl::Status s = stand_in->Sync(); !s.ok()) failures.push_back(absl::StrCat(name, ": ", s.message()));
    pass_times_[i] += absl::Now() - start;
  }
  return failures;
}

std::vector<std::pair<std::string, absl::Duration>> StandIns::PassTimes() const {
  std::vector<std::pair<std::string, absl::Duration>> times;
  for (size_t i = 0; i < stand_ins_.size(); ++i) times.emplace_back(std::string(stand_ins_[i].first), pass_times_[i]);
  return times;
}

}  // namespace spillway::sim
