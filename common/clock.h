// Time as a dependency: components that wait, expire or back off take a
// Clock&, so tests drive grace periods, cool-downs and leases with a
// FakeClock instead of sleeping. Both implementations are thread-safe.
#ifndef SPILLWAY_COMMON_CLOCK_H_
#define SPILLWAY_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace spillway {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide real clock.
  static Clock& Real();
};

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

inline Clock& Clock::Real() {
  static RealClock* const clock = new RealClock();
  return *clock;
}

// A clock that moves only when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'790'000'000)) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway

#endif  // SPILLWAY_COMMON_CLOCK_H_
