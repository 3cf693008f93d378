// A child process the simulated cluster runs (the real `spillway serve`):
// stdout read line by line, stderr appended to a log file, stopped with
// SIGTERM (then SIGKILL after a grace period) by Stop() or the destructor,
// and sent SIGTERM by the kernel if the thread that started it dies (a
// crashed sim leaves no orphan behind).
// Not thread-safe: one owner.
#ifndef SPILLWAY_SIM_CLUSTER_CHILD_PROCESS_H_
#define SPILLWAY_SIM_CLUSTER_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace spillway::sim {

class ChildProcess {
 public:
  // Starts args[0] (a path) with `args`, stderr to `log_path`.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& args,
                                                             const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The rest of the first stdout line starting with `prefix`, reading at
  // most until `deadline`. DeadlineExceeded or Unavailable (the child
  // exited) otherwise.
  absl::StatusOr<std::string> WaitForLine(const std::string& prefix, absl::Duration deadline);

  // SIGTERM, then SIGKILL if it has not exited within `grace`. Returns the
  // exit status (as waitpid's), or -1 if it was already reaped.
  int Stop(absl::Duration grace = absl::Seconds(10));

  // The process id; -1 once stopped.
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  std::string buffered_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_CHILD_PROCESS_H_
