// apps/v1 ReplicaSet (pkg/registry/apps/replicaset/strategy.go; printReplicaSet).
#include <string>
#include <vector>

#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using namespace printing;  // NOLINT: the printers' vocabulary.

json::array ReplicaSetCells(const json::object& set, absl::Time now) {
  const json::object& spec = Obj(set, "spec");
  const json::object& status = Obj(set, "status");
  const json::object& pod_spec = Obj(Obj(spec, "template"), "spec");
  return json::array{Int(spec, "replicas"), Int(status, "replicas"), Int(status, "readyReplicas"), Age(set, now),
                     Containers(pod_spec, "name"), Containers(pod_spec, "image"), Selector(spec)};
}

class ReplicaSetStrategyImpl : public SelectorWorkloadStrategy {
 public:
  void Default(json::object& object) const override {
    json::object& spec = ObjectField(object, "spec");
    SetDefault(spec, "replicas", 1);
    DefaultTemplate(spec);
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Desired", "integer"}, {"Current", "integer"}, {"Ready", "integer"}, {"Age", "string"},
                     {"Containers", "string", 1}, {"Images", "string", 1}, {"Selector", "string", 1}},
                    ReplicaSetCells};
    return kPrinter;
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = new FieldLabels(OwnPathFieldLabels({"status.replicas"}));
    return kLabels;
  }
};

}  // namespace

const KindStrategy& ReplicaSetStrategy() {
  static const auto* const kStrategy = new ReplicaSetStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
