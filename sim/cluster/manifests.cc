#include "sim/cluster/manifests.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_fields.h"
#include "common/yaml_json.h"
#include "sim/cluster/object_facts.h"
#include "yaml-cpp/yaml.h"

namespace spillway::sim {
namespace json = boost::json;

std::string PluralOf(const std::string& kind) {
  std::string lower = absl::AsciiStrToLower(kind);
  if (absl::EndsWith(lower, "y")) return lower.substr(0, lower.size() - 1) + "ies";
  if (absl::EndsWith(lower, "s")) return lower + "es";
  return lower + "s";
}

bool ClusterScoped(const std::string& kind) {
  static const char* const kKinds[] = {"Namespace",          "Node",
                                       "CustomResourceDefinition", "ClusterRole",
                                       "ClusterRoleBinding", "MutatingWebhookConfiguration",
                                       "ValidatingWebhookConfiguration", "PriorityClass", "StorageClass"};
  for (const char* k : kKinds) {
    if (kind == k) return true;
  }
  return false;
}

absl::Status ApplyManifests(kube::RestClient& client, const std::string& text, const std::string& source) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].IsNull()) continue;
    std::string rendered;
    if (absl::Status s = YamlToJson(documents[i], 4 * text.size() + 4096, &rendered); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source, " document ", i + 1, ": ", s.message()));
    }
    boost::system::error_code ec;
    json::value value = json::parse(rendered, ec);
    if (ec || !value.is_object()) return absl::InvalidArgumentError(absl::StrCat(source, " document ", i + 1, ": not an object"));
    const json::object& object = value.get_object();
    const std::string api_version = json_fields::String(object, "apiVersion");
    const std::string kind = json_fields::String(object, "kind");
    if (api_version.empty() || kind.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(source, " document ", i + 1, ": apiVersion and kind are required"));
    }
    std::vector<std::string> parts = absl::StrSplit(api_version, '/');
    std::string ns = ClusterScoped(kind) ? "" : NamespaceOf(object);
    if (!ClusterScoped(kind) && ns.empty()) ns = "default";
    const kube::ResourcePath path =
        PathOf(parts.size() == 2 ? parts[0] : "", parts.back(), PluralOf(kind), ns);
    absl::Status created = client.Create(path, object).status();
    if (!created.ok() && !absl::IsAlreadyExists(created)) {
      return absl::Status(created.code(), absl::StrCat(source, ": ", kind, " ", NameOf(object), ": ", created.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace spillway::sim
