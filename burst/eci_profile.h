// The eci-profile (docs/eci-rules.md §4): an administrator's selectors in
// ConfigMap kube-system/eci-profile that send matching pods to ECI ("ECI
// Scheduler") and add annotations and labels to them ("ECI Effect").
//
// ParseEciProfile turns the ConfigMap's data into an immutable EciProfile;
// the matching functions are pure. EciProfileStore holds the profile in force
// for readers on hot paths (the extender, the webhook): they take a snapshot
// without a lock the writer could hold. ProfileSource makes the profile one
// more IntentSource of the resolver, so the webhook, the extender and the
// rescuer judge a pod the same way.
//
// Thread-safety: EciProfile is immutable; EciProfileStore is thread-safe.
#ifndef SPILLWAY_BURST_ECI_PROFILE_H_
#define SPILLWAY_BURST_ECI_PROFILE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "burst/intent.h"
#include "kube/label_selector.h"
#include "kube/objects.h"

namespace spillway::burst {

inline constexpr absl::string_view kEciProfileName = "eci-profile";
inline constexpr absl::string_view kEciProfileNamespace = "kube-system";

// One entry of `data.selectors`.
struct ProfileSelector {
  std::string name;
  std::optional<kube::LabelSelector> namespace_selector;
  std::optional<kube::LabelSelector> object_selector;
  // The effect, in the order written.
  std::vector<std::pair<std::string, std::string>> effect_annotations;
  std::vector<std::pair<std::string, std::string>> effect_labels;

  // Whether it sends pods to ECI (it has a selector part); one without only
  // adds its effect to pods headed to ECI by any method.
  bool schedules() const { return namespace_selector.has_value() || object_selector.has_value(); }
};

struct EciProfile {
  std::vector<ProfileSelector> selectors;
  // The ConfigMap's resourceVersion this profile was read from ("" for none).
  std::string resource_version;
  // The `selectors` text as written (to mirror it where users look, and to
  // tell a change of content from a change of metadata).
  std::string selectors_text;
  // The other documented keys (vpcId, vSwitchIds, securityGroupId,
  // resourceGroupId, enableClusterIp, enableHybridMode, enablePrivateZone):
  // the virtual kubelet's; kept to show, never acted on.
  std::vector<std::pair<std::string, std::string>> settings;
};

// Parses the ConfigMap's data. `selectors` is a JSON array (YAML, which users
// sometimes paste, is accepted too); absent or empty means no selectors.
// InvalidArgument naming the problem: malformed text, a selector without a
// name, duplicate names, an unknown matchExpressions operator, In/NotIn
// without values, non-string effect values, and whatever kube-apiserver would
// refuse on a pod or a selector: an effect label or annotation key, or a
// selector's label key, that is not a qualified name ("bad key!", ""), an effect
// label value or a selector value that is not a label value ("data platform").
absl::StatusOr<EciProfile> ParseEciProfile(const kube::StringMap& data);

// Problems with the other keys (e.g. enableClusterIp not "true"/"false"),
// one message each; they never stop the selectors from applying.
std::vector<std::string> CheckProfileSettings(const EciProfile& profile);

// The first selector with a selector part that matches the pod (object
// selector against its labels, namespace selector against its namespace's
// labels; both when both are given), or null. A namespace selector never
// matches when the namespace is unknown (`namespace_labels` null).
const ProfileSelector* SchedulingSelector(const EciProfile& profile, const kube::StringMap& pod_labels,
                                          const kube::StringMap* namespace_labels);

// The annotations and labels the profile adds to a pod: from every selector
// that matches it, and, when `headed_to_eci`, from every selector without a
// selector part. Never a key the pod already has; between selectors the
// earlier wins.
struct ProfileEffect {
  std::vector<std::pair<std::string, std::string>> annotations;
  std::vector<std::pair<std::string, std::string>> labels;
  // The selectors that contributed, in order (for logs and explanations).
  std::vector<std::string> selectors;
};
ProfileEffect EffectFor(const EciProfile& profile, const kube::StringMap& pod_labels,
                        const kube::StringMap& pod_annotations, const kube::StringMap* namespace_labels,
                        bool headed_to_eci);

// The profile in force, swapped atomically. Starts empty (no selectors).
class EciProfileStore {
 public:
  EciProfileStore() : profile_(std::make_shared<const EciProfile>()) {}
  std::shared_ptr<const EciProfile> Get() const { return std::atomic_load(&profile_); }
  void Set(std::shared_ptr<const EciProfile> profile) { std::atomic_store(&profile_, std::move(profile)); }

 private:
  std::shared_ptr<const EciProfile> profile_;
};

// The resolver's source for the profile: a pod matching a scheduling selector
// asks for ECI only, "eci-profile selector <name>". `store` must outlive it.
class ProfileSource : public IntentSource {
 public:
  explicit ProfileSource(const EciProfileStore& store) : store_(store) {}
  absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext& context) const override;

 private:
  const EciProfileStore& store_;
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_ECI_PROFILE_H_
