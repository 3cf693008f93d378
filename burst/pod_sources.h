// The intent sources that read the pod itself (docs/eci-rules.md §2): the
// alibabacloud.com/eci and legacy eci labels, the burst-resource annotation,
// and an explicit nodeSelector / required node affinity / nodeName for
// virtual nodes.
#ifndef SPILLWAY_BURST_POD_SOURCES_H_
#define SPILLWAY_BURST_POD_SOURCES_H_

#include "burst/intent.h"
#include "burst/virtual_node.h"

namespace spillway::burst {

// Pod label alibabacloud.com/eci=true or eci=true: ECI only.
class PodLabelSource : public IntentSource {
 public:
  absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext& context) const override;
};

// Annotation alibabacloud.com/burst-resource: eci | eci_only | ecs.
class BurstAnnotationSource : public IntentSource {
 public:
  absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext& context) const override;
};

// nodeSelector / required node affinity / nodeName that can only match virtual
// nodes: ECI only (the discouraged manual way, which must still work).
class VirtualNodeSelectorSource : public IntentSource {
 public:
  // `rule` must outlive the source.
  explicit VirtualNodeSelectorSource(const VirtualNodeRule& rule) : rule_(rule) {}
  absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext& context) const override;

 private:
  const VirtualNodeRule& rule_;
};

// Namespace label alibabacloud.com/eci=true, eci=true or
// virtual-node-affinity-injection=enabled: every pod of the namespace runs on
// ECI only. Silent when the context has no namespace.
class NamespaceLabelSource : public IntentSource {
 public:
  absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext& context) const override;
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_POD_SOURCES_H_
