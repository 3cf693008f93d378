// Writes a stand-in hands off so that its pass goes on meanwhile, as
// kube-scheduler binds in a goroutine per pod and writes Events through an
// asynchronous broadcaster. One thread runs them in the order submitted;
// Drain() waits for every one, so a pass that drains before it returns
// still ends with all its writes made: simulated time never runs ahead of
// them, and the same seed gives the same story.
//
// Thread-safe. The destructor drains, then stops the thread.
#ifndef SPILLWAY_SIM_CLUSTER_WRITE_QUEUE_H_
#define SPILLWAY_SIM_CLUSTER_WRITE_QUEUE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace spillway::sim {

class WriteQueue {
 public:
  // At most this many writes wait; Submit blocks beyond it (memory stays
  // bounded when a pass has 50,000 pods to place; nothing is dropped).
  static constexpr size_t kMaxPending = 1024;

  WriteQueue();
  ~WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Runs `write` on the queue's thread after every write submitted before.
  void Submit(std::function<void()> write);
  // Returns once every write submitted before the call has run.
  void Drain();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> pending_ ABSL_GUARDED_BY(mu_);
  bool running_one_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_WRITE_QUEUE_H_
