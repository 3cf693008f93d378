#include "webhook/pod_admission.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "burst/architecture.h"
#include "burst/placement.h"
#include "kube/json_patch.h"
#include "kube/quantity.h"

namespace spillway::webhook {
namespace {

namespace json = boost::json;

const json::object* ObjectAt(const json::object& parent, absl::string_view key) {
  const json::value* v = parent.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* ArrayAt(const json::object& parent, absl::string_view key) {
  const json::value* v = parent.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

// Every string annotation of the pod (the decoded Pod keeps only Spillway's).
kube::StringMap AllAnnotations(const json::object* metadata) {
  kube::StringMapBuilder annotations;
  const json::object* map = metadata != nullptr ? ObjectAt(*metadata, "annotations") : nullptr;
  if (map == nullptr) return annotations.Build();
  for (const auto& entry : *map) {
    if (entry.value().is_string()) {
      annotations.Set(absl::string_view(entry.key().data(), entry.key().size()),
                      absl::string_view(entry.value().get_string().data(), entry.value().get_string().size()));
    }
  }
  return annotations.Build();
}

// `<cpu>-<mem>Gi` (e.g. 2-4Gi, 0.5-1Gi) or an instance type (ecs.c6.xlarge).
bool IsInstanceSpec(absl::string_view spec) {
  spec = absl::StripAsciiWhitespace(spec);
  if (absl::StartsWith(spec, "ecs.")) {
    std::vector<absl::string_view> parts = absl::StrSplit(spec, '.');
    return parts.size() >= 3 && std::all_of(parts.begin(), parts.end(), [](absl::string_view p) {
             return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
               return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
             });
           });
  }
  std::vector<absl::string_view> sizes = absl::StrSplit(spec, '-');
  double cpu = 0;
  double memory = 0;
  return sizes.size() == 2 && absl::SimpleAtod(sizes[0], &cpu) && cpu > 0 &&
         absl::ConsumeSuffix(&sizes[1], "Gi") && absl::SimpleAtod(sizes[1], &memory) && memory > 0;
}

// The required node-affinity expression that holds only on virtual nodes:
// the rule's first label. None when the rule recognises them by taint only.
std::optional<json::object> VirtualNodeExpression(const burst::VirtualNodeRule& rule) {
  if (rule.labels().empty()) return std::nullopt;
  const auto& [key, value] = rule.labels().front();
  return json::object{{"key", key}, {"operator", "In"}, {"values", json::array{json::string(value)}}};
}

// Adds `expressions` to the pod's required node affinity: a new term when it
// has none, otherwise ANDed into every existing term (terms are ORed).
void RequireNodeAffinity(const json::object* spec, const std::vector<json::object>& expressions, json::array& patch) {
  json::array list;
  for (const json::object& expression : expressions) list.push_back(expression);
  const json::object term{{"matchExpressions", list}};
  const json::object required{{"nodeSelectorTerms", json::array{term}}};
  const json::object* affinity = spec != nullptr ? ObjectAt(*spec, "affinity") : nullptr;
  if (affinity == nullptr) {
    patch.push_back(json::object{{"op", "add"}, {"path", "/spec/affinity"},
                                 {"value", json::object{{"nodeAffinity", json::object{
                                     {"requiredDuringSchedulingIgnoredDuringExecution", required}}}}}});
    return;
  }
  const json::object* node_affinity = ObjectAt(*affinity, "nodeAffinity");
  if (node_affinity == nullptr) {
    patch.push_back(json::object{{"op", "add"}, {"path", "/spec/affinity/nodeAffinity"},
                                 {"value", json::object{{"requiredDuringSchedulingIgnoredDuringExecution", required}}}});
    return;
  }
  const std::string required_path = "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution";
  const json::object* existing = ObjectAt(*node_affinity, "requiredDuringSchedulingIgnoredDuringExecution");
  const json::array* terms = existing != nullptr ? ArrayAt(*existing, "nodeSelectorTerms") : nullptr;
  if (terms == nullptr || terms->empty()) {
    patch.push_back(json::object{{"op", existing == nullptr ? "add" : "replace"}, {"path", required_path},
                                 {"value", required}});
    return;
  }
  for (size_t i = 0; i < terms->size(); ++i) {
    const std::string term_path = absl::StrCat(required_path, "/nodeSelectorTerms/", i, "/matchExpressions");
    const json::array* current = (*terms)[i].is_object() ? ArrayAt((*terms)[i].get_object(), "matchExpressions")
                                                         : nullptr;
    bool exists = current != nullptr;
    for (const json::object& expression : expressions) kube::AddListItem(patch, term_path, &exists, expression);
  }
}

// Whether the pod is already held to virtual nodes by its own constraints.
bool AlreadyPinnedToVirtualNodes(const kube::Pod& pod, const burst::VirtualNodeRule& rule) {
  if (rule.SelectsVirtual(pod.node_selector)) return true;
  return !pod.required_node_affinity.empty() &&
         std::all_of(pod.required_node_affinity.begin(), pod.required_node_affinity.end(),
                     [&](const kube::NodeSelectorTerm& term) { return rule.TermSelectsVirtual(term); });
}

// For an ECI-only pod the webhook sends to virtual nodes (one its own
// constraints do not already hold there: the manual method is left as the
// user wrote it): a required node affinity for virtual nodes and, unless the
// pod chooses an architecture itself, away from Arm ones, Alibaba's
// documented default, which an Arm virtual node without its taint would not
// otherwise enforce. `NotIn [arm64]` rather than `In [amd64]`: a virtual node
// that does not carry the kubernetes.io/arch label (virtual-kubelet need not
// set it) is x86 and must still match. Both are ANDed into every existing term.
void RequireEciPlacement(const kube::Pod& pod, const json::object* spec, const burst::VirtualNodeRule& rule,
                         json::array& patch) {
  if (AlreadyPinnedToVirtualNodes(pod, rule)) return;
  std::vector<json::object> expressions;
  if (std::optional<json::object> expression = VirtualNodeExpression(rule)) expressions.push_back(*expression);
  if (!burst::ChoosesArchitecture(pod)) {
    const absl::string_view key = burst::kArchitectureLabel;
    const absl::string_view arm = burst::kArmArchitecture;
    expressions.push_back(json::object{{"key", json::string(key.data(), key.size())},
                                       {"operator", "NotIn"},
                                       {"values", json::array{json::string(arm.data(), arm.size())}}});
  }
  RequireNodeAffinity(spec, expressions, patch);
}

}  // namespace

std::vector<std::string> CheckEciAnnotations(const kube::StringMap& annotations) {
  std::vector<std::string> problems;
  auto one_of = [&](absl::string_view key, std::initializer_list<absl::string_view> allowed) {
    std::optional<absl::string_view> value = annotations.Find(key);
    if (!value.has_value()) return;
    if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return;
    std::string choices;
    for (absl::string_view choice : allowed) absl::StrAppend(&choices, choices.empty() ? "" : " or ", choice);
    problems.push_back(absl::StrCat("annotation ", key, ": \"", *value, "\" is not ", choices,
                                    "; ECI will not honour it"));
  };
  one_of("k8s.aliyun.com/eci-schedule-strategy", {"VSwitchOrdered", "VSwitchRandom"});
  // NoSpot is ECI's documented default (a regular, not a spot, instance).
  one_of("k8s.aliyun.com/eci-spot-strategy", {"NoSpot", "SpotAsPriceGo", "SpotWithPriceLimit"});
  if (std::optional<absl::string_view> limit = annotations.Find("k8s.aliyun.com/eci-spot-price-limit")) {
    double price = 0;
    if (!absl::SimpleAtod(*limit, &price) || price <= 0) {
      problems.push_back(absl::StrCat("annotation k8s.aliyun.com/eci-spot-price-limit: \"", *limit,
                                      "\" is not a positive price per hour (e.g. 0.25)"));
    }
    // The limit is read only with SpotWithPriceLimit.
    const absl::string_view strategy = annotations.Find("k8s.aliyun.com/eci-spot-strategy").value_or("NoSpot");
    if (strategy != "SpotWithPriceLimit") {
      problems.push_back(absl::StrCat("annotation k8s.aliyun.com/eci-spot-price-limit is set but "
                                      "k8s.aliyun.com/eci-spot-strategy is \"", strategy,
                                      "\"; ECI reads the limit only with SpotWithPriceLimit"));
    }
  }
  if (std::optional<absl::string_view> specs = annotations.Find("k8s.aliyun.com/eci-use-specs")) {
    for (absl::string_view spec : absl::StrSplit(*specs, ',')) {
      if (!IsInstanceSpec(spec)) {
        problems.push_back(absl::StrCat("annotation k8s.aliyun.com/eci-use-specs: \"", spec,
                                        "\" is neither <cpu>-<memory>Gi (e.g. 2-4Gi) nor an instance type "
                                        "(e.g. ecs.c6.xlarge)"));
      }
    }
  }
  if (std::optional<absl::string_view> storage =
          annotations.Find("k8s.aliyun.com/eci-extra-ephemeral-storage")) {
    if (!kube::ParseQuantity(*storage).ok()) {
      problems.push_back(absl::StrCat("annotation k8s.aliyun.com/eci-extra-ephemeral-storage: \"", *storage,
                                      "\" is not a quantity (e.g. 50Gi)"));
    }
  }
  return problems;
}

PodAdmission AdmitPod(const json::object& pod_object, const kube::Pod& pod, const kube::Namespace* ns,
                      const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                      const burst::EciProfile& profile, const std::vector<std::string>& node_port_services) {
  PodAdmission admission;
  absl::StatusOr<burst::PodPolicy> policy = resolver.Resolve({pod, ns});
  if (!policy.ok()) {
    admission.allowed = false;
    admission.denial = std::string(policy.status().message());
    return admission;
  }
  admission.intent = policy->intent;
  admission.reason = policy->reason;
  const json::object* metadata = ObjectAt(pod_object, "metadata");
  const json::object* spec = ObjectAt(pod_object, "spec");
  const kube::StringMap annotations = AllAnnotations(metadata);
  admission.warnings = CheckEciAnnotations(annotations);
  const bool to_eci = policy->intent == burst::Intent::kBurst || policy->intent == burst::Intent::kEciOnly;
  if (!to_eci) return admission;  // Nothing, or `ecs`: never changed.

  if (!policy->eci_runnable.ok()) {
    admission.warnings.push_back(absl::StrCat("this pod asks for ECI (", policy->reason,
                                              ") but ECI cannot run it: ", policy->eci_runnable.message()));
  }
  for (const std::string& service : node_port_services) {
    admission.warnings.push_back(absl::StrCat("Service ", service,
                                              " of type NodePort selects this pod, but NodePort does not reach "
                                              "ECI pods; use a LoadBalancer Service"));
  }
  const burst::ProfileEffect effect = burst::EffectFor(
      profile, pod.metadata.labels, annotations, ns != nullptr ? &ns->metadata.labels : nullptr, true);
  bool has_annotations = metadata != nullptr && ObjectAt(*metadata, "annotations") != nullptr;
  for (const auto& [key, value] : effect.annotations) {
    kube::AddMapEntry(admission.patch, "/metadata/annotations", &has_annotations, key, value);
  }
  bool has_labels = metadata != nullptr && ObjectAt(*metadata, "labels") != nullptr;
  for (const auto& [key, value] : effect.labels) {
    kube::AddMapEntry(admission.patch, "/metadata/labels", &has_labels, key, value);
  }
  bool has_tolerations = spec != nullptr && ArrayAt(*spec, "tolerations") != nullptr;
  std::vector<kube::Toleration> tolerations = burst::MissingVirtualNodeTolerations(pod, rule.taint_keys());
  if (std::optional<kube::Toleration> arch = burst::MissingArchitectureToleration(pod)) tolerations.push_back(*arch);
  for (const kube::Toleration& toleration : tolerations) {
    kube::AddListItem(admission.patch, "/spec/tolerations", &has_tolerations, kube::TolerationJson(toleration));
  }
  if (policy->intent == burst::Intent::kEciOnly) RequireEciPlacement(pod, spec, rule, admission.patch);
  return admission;
}

}  // namespace spillway::webhook
