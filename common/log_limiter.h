// Rate-limits a log line that a failing dependency would otherwise repeat in a
// tight loop (accept() out of descriptors, an unreachable API server): the
// first occurrence logs at once, later ones at most once per interval, each
// saying how many were suppressed meanwhile.
//
// Thread-safe: several threads may report the same condition.
#ifndef SPILLWAY_COMMON_LOG_LIMITER_H_
#define SPILLWAY_COMMON_LOG_LIMITER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace spillway {

class LogLimiter {
 public:
  explicit LogLimiter(absl::Duration interval) : interval_(interval) {}

  // Whether to log now. When it answers true, `*suppressed` is the number of
  // occurrences swallowed since the last line (0 for the first).
  bool ShouldLog(absl::Time now, int64_t* suppressed) {
    absl::MutexLock lock(&mu_);
    if (last_ != absl::InfinitePast() && now - last_ < interval_) {
      ++suppressed_;
      return false;
    }
    last_ = now;
    *suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

  // Forgets the past (the condition cleared): the next occurrence logs at once.
  void Reset() {
    absl::MutexLock lock(&mu_);
    last_ = absl::InfinitePast();
    suppressed_ = 0;
  }

 private:
  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace spillway

#endif  // SPILLWAY_COMMON_LOG_LIMITER_H_
