#include "sim/cluster/parallel_writes.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace spillway::sim {

std::vector<absl::Status> WriteInParallel(size_t count, const std::function<absl::Status(size_t)>& write,
                                          size_t in_flight) {
  std::vector<absl::Status> results(count);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) results[i] = write(i);
  };
  std::vector<std::thread> workers;
  const size_t threads = std::max<size_t>(1, std::min(count, in_flight));
  for (size_t w = 1; w < threads; ++w) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  return results;
}

}  // namespace spillway::sim
