// The one answer to "may this pod use ECI, and why (not)?".
//
// The extender, the webhook and the rescuer all ask this resolver, so they can
// never disagree. Pure: no I/O, no locks; const methods are thread-safe.
#ifndef SPILLWAY_BURST_INTENT_RESOLVER_H_
#define SPILLWAY_BURST_INTENT_RESOLVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burst/intent.h"
#include "burst/virtual_node.h"

namespace spillway::burst {

// The resolver's verdict for one pod.
struct PodPolicy {
  Intent intent = Intent::kNone;
  // Why, for humans: "pod label alibabacloud.com/eci=true", or "no ECI
  // request (no alibabacloud.com/eci label, no burst-resource annotation)".
  std::string reason;
  // OK when ECI can run the pod; otherwise the reason it cannot (eci_compat.h).
  absl::Status eci_runnable;

  // Whether the pod may be placed on a virtual node at all (ignoring the
  // regular-nodes-first rule of kBurst).
  bool MayUseVirtualNodes() const {
    return (intent == Intent::kBurst || intent == Intent::kEciOnly) && eci_runnable.ok();
  }
  // Whether the pod may be placed on a regular node.
  bool MayUseRegularNodes() const { return intent != Intent::kEciOnly; }
};

class IntentResolver {
 public:
  // A resolver with the sources of docs/eci-rules.md §2 (pod labels,
  // burst-resource annotation, virtual-node selectors, namespace labels). `rule` must outlive it.
  explicit IntentResolver(const VirtualNodeRule& rule);

  // Adds a source (namespace labels, eci-profile selectors, ...).
  void AddSource(std::unique_ptr<IntentSource> source);

  // Resolves the pod's intent. The strongest vote wins (eci_only > eci > ecs),
  // except that an explicit `burst-resource: ecs` contradicted by an ECI-only
  // request is an error, as is any source's error (e.g. an unknown
  // burst-resource value). Errors are InvalidArgument with a message for the
  // pod's owner.
  absl::StatusOr<PodPolicy> Resolve(const PodContext& context) const;

 private:
  std::vector<std::unique_ptr<IntentSource>> sources_;
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_INTENT_RESOLVER_H_
