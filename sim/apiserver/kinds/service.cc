// core/v1 Service (pkg/registry/core/service/strategy.go; printService).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using namespace printing;  // NOLINT: the printers' vocabulary.

// PORT(S): "80/TCP", or "80:30080/TCP" with a node port.
std::string Ports(const json::object& spec) {
  std::vector<std::string> ports;
  for (const json::value& p : Arr(spec, "ports")) {
    if (!p.is_object()) continue;
    const json::object& port = p.get_object();
    const std::string protocol = Str(port, "protocol").empty() ? "TCP" : Str(port, "protocol");
    ports.push_back(Int(port, "nodePort") > 0
                        ? absl::StrCat(Int(port, "port"), ":", Int(port, "nodePort"), "/", protocol)
                        : absl::StrCat(Int(port, "port"), "/", protocol));
  }
  return OrNone(absl::StrJoin(ports, ","));
}

std::string ExternalIp(const json::object& service, const std::string& type) {
  const json::object& spec = Obj(service, "spec");
  if (type == "ExternalName") return Str(spec, "externalName");
  std::vector<std::string> external;
  for (const json::value& ip : Arr(spec, "externalIPs")) {
    if (ip.is_string()) external.emplace_back(ip.get_string());
  }
  for (const json::value& ingress : Arr(Obj(Obj(service, "status"), "loadBalancer"), "ingress")) {
    if (ingress.is_object() && !Str(ingress.get_object(), "ip").empty()) external.push_back(Str(ingress.get_object(), "ip"));
  }
  const std::string joined = absl::StrJoin(external, ",");
  if (!joined.empty()) return joined;
  return type == "LoadBalancer" ? "<pending>" : "<none>";
}

json::array ServiceCells(const json::object& service, absl::Time now) {
  const json::object& spec = Obj(service, "spec");
  const std::string type = Str(spec, "type").empty() ? "ClusterIP" : Str(spec, "type");
  std::vector<std::string> selector;
  for (const auto& [key, value] : Obj(spec, "selector")) {
    if (value.is_string()) selector.push_back(absl::StrCat(std::string(key), "=", std::string(value.get_string())));
  }
  return json::array{type, OrNone(Str(spec, "clusterIP")), ExternalIp(service, type), Ports(spec),
                     Age(service, now), OrNone(absl::StrJoin(selector, ","))};
}

class ServiceStrategyImpl : public KindStrategy {
 public:
  void Default(json::object& object) const override {
    json::object& spec = ObjectField(object, "spec");
    SetDefault(spec, "type", "ClusterIP");
    SetDefault(spec, "sessionAffinity", "None");
    if (json::value* ports = spec.if_contains("ports"); ports != nullptr && ports->is_array()) {
      for (json::value& port : ports->get_array()) {
        if (!port.is_object()) continue;
        SetDefault(port.get_object(), "protocol", "TCP");
        if (const json::value* number = port.get_object().if_contains("port")) {
          SetDefault(port.get_object(), "targetPort", *number);
        }
      }
    }
  }

  bool NameIsDnsLabel() const override { return true; }

  // Ports are required unless the Service is headless or an ExternalName.
  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    const json::object* spec = json_fields::ObjectAt(object, {"spec"});
    const json::value* ports = spec == nullptr ? nullptr : spec->if_contains("ports");
    const bool headless_or_external = spec != nullptr && (json_fields::String(*spec, "type") == "ExternalName" ||
                                                          json_fields::String(*spec, "clusterIP") == "None");
    if (!headless_or_external && (ports == nullptr || !ports->is_array() || ports->get_array().empty())) {
      problems.push_back("spec.ports: Required value");
    }
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Type", "string"}, {"Cluster-IP", "string"}, {"External-IP", "string"},
                     {"Port(s)", "string"}, {"Age", "string"}, {"Selector", "string", 1}},
                    ServiceCells};
    return kPrinter;
  }
};

}  // namespace

const KindStrategy& ServiceStrategy() {
  static const auto* const kStrategy = new ServiceStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
