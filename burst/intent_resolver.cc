#include "burst/intent_resolver.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "burst/eci_compat.h"
#include "burst/pod_sources.h"
#include "common/status_macros.h"

namespace spillway::burst {

IntentResolver::IntentResolver(const VirtualNodeRule& rule) {
  sources_.push_back(std::make_unique<PodLabelSource>());
  sources_.push_back(std::make_unique<BurstAnnotationSource>());
  sources_.push_back(std::make_unique<VirtualNodeSelectorSource>(rule));
  sources_.push_back(std::make_unique<NamespaceLabelSource>());
}

void IntentResolver::AddSource(std::unique_ptr<IntentSource> source) {
  sources_.push_back(std::move(source));
}

absl::StatusOr<PodPolicy> IntentResolver::Resolve(const PodContext& context) const {
  std::optional<IntentVote> strongest;
  std::optional<IntentVote> explicit_ecs;
  for (const auto& source : sources_) {
    SPILLWAY_ASSIGN_OR_RETURN(std::optional<IntentVote> vote, source->Vote(context));
    if (!vote.has_value()) continue;
    if (vote->intent == Intent::kEcs) explicit_ecs = *vote;
    // The strongest intent; on a tie, where the pod declared it rather than
    // its placement (which the webhook may have written from that
    // declaration: a namespace label, an eci-profile selector).
    if (!strongest.has_value() || vote->intent > strongest->intent ||
        (vote->intent == strongest->intent && strongest->from_placement && !vote->from_placement)) {
      strongest = std::move(vote);
    }
  }
  if (explicit_ecs.has_value() && strongest->intent == Intent::kEciOnly) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pod ", context.pod.Who(), " asks for regular nodes only (", explicit_ecs->reason,
        ") and for ECI only (", strongest->reason, "); remove one of them"));
  }
  PodPolicy policy;
  if (strongest.has_value()) {
    policy.intent = strongest->intent;
    policy.reason = std::move(strongest->reason);
  } else {
    policy.reason = absl::StrCat("no ECI request (no ", kEciLabel, " label, no ",
                                 kBurstResourceAnnotation, " annotation)");
  }
  policy.eci_runnable = CheckEciCanRun(context.pod);
  return policy;
}

}  // namespace spillway::burst
