// core/v1 Pod (pkg/registry/core/pod/strategy.go; printPod).
#include <string>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using namespace printing;  // NOLINT: the printers' vocabulary.

// The QoS class of a pod spec (pkg/apis/core/helper/qos).
std::string QosClass(const json::object& spec) {
  bool any = false;
  bool guaranteed = true;
  for (const char* list : {"initContainers", "containers"}) {
    for (const json::value& container : Arr(spec, list)) {
      if (!container.is_object()) continue;
      const json::object& resources = Obj(container.get_object(), "resources");
      const json::object& requests = Obj(resources, "requests");
      const json::object& limits = Obj(resources, "limits");
      any = any || !requests.empty() || !limits.empty();
      for (const char* name : {"cpu", "memory"}) {
        const json::value* limit = limits.if_contains(name);
        const json::value* request = requests.if_contains(name);
        if (limit == nullptr || (request != nullptr && *request != *limit)) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

// A pod's STATUS as kubectl prints it: the phase, or the pod's reason, or a
// container's waiting / terminated reason; Terminating while being deleted.
std::string PodStatus(const json::object& pod) {
  const json::object& status = Obj(pod, "status");
  std::string reason = Str(status, "phase");
  if (!Str(status, "reason").empty()) reason = Str(status, "reason");
  for (const json::value& c : Arr(status, "containerStatuses")) {
    if (!c.is_object()) continue;
    const json::object& state = Obj(c.get_object(), "state");
    const json::object& waiting = Obj(state, "waiting");
    const json::object& terminated = Obj(state, "terminated");
    if (!Str(waiting, "reason").empty()) {
      reason = Str(waiting, "reason");
    } else if (!Str(terminated, "reason").empty()) {
      reason = Str(terminated, "reason");
    } else if (!terminated.empty()) {
      reason = Int(terminated, "signal") != 0 ? absl::StrCat("Signal:", Int(terminated, "signal"))
                                               : absl::StrCat("ExitCode:", Int(terminated, "exitCode"));
    }
  }
  if (Obj(pod, "metadata").contains("deletionTimestamp") && reason != "NodeLost") return "Terminating";
  return reason.empty() ? "Pending" : reason;
}

// READINESS GATES: "met/total", or "<none>".
std::string ReadinessGates(const json::object& spec, const json::object& status) {
  if (Arr(spec, "readinessGates").empty()) return "<none>";
  int64_t met = 0;
  for (const json::value& gate : Arr(spec, "readinessGates")) {
    if (!gate.is_object()) continue;
    for (const json::value& condition : Arr(status, "conditions")) {
      if (condition.is_object() && Str(condition.get_object(), "type") == Str(gate.get_object(), "conditionType") &&
          Str(condition.get_object(), "status") == "True") {
        ++met;
      }
    }
  }
  return absl::StrCat(met, "/", Arr(spec, "readinessGates").size());
}

json::array PodCells(const json::object& pod, absl::Time now) {
  const json::object& spec = Obj(pod, "spec");
  const json::object& status = Obj(pod, "status");
  int64_t ready = 0;
  int64_t restarts = 0;
  for (const json::value& c : Arr(status, "containerStatuses")) {
    if (!c.is_object()) continue;
    const json::value* r = c.get_object().if_contains("ready");
    if (r != nullptr && r->is_bool() && r->get_bool()) ++ready;
    restarts += Int(c.get_object(), "restartCount");
  }
  return json::array{absl::StrCat(ready, "/", Arr(spec, "containers").size()), PodStatus(pod),
                     std::to_string(restarts), Age(pod, now), OrNone(Str(status, "podIP")),
                     OrNone(Str(spec, "nodeName")), OrNone(Str(status, "nominatedNodeName")),
                     ReadinessGates(spec, status)};
}

class PodStrategyImpl : public KindStrategy {
 public:
  void Default(json::object& object) const override { DefaultPodSpec(ObjectField(object, "spec")); }

  // Whatever status the client sent is replaced by {phase: Pending, qosClass}.
  void PrepareForCreate(json::object& object) const override {
    const json::value* spec = object.if_contains("spec");
    object["status"] = json::object{
        {"phase", "Pending"},
        {"qosClass", QosClass(spec != nullptr && spec->is_object() ? spec->get_object() : json::object())}};
  }

  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    RequireContainers(json_fields::ObjectAt(object, {"spec"}), "spec.", problems);
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Ready", "string"}, {"Status", "string"}, {"Restarts", "string"}, {"Age", "string"},
                     {"IP", "string", 1}, {"Node", "string", 1}, {"Nominated Node", "string", 1},
                     {"Readiness Gates", "string", 1}},
                    PodCells};
    return kPrinter;
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = new FieldLabels(OwnPathFieldLabels(
        {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
         "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"}));
    return kLabels;
  }
};

}  // namespace

const KindStrategy& PodStrategy() {
  static const auto* const kStrategy = new PodStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
