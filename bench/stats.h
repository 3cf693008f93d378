// Small helpers the load drivers share for reporting.
#ifndef SPILLWAY_BENCH_STATS_H_
#define SPILLWAY_BENCH_STATS_H_

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

namespace spillway::bench {

// The p-th percentile (0..1, nearest rank) of `values`; 0 when empty.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// Times `n` calls of `call` (which answers false on a failure), in
// milliseconds each; nullopt at the first failure.
template <typename Call>
std::optional<std::vector<double>> MeasureMilliseconds(int n, Call&& call) {
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto before = std::chrono::steady_clock::now();
    const bool ok = call();
    const auto after = std::chrono::steady_clock::now();
    if (!ok) return std::nullopt;
    latencies.push_back(std::chrono::duration<double, std::milli>(after - before).count());
  }
  return latencies;
}

}  // namespace spillway::bench

#endif  // SPILLWAY_BENCH_STATS_H_
