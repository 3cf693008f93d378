// apiextensions.k8s.io/v1 CustomResourceDefinition
// (apiextensions-apiserver pkg/registry/customresourcedefinition/strategy.go).
// The API server accepts a valid definition's names and establishes it at
// once, as the real establishing controller does within moments; serving
// its resources is the API server's (ApiServer::RefreshCustomResources).
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/apiserver/crd.h"
#include "sim/apiserver/kinds/kinds.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;

// status: names accepted, the storage version stored, Established.
void Establish(json::object& object) {
  absl::StatusOr<std::vector<ResourceInfo>> defined = ResourcesFromCrd(object);
  if (!defined.ok()) return;  // Validate refuses it.
  const json::value& names = object.at("spec").at("names");
  object["status"] = json::object{
      {"acceptedNames", names},
      {"storedVersions",
       json::array{defined->empty() ? json::value("") : json::value(defined->front().type.version)}},
      {"conditions",
       json::array{json::object{{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"}},
                   json::object{{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"}}}}};
}

class CustomResourceDefinitionStrategyImpl : public KindStrategy {
 public:
  void PrepareForCreate(json::object& object) const override { Establish(object); }
  void PrepareForUpdate(json::object& object) const override { Establish(object); }

  // Group, names, versions, one storage version, scale paths.
  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    absl::StatusOr<std::vector<ResourceInfo>> defined = ResourcesFromCrd(object);
    if (!defined.ok()) problems.emplace_back(defined.status().message());
  }
};

}  // namespace

const KindStrategy& CustomResourceDefinitionStrategy() {
  static const auto* const kStrategy = new CustomResourceDefinitionStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
