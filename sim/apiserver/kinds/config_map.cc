// core/v1 ConfigMap (pkg/registry/core/configmap/strategy.go; printConfigMap).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "sim/apiserver/kinds/config_data.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

json::array ConfigMapCells(const json::object& map, absl::Time now) {
  return json::array{static_cast<int64_t>(printing::Obj(map, "data").size() + printing::Obj(map, "binaryData").size()),
                     printing::Age(map, now)};
}

class ConfigMapStrategyImpl : public KindStrategy {
 public:
  // Config keys in data and binaryData, no key in both, 1 MiB in all.
  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    ValidateConfigKeys(object, "data", problems);
    ValidateConfigKeys(object, "binaryData", problems);
    const json::object* data = json_fields::ObjectAt(object, {"data"});
    const json::object* binary = json_fields::ObjectAt(object, {"binaryData"});
    if (data != nullptr && binary != nullptr) {
      for (const auto& entry : *binary) {
        if (data->contains(entry.key())) {
          problems.push_back(absl::StrCat("data[", std::string(entry.key()), "]: Invalid value: \"",
                                          std::string(entry.key()), "\": duplicate of key present in binaryData"));
        }
      }
    }
    ValidateDataSize(object, problems);
  }

  absl::Status CheckDecodable(const json::object& object) const override {
    return CheckBase64Field(object, "binaryData", "ConfigMap");
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter = new Printer{{{"Data", "integer"}, {"Age", "string"}}, ConfigMapCells};
    return kPrinter;
  }
};

}  // namespace

const KindStrategy& ConfigMapStrategy() {
  static const auto* const kStrategy = new ConfigMapStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
