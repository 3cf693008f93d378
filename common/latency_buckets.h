// Histogram buckets for request latencies on the hot paths (the extender's
// verbs, the webhook's admissions), which answer in 0.1-0.5 ms: fine steps
// there so histogram_quantile() tells 150 us from 400 us, coarse ones up to
// the seconds a frozen client could cause. Every bound prints exactly in the
// text format (7.5e-05 would print as 7.499999999999999e-05). Thread-safe
// (immutable).
#ifndef SPILLWAY_COMMON_LATENCY_BUCKETS_H_
#define SPILLWAY_COMMON_LATENCY_BUCKETS_H_

#include "prometheus/histogram.h"

namespace spillway {

inline const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.00005, 0.0001, 0.000125, 0.00015, 0.000175, 0.0002, 0.00025, 0.0003, 0.0004, 0.0005, 0.00075,
      0.001,   0.0025, 0.005,    0.01,    0.025,    0.05,   0.1,     0.25,   0.5,    1.0,    2.5};
  return *kBuckets;
}

}  // namespace spillway

#endif  // SPILLWAY_COMMON_LATENCY_BUCKETS_H_
