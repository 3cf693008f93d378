// core/v1 Node (pkg/registry/core/node/strategy.go; printNode).
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using namespace printing;  // NOLINT: the printers' vocabulary.

std::string NodeStatus(const json::object& node) {
  std::string ready = "Unknown";
  for (const json::value& c : Arr(Obj(node, "status"), "conditions")) {
    if (c.is_object() && Str(c.get_object(), "type") == "Ready") {
      ready = Str(c.get_object(), "status") == "True" ? "Ready" : "NotReady";
    }
  }
  const json::value* unschedulable = Obj(node, "spec").if_contains("unschedulable");
  if (unschedulable != nullptr && unschedulable->is_bool() && unschedulable->get_bool()) {
    ready += ",SchedulingDisabled";
  }
  return ready;
}

std::string Roles(const json::object& node) {
  std::vector<std::string> roles;
  for (const auto& [key, value] : Obj(Obj(node, "metadata"), "labels")) {
    const std::string label(key);
    if (absl::StartsWith(label, "node-role.kubernetes.io/")) {
      roles.push_back(label.substr(sizeof("node-role.kubernetes.io/") - 1));
    } else if (label == "kubernetes.io/role" && value.is_string()) {
      roles.emplace_back(value.get_string());
    }
  }
  return OrNone(absl::StrJoin(roles, ","));
}

json::array NodeCells(const json::object& node, absl::Time now) {
  const json::object& status = Obj(node, "status");
  std::string internal_ip, external_ip;
  for (const json::value& a : Arr(status, "addresses")) {
    if (!a.is_object()) continue;
    if (Str(a.get_object(), "type") == "InternalIP" && internal_ip.empty()) internal_ip = Str(a.get_object(), "address");
    if (Str(a.get_object(), "type") == "ExternalIP" && external_ip.empty()) external_ip = Str(a.get_object(), "address");
  }
  const json::object& info = Obj(status, "nodeInfo");
  return json::array{NodeStatus(node), Roles(node), Age(node, now), Str(info, "kubeletVersion"),
                     OrNone(internal_ip), OrNone(external_ip), OrNone(Str(info, "osImage")),
                     OrNone(Str(info, "kernelVersion")), OrNone(Str(info, "containerRuntimeVersion"))};
}

class NodeStrategyImpl : public KindStrategy {
 public:
  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Status", "string"}, {"Roles", "string"}, {"Age", "string"}, {"Version", "string"},
                     {"Internal-IP", "string", 1}, {"External-IP", "string", 1}, {"OS-Image", "string", 1},
                     {"Kernel-Version", "string", 1}, {"Container-Runtime", "string", 1}},
                    NodeCells};
    return kPrinter;
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = new FieldLabels(OwnPathFieldLabels({"spec.unschedulable"}));
    return kLabels;
  }
};

}  // namespace

const KindStrategy& NodeStrategy() {
  static const auto* const kStrategy = new NodeStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
