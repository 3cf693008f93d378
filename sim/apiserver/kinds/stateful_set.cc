// apps/v1 StatefulSet (pkg/registry/apps/statefulset/strategy.go).
#include <string>
#include <vector>

#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

class StatefulSetStrategyImpl : public SelectorWorkloadStrategy {
 public:
  void Default(json::object& object) const override {
    json::object& spec = ObjectField(object, "spec");
    SetDefault(spec, "replicas", 1);
    SetDefault(spec, "podManagementPolicy", "OrderedReady");
    SetDefault(spec, "revisionHistoryLimit", 10);
    json::object& strategy = ObjectField(spec, "updateStrategy");
    SetDefault(strategy, "type", "RollingUpdate");
    if (strategy.at("type") == "RollingUpdate") SetDefault(ObjectField(strategy, "rollingUpdate"), "partition", 0);
    DefaultTemplate(spec);
  }
};

}  // namespace

const KindStrategy& StatefulSetStrategy() {
  static const auto* const kStrategy = new StatefulSetStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
