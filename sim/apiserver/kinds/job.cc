// batch/v1 Job (pkg/registry/batch/job/strategy.go). Its selector is the
// server's to generate, so only the template is required.
#include <string>
#include <vector>

#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/pod_template.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

class JobStrategyImpl : public KindStrategy {
 public:
  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    RequireWorkload(object, /*job=*/true, problems);
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = new FieldLabels(OwnPathFieldLabels({"status.successful"}));
    return kLabels;
  }
};

}  // namespace

const KindStrategy& JobStrategy() {
  static const auto* const kStrategy = new JobStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
