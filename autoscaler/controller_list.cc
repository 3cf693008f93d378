#include "autoscaler/controller_list.h"

#include "autoscaler/deletion_cost.h"
#include "autoscaler/elastic_workload.h"
#include "autoscaler/repatriator.h"
#include "autoscaler/rescuer.h"
#include "autoscaler/stock_watcher.h"
#include "glog/logging.h"

namespace spillway::autoscaler {
namespace {

// A config switch that is on unless set to false.
bool On(bool has, bool value) { return !has || value; }

ControllerDescriptor RescueController() {
  return {"rescue",
          [](const AutoscalerOptions& o) { return On(o.config.rescue().has_enabled(), o.config.rescue().enabled()); },
          [](const ControllerContext& c) -> std::unique_ptr<Runnable> {
            Rescuer::Options options;
            options.config = c.options.config.rescue();
            options.own_namespace = c.options.own_namespace;
            options.quota = c.options.quota;
            options.eci_profile = c.options.eci_profile;
            options.may_act = c.may_act;
            return std::make_unique<Rescuer>(c.client, c.informers, c.resolver, c.rule, c.events, c.clock, c.metrics,
                                             options);
          }};
}

ControllerDescriptor DeletionCostController() {
  return {"deletion_cost",
          [](const AutoscalerOptions& o) {
            return On(o.config.deletion_cost().has_enabled(), o.config.deletion_cost().enabled());
          },
          [](const ControllerContext& c) -> std::unique_ptr<Runnable> {
            DeletionCost::Options options;
            const config::DeletionCostConfig& cost = c.options.config.deletion_cost();
            if (cost.has_virtual_node_cost()) options.cost = cost.virtual_node_cost();
            options.may_act = c.may_act;
            return std::make_unique<DeletionCost>(c.client, c.informers, c.rule, c.clock, c.metrics, options);
          }};
}

ControllerDescriptor ElasticWorkloadControllerDescriptor() {
  return {"elastic_workload",
          [](const AutoscalerOptions& o) {
            return On(o.config.elastic_workload().has_enabled(), o.config.elastic_workload().enabled());
          },
          [](const ControllerContext& c) -> std::unique_ptr<Runnable> {
            ElasticWorkloadController::Options options;
            options.may_act = c.may_act;
            options.resolver = &c.resolver;
            options.rule = &c.rule;
            return std::make_unique<ElasticWorkloadController>(c.client, c.elastic_workload_events, c.clock,
                                                               c.metrics, options);
          }};
}

// Runs when `serve` keeps stock cool-downs (the extender reads them too).
ControllerDescriptor StockController() {
  return {"stock", [](const AutoscalerOptions& o) { return o.stock != nullptr; },
          [](const ControllerContext& c) -> std::unique_ptr<Runnable> {
            StockWatcher::Options options;
            const config::StockConfig& stock = c.options.config.stock();
            options.delete_stuck_pods = On(stock.has_delete_stuck_pods(), stock.delete_stuck_pods());
            options.may_act = c.may_act;
            return std::make_unique<StockWatcher>(c.client, c.informers, c.resolver, c.rule, *c.options.stock,
                                                  c.events, c.clock, c.metrics, options);
          }};
}

// Off unless configured: it evicts running pods.
ControllerDescriptor RepatriationController() {
  return {"repatriation", [](const AutoscalerOptions& o) { return o.config.repatriation().enabled(); },
          [](const ControllerContext& c) -> std::unique_ptr<Runnable> {
            Repatriator::Options options;
            const config::RepatriationConfig& config = c.options.config.repatriation();
            options.plan = RepatriationOptionsFrom(config);
            if (config.has_interval_seconds()) options.interval = absl::Seconds(config.interval_seconds());
            options.may_act = c.may_act;
            if (config.capacity_requests().enabled()) {
              // Validated with the config (app/config_loader.cc).
              absl::StatusOr<CapacityRequestOptions> capacity =
                  CapacityRequestOptionsFrom(config.capacity_requests());
              CHECK(capacity.ok()) << capacity.status();
              capacity->ns = c.options.own_namespace;
              options.capacity = *std::move(capacity);
            }
            return std::make_unique<Repatriator>(c.client, c.informers, c.resolver, c.rule, c.events, c.clock,
                                                 c.metrics, options);
          }};
}

}  // namespace

const std::vector<ControllerDescriptor>& Controllers() {
  static const auto* const kList = new std::vector<ControllerDescriptor>{
      RescueController(),
      DeletionCostController(),
      ElasticWorkloadControllerDescriptor(),
      StockController(),
      RepatriationController(),
  };
  return *kList;
}

}  // namespace spillway::autoscaler
