#include "burst/pod_sources.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace spillway::burst {

absl::StatusOr<std::optional<IntentVote>> PodLabelSource::Vote(const PodContext& context) const {
  const kube::StringMap& labels = context.pod.metadata.labels;
  for (absl::string_view key : {kEciLabel, kLegacyEciLabel}) {
    if (labels.Has(key, "true")) {
      return IntentVote{Intent::kEciOnly, absl::StrCat("pod label ", key, "=true")};
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<IntentVote>> NamespaceLabelSource::Vote(
    const PodContext& context) const {
  if (context.namespace_ == nullptr) return std::nullopt;
  const kube::StringMap& labels = context.namespace_->metadata.labels;
  const std::string& name = context.namespace_->metadata.name;
  for (absl::string_view key : {kEciLabel, kLegacyEciLabel}) {
    if (labels.Has(key, "true")) {
      return IntentVote{Intent::kEciOnly, absl::StrCat("namespace ", name, " label ", key, "=true")};
    }
  }
  if (labels.Has(kVirtualNodeInjectionLabel, "enabled")) {
    return IntentVote{Intent::kEciOnly, absl::StrCat("namespace ", name, " label ",
                                                     kVirtualNodeInjectionLabel, "=enabled")};
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<IntentVote>> BurstAnnotationSource::Vote(
    const PodContext& context) const {
  const std::optional<absl::string_view> value =
      context.pod.metadata.annotations.Find(kBurstResourceAnnotation);
  if (!value.has_value()) return std::nullopt;
  std::string reason = absl::StrCat("annotation ", kBurstResourceAnnotation, "=", *value);
  if (*value == "eci") return IntentVote{Intent::kBurst, std::move(reason)};
  if (*value == "eci_only") return IntentVote{Intent::kEciOnly, std::move(reason)};
  if (*value == "ecs") return IntentVote{Intent::kEcs, std::move(reason)};
  return absl::InvalidArgumentError(absl::StrCat(
      "pod ", context.pod.Who(), " has annotation ", kBurstResourceAnnotation, "=\"", *value,
      "\"; request type must be eci, eci_only or ecs"));
}

absl::StatusOr<std::optional<IntentVote>> VirtualNodeSelectorSource::Vote(
    const PodContext& context) const {
  const kube::Pod& pod = context.pod;
  if (!pod.node_name.empty() && rule_.IsVirtualName(pod.node_name)) {
    return IntentVote{Intent::kEciOnly, absl::StrCat("spec.nodeName=", pod.node_name), true};
  }
  if (rule_.SelectsVirtual(pod.node_selector)) {
    return IntentVote{Intent::kEciOnly, "a nodeSelector for virtual nodes", true};
  }
  // Terms are ORed: the pod is pinned to virtual nodes only if every term is.
  const auto& terms = pod.required_node_affinity;
  if (terms.empty()) return std::nullopt;
  for (const kube::NodeSelectorTerm& term : terms) {
    if (!rule_.TermSelectsVirtual(term)) return std::nullopt;
  }
  return IntentVote{Intent::kEciOnly, "a required node affinity for virtual nodes", true};
}

}  // namespace spillway::burst
