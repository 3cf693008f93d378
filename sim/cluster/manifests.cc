#include "sim/cluster/manifests.h"

#include <functional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

namespace {

// Calls `each` with every document of the YAML `text` and its resource path
// (by its apiVersion and kind); a document that is not an object naming
// them is an error, and the others still run. Returns every error, one a
// line, each naming `source` and the document.
absl::Status ForEachDocument(
    const std::string& text, const std::string& source,
    const std::function<absl::Status(const kube::ResourcePath&, const json::object&)>& each) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
  std::vector<std::string> errors;
  absl::StatusCode code = absl::StatusCode::kOk;
  auto fail = [&](const absl::Status& s) {
    if (code == absl::StatusCode::kOk) code = s.code();
    errors.push_back(std::string(s.message()));
  };
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].IsNull()) continue;
    const std::string where = absl::StrCat(source, " document ", i + 1);
    std::string rendered;
    if (absl::Status s = YamlToJson(documents[i], 4 * text.size() + 4096, &rendered); !s.ok()) {
      fail(absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message())));
      continue;
    }
    boost::system::error_code ec;
    json::value value = json::parse(rendered, ec);
    const json::object* object = !ec && value.is_object() ? &value.get_object() : nullptr;
    const std::string api_version = object == nullptr ? "" : json_fields::String(*object, "apiVersion");
    const std::string kind = object == nullptr ? "" : json_fields::String(*object, "kind");
    if (api_version.empty() || kind.empty()) {
      fail(absl::InvalidArgumentError(absl::StrCat(where, ": an object with apiVersion and kind is required")));
      continue;
    }
    std::vector<std::string> parts = absl::StrSplit(api_version, '/');
    std::string ns = ClusterScoped(kind) ? "" : NamespaceOf(*object);
    if (!ClusterScoped(kind) && ns.empty()) ns = "default";
    const kube::ResourcePath path = PathOf(parts.size() == 2 ? parts[0] : "", parts.back(), PluralOf(kind), ns);
    if (absl::Status s = each(path, *object); !s.ok()) {
      fail(absl::Status(s.code(), absl::StrCat(source, ": ", kind, " ", NameOf(*object), ": ", s.message())));
    }
  }
  return errors.empty() ? absl::OkStatus() : absl::Status(code, absl::StrJoin(errors, "\n"));
}

}  // namespace

absl::Status ApplyManifests(kube::RestClient& client, const std::string& text, const std::string& source,
                            Existing existing) {
  return ForEachDocument(text, source, [&](const kube::ResourcePath& path, const json::object& object) {
    absl::Status created = client.Create(path, object).status();
    if (!absl::IsAlreadyExists(created)) return created;
    if (existing == Existing::kLeave) return absl::OkStatus();
    // There already: what the manifest says, merged in (kubectl apply's
    // effect for the fields it names).
    kube::ResourcePath named = path;
    named.name = NameOf(object);
    return client.Patch(named, kube::PatchType::kMerge, object).status();
  });
}

absl::Status DeleteManifests(kube::RestClient& client, const std::string& text, const std::string& source) {
  return ForEachDocument(text, source, [&client](const kube::ResourcePath& path, const json::object& object) {
    kube::ResourcePath named = path;
    named.name = NameOf(object);
    absl::Status deleted = client.Delete(named);
    return absl::IsNotFound(deleted) ? absl::OkStatus() : deleted;
  });
}

}  // namespace spillway::sim
