// core/v1 Namespace (pkg/registry/core/namespace/strategy.go; printNamespace).
// Deleting one is the API server's namespace lifecycle (api_server_namespaces.cc).
#include <string>

#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

json::array NamespaceCells(const json::object& space, absl::Time now) {
  return json::array{printing::Str(printing::Obj(space, "status"), "phase"), printing::Age(space, now)};
}

class NamespaceStrategyImpl : public KindStrategy {
 public:
  void Default(json::object& object) const override {
    SetDefault(ObjectField(object, "spec"), "finalizers", json::array{"kubernetes"});
    SetDefault(ObjectField(object, "status"), "phase", "Active");
    // SetDefaults_Namespace: the name as the label kubernetes.io/metadata.name,
    // always (a user's other value is overwritten), so selectors can match a
    // namespace by name (deploy/'s webhook excludes kube-system by it).
    json::object& meta = ObjectField(object, "metadata");
    const json::value* name_value = meta.if_contains("name");
    const std::string name = name_value != nullptr && name_value->is_string() ? std::string(name_value->get_string())
                                                                            : std::string();
    if (!name.empty()) ObjectField(meta, "labels")["kubernetes.io/metadata.name"] = name;  // May move `meta`'s members.
  }

  bool NameIsDnsLabel() const override { return true; }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter = new Printer{{{"Status", "string"}, {"Age", "string"}}, NamespaceCells};
    return kPrinter;
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = new FieldLabels(OwnPathFieldLabels({"status.phase"}));
    return kLabels;
  }
};

}  // namespace

const KindStrategy& NamespaceStrategy() {
  static const auto* const kStrategy = new NamespaceStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
