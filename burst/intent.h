// What a pod asked for: the burst intent, and the sources that express it.
//
// An IntentSource reads one way of asking for ECI (pod_sources.h: a pod
// label, the burst-resource annotation, a virtual-node selector or affinity,
// a namespace label; eci_profile.h: an eci-profile selector) and votes. The IntentResolver (intent_resolver.h)
// combines the votes, so a new way of asking is added as a source, without
// touching the extender, the webhook or the rescuer.
#ifndef SPILLWAY_BURST_INTENT_H_
#define SPILLWAY_BURST_INTENT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/objects.h"

namespace spillway::burst {

inline constexpr absl::string_view kEciLabel = "alibabacloud.com/eci";
inline constexpr absl::string_view kLegacyEciLabel = "eci";
inline constexpr absl::string_view kBurstResourceAnnotation = "alibabacloud.com/burst-resource";
// Legacy namespace label of ACK's virtual-node webhook; value "enabled".
inline constexpr absl::string_view kVirtualNodeInjectionLabel = "virtual-node-affinity-injection";

// Ordered from weakest to strongest; see IntentResolver for how votes combine.
enum class Intent {
  // The pod asked for nothing: regular nodes only, never a virtual node.
  kNone,
  // `burst-resource: ecs`: regular nodes only, stated explicitly.
  kEcs,
  // `burst-resource: eci`: regular nodes first, ECI only when they are full.
  kBurst,
  // ECI only (label, `burst-resource: eci_only`, virtual-node selector).
  kEciOnly,
};

// "none", "ecs", "eci", "eci_only": the words users write and metrics carry.
inline absl::string_view IntentName(Intent intent) {
  switch (intent) {
    case Intent::kEcs:
      return "ecs";
    case Intent::kBurst:
      return "eci";
    case Intent::kEciOnly:
      return "eci_only";
    case Intent::kNone:
      break;
  }
  return "none";
}

// One source's reading of a pod.
struct IntentVote {
  Intent intent;
  // Where the pod said it, e.g. "pod label alibabacloud.com/eci=true".
  std::string reason;
  // Read from the pod's placement (nodeName, nodeSelector, affinity), which
  // the webhook itself writes for a pod that asked another way: on equal
  // intent, a declared source's reason is the one reported.
  bool from_placement = false;
};

// Everything a source may look at; sources that do not need a part ignore
// it.
struct PodContext {
  const kube::Pod& pod;
  // The pod's namespace, or null when the caller has no namespace cache.
  const kube::Namespace* namespace_ = nullptr;
};

// One way a pod can ask for (or refuse) ECI.
class IntentSource {
 public:
  virtual ~IntentSource() = default;
  // The vote of this source, nullopt when it has nothing to say, or
  // InvalidArgument when the pod says something invalid (e.g. an unknown
  // burst-resource value), with a message the user can act on.
  virtual absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext& context) const = 0;
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_INTENT_H_
