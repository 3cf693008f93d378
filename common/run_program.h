// Runs a program to completion and collects what it wrote: for helpers
// Spillway calls rather than serves (kubeconfig exec credential plugins).
// stdin is /dev/null (nothing interactive), stdout and stderr are captured up
// to a bound, and a program that outlives its deadline is killed.
//
// Thread-safe (each call forks its own child).
#ifndef SPILLWAY_COMMON_RUN_PROGRAM_H_
#define SPILLWAY_COMMON_RUN_PROGRAM_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace spillway {

struct ProgramOutput {
  int exit_code = 0;  // 128 + N when killed by signal N.
  std::string stdout_text;
  std::string stderr_text;
};

struct ProgramOptions {
  // Added to (or replacing in) the caller's environment.
  std::vector<std::pair<std::string, std::string>> env;
  absl::Duration timeout = absl::Seconds(30);
  size_t max_output_bytes = size_t{1} << 20;  // Per stream; the rest is dropped.
};

// Runs args[0] (looked up on PATH when it has no '/') with args. NotFound when
// it cannot be started (with the reason), DeadlineExceeded when it ran past
// the timeout (it is killed). A non-zero exit is not an error here: see
// exit_code.
absl::StatusOr<ProgramOutput> RunProgram(const std::vector<std::string>& args, const ProgramOptions& options);

}  // namespace spillway

#endif  // SPILLWAY_COMMON_RUN_PROGRAM_H_
