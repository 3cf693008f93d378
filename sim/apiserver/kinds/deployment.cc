// apps/v1 Deployment (pkg/registry/apps/deployment/strategy.go; printDeployment).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using namespace printing;  // NOLINT: the printers' vocabulary.

json::array DeploymentCells(const json::object& deployment, absl::Time now) {
  const json::object& spec = Obj(deployment, "spec");
  const json::object& status = Obj(deployment, "status");
  const json::object& pod_spec = Obj(Obj(spec, "template"), "spec");
  return json::array{absl::StrCat(Int(status, "readyReplicas"), "/", Int(spec, "replicas")),
                     Int(status, "updatedReplicas"), Int(status, "availableReplicas"), Age(deployment, now),
                     Containers(pod_spec, "name"), Containers(pod_spec, "image"), Selector(spec)};
}

class DeploymentStrategyImpl : public SelectorWorkloadStrategy {
 public:
  void Default(json::object& object) const override {
    json::object& spec = ObjectField(object, "spec");
    SetDefault(spec, "replicas", 1);
    SetDefault(spec, "revisionHistoryLimit", 10);
    SetDefault(spec, "progressDeadlineSeconds", 600);
    json::object& strategy = ObjectField(spec, "strategy");
    SetDefault(strategy, "type", "RollingUpdate");
    if (strategy.at("type") == "RollingUpdate") {
      json::object& rolling = ObjectField(strategy, "rollingUpdate");
      SetDefault(rolling, "maxUnavailable", "25%");
      SetDefault(rolling, "maxSurge", "25%");
    }
    DefaultTemplate(spec);
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Ready", "string"}, {"Up-to-date", "integer"}, {"Available", "integer"}, {"Age", "string"},
                     {"Containers", "string", 1}, {"Images", "string", 1}, {"Selector", "string", 1}},
                    DeploymentCells};
    return kPrinter;
  }
};

}  // namespace

const KindStrategy& DeploymentStrategy() {
  static const auto* const kStrategy = new DeploymentStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
