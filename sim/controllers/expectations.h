// What a controller's last writes are waiting to see in its watch cache, as
// kube-controller-manager's ControllerExpectations keep it: per owner, a
// count of pods created (their names come from generateName) and the names
// of pods deleted. A watch's ADDED event lowers the count; a pod's
// deletionTimestamp or DELETED event clears its name. A controller leaves an
// owner alone while its expectations are unmet (its cache lags its writes),
// or until they are 5 minutes old (a lost event must not freeze it).
// Thread-safe: the watch thread observes, the controller's pass expects.
#ifndef SPILLWAY_SIM_CONTROLLERS_EXPECTATIONS_H_
#define SPILLWAY_SIM_CONTROLLERS_EXPECTATIONS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace spillway::sim {

class ControllerExpectations {
 public:
  static constexpr absl::Duration kTimeout = absl::Minutes(5);

  // Before creating `count` pods for `owner` (their ADDED events may arrive
  // before the creates return).
  void ExpectCreations(const std::string& owner, int count, absl::Time now);
  // After the creates: `count` of them never happened and will never show.
  void CreationsFailed(const std::string& owner, int count);
  // Before deleting `pods` of `owner`.
  void ExpectDeletions(const std::string& owner, const std::vector<std::string>& pods, absl::Time now);
  // A delete that failed (other than NotFound): it will never show.
  void DeletionFailed(const std::string& owner, const std::string& pod);

  // From the pod watch: `owner`'s pod `pod` was added, or is going (a
  // deletionTimestamp) or gone.
  void CreationObserved(const std::string& owner);
  void DeletionObserved(const std::string& owner, const std::string& pod);

  // Whether `owner` may be synced at `now`: nothing expected, everything
  // seen, or expected more than kTimeout ago. A satisfied owner's record is
  // dropped.
  bool Satisfied(const std::string& owner, absl::Time now);

  // Owners still waiting.
  int Unmet() const;

 private:
  struct Expected {
    int adds = 0;
    std::set<std::string> deletes;
    absl::Time since;
    bool Met() const { return adds <= 0 && deletes.empty(); }
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Expected> by_owner_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CONTROLLERS_EXPECTATIONS_H_
