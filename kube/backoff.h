// Exponential backoff with jitter, for reconnecting watches and retrying API
// calls: each delay doubles up to a cap, and is spread by up to +`jitter` of
// itself so that many clients recovering from one outage do not reconnect in
// lockstep. Not thread-safe; randomness is injected so tests can pin it.
#ifndef SPILLWAY_KUBE_BACKOFF_H_
#define SPILLWAY_KUBE_BACKOFF_H_

#include <algorithm>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/distributions.h"
#include "absl/time/time.h"

namespace spillway::kube {

class Backoff {
 public:
  struct Options {
    absl::Duration initial = absl::Milliseconds(200);
    // A reflector backing off during an outage retries at least this often,
    // so an API server that is back is noticed within about max * 1.5 even
    // when nothing else in the process calls it (an extender alone).
    absl::Duration max = absl::Seconds(10);
    double jitter = 0.5;  // Each delay grows by a random fraction in [0, jitter).
  };

  // `random` must outlive the Backoff.
  Backoff(Options options, absl::BitGenRef random) : options_(options), random_(random) {}

  // The next delay to wait; grows until Reset().
  absl::Duration Next() {
    absl::Duration base = current_ == absl::ZeroDuration() ? options_.initial : current_ * 2;
    current_ = std::min(base, options_.max);
    const double spread = options_.jitter > 0 ? absl::Uniform(random_, 0.0, options_.jitter) : 0;
    return current_ + current_ * spread;
  }
  // Called after a success: the next failure waits `initial` again.
  void Reset() { current_ = absl::ZeroDuration(); }

 private:
  const Options options_;
  absl::BitGenRef random_;
  absl::Duration current_ = absl::ZeroDuration();
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_BACKOFF_H_
