// Repatriation, the decision (issue 24.3): which burst pods running on ECI
// move back to ECS now, and why each of the others does not.
//
// A pod moves home only when all of these hold:
//  - it asked to burst (`alibabacloud.com/burst-resource: eci`): never a pod
//    that asked for ECI only, nor one sent there by a label, a namespace or
//    the eci-profile;
//  - it has not opted out (`spillway.alibabacloud.com/repatriate: "false"`)
//    and has run on ECI for at least `min_age`;
//  - its workload has no other move in flight, and did not send a pod back
//    out to ECI within `hysteresis` of its last move home (no flapping);
//  - an ECS node that kube-scheduler's filters accept for it (the caller
//    judges that with the same filters as `spillway explain`) has had room
//    for it for at least `stable_for`, and still has room once this pass's
//    earlier moves are counted: a move whose replacement would not fit is
//    never made;
//  - the cluster-wide budget of moves per minute is not spent.
// Oldest pods first. How a pod moves is the caller's: make-before-break for
// an ElasticWorkload's unit (raise the source within its max, then lower the
// unit), the eviction API elsewhere (PodDisruptionBudgets hold).
//
// Pure; thread-compatible.
#ifndef SPILLWAY_AUTOSCALER_REPATRIATION_PLAN_H_
#define SPILLWAY_AUTOSCALER_REPATRIATION_PLAN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace spillway::autoscaler {

// The opt-out annotation ("false" keeps a pod on ECI). Karpenter's
// `karpenter.sh/do-not-disrupt: "true"` and cluster-autoscaler's
// `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"` keep it too.
inline constexpr char kRepatriateAnnotation[] = "spillway.alibabacloud.com/repatriate";

struct EcsRoom {
  std::string node;
  int64_t cpu_milli = 0;  // Free now.
  int64_t memory_bytes = 0;
  int64_t pods = 0;
  absl::Time free_since;  // Since when at least this much has been free.
};

struct EciCandidate {
  std::string key;       // namespace/name
  std::string workload;  // Its controller: "namespace/Kind/name".
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  absl::Time running_since;
  bool asked_burst = false;  // The resolver's intent is burst (not eci_only, not forced).
  // The annotation that keeps it on ECI, as `key: "value"` ("" when none):
  // kRepatriateAnnotation "false", or another controller's "do not disrupt".
  std::string opted_out;
  // ECS nodes whose filters (taints, affinity, selectors, architecture) accept it.
  std::vector<std::string> fits_on;
};

struct WorkloadHistory {
  bool in_flight = false;  // A move of one of its pods has not finished.
  absl::Time last_home = absl::InfinitePast();  // Last pod brought home.
  absl::Time last_out = absl::InfinitePast();   // Last pod sent (back) to ECI.
};

struct RepatriationOptions {
  absl::Duration min_age = absl::Minutes(2);
  absl::Duration stable_for = absl::Minutes(1);
  absl::Duration hysteresis = absl::Minutes(10);
  int moves_per_minute = 10;
};

struct Move {
  std::string pod;
  std::string node;  // Where its replacement is expected to fit.
};

// Why a pod does not move now, as a stable code (the controller writes an
// Event when a pod's code changes, not each time the wording does).
enum class WaitReason {
  kNotBurst,     // Not a candidate at all.
  kOptedOut,
  kTooYoung,     // Under min_age.
  kMoving,       // Another pod of its workload is moving.
  kFlapped,      // Within the hysteresis after a flap.
  kNoRoom,       // No accepting ECS node has room.
  kRoomUnstable, // Room, but not for stable_for yet.
  kBudget,       // The cluster-wide budget is spent.
};
absl::string_view WaitReasonName(WaitReason reason);

struct Waiting {
  std::string pod;
  WaitReason reason = WaitReason::kNoRoom;
  std::string why;  // For humans: Events, `spillway explain`.
};

struct RepatriationPlan {
  std::vector<Move> moves;
  std::vector<Waiting> waiting;
};

// `moved_last_minute`: moves the controller made in the minute before `now`.
RepatriationPlan PlanRepatriation(std::vector<EciCandidate> candidates, std::vector<EcsRoom> room,
                                  const std::map<std::string, WorkloadHistory>& history, int moved_last_minute,
                                  const RepatriationOptions& options, absl::Time now);

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_REPATRIATION_PLAN_H_
