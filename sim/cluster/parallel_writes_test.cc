#include "sim/cluster/parallel_writes.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

TEST(WriteInParallelTest, EveryWriteRunsOnceAndItsStatusKeepsItsPlace) {
  std::vector<std::atomic<int>> calls(100);
  std::vector<absl::Status> results = WriteInParallel(100, [&](size_t i) {
    ++calls[i];
    return i % 7 == 3 ? absl::AbortedError(absl::StrCat("conflict ", i)) : absl::OkStatus();
  });
  ASSERT_EQ(results.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(calls[i].load(), 1) << i;
    if (i % 7 == 3) {
      EXPECT_EQ(results[i], absl::AbortedError(absl::StrCat("conflict ", i)));
    } else {
      EXPECT_TRUE(results[i].ok()) << i;
    }
  }
  EXPECT_TRUE(WriteInParallel(0, [](size_t) { return absl::InternalError("never"); }).empty());
}

// The writes overlap, up to the bound and no further.
TEST(WriteInParallelTest, WritesOverlapUpToTheBound) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  WriteInParallel(
      40,
      [&](size_t) {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        // Held until all four are in (bounded, should a thread never come).
        for (int waited = 0; most.load() < 4 && waited < 5000; ++waited) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        --running;
        return absl::OkStatus();
      },
      /*in_flight=*/4);
  EXPECT_EQ(most.load(), 4);
}

}  // namespace
}  // namespace spillway::sim
