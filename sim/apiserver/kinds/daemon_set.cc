// apps/v1 DaemonSet (pkg/registry/apps/daemonset/strategy.go).
#include <string>
#include <vector>

#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

class DaemonSetStrategyImpl : public SelectorWorkloadStrategy {
 public:
  void Default(json::object& object) const override {
    json::object& spec = ObjectField(object, "spec");
    SetDefault(spec, "revisionHistoryLimit", 10);
    json::object& strategy = ObjectField(spec, "updateStrategy");
    SetDefault(strategy, "type", "RollingUpdate");
    DefaultTemplate(spec);
  }
};

}  // namespace

const KindStrategy& DaemonSetStrategy() {
  static const auto* const kStrategy = new DaemonSetStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
