// Small helpers the load drivers share for reporting.
#ifndef SPILLWAY_BENCH_STATS_H_
#define SPILLWAY_BENCH_STATS_H_

#include <algorithm>
#include <vector>

namespace spillway::bench {

// The p-th percentile (0..1, nearest rank) of `values`; 0 when empty.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace spillway::bench

#endif  // SPILLWAY_BENCH_STATS_H_
