// core/v1 Secret (pkg/registry/core/secret/strategy.go; printSecret).
#include <string>
#include <vector>

#include "sim/apiserver/kinds/config_data.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/printing.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

json::array SecretCells(const json::object& secret, absl::Time now) {
  const std::string type = printing::Str(secret, "type").empty() ? "Opaque" : printing::Str(secret, "type");
  return json::array{type, static_cast<int64_t>(printing::Obj(secret, "data").size()), printing::Age(secret, now)};
}

class SecretStrategyImpl : public KindStrategy {
 public:
  // Config keys in data and stringData, 1 MiB in all.
  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    ValidateConfigKeys(object, "data", problems);
    ValidateConfigKeys(object, "stringData", problems);
    ValidateDataSize(object, problems);
  }

  absl::Status CheckDecodable(const json::object& object) const override {
    return CheckBase64Field(object, "data", "Secret");
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Type", "string"}, {"Data", "integer"}, {"Age", "string"}}, SecretCells};
    return kPrinter;
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = new FieldLabels(OwnPathFieldLabels({"type"}));
    return kLabels;
  }
};

}  // namespace

const KindStrategy& SecretStrategy() {
  static const auto* const kStrategy = new SecretStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
