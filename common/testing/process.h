// Child processes for end-to-end tests: the real `spillway` binary, kubectl.
#ifndef SPILLWAY_COMMON_TESTING_PROCESS_H_
#define SPILLWAY_COMMON_TESTING_PROCESS_H_

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace spillway::testing {

// A child process with its stdout and stderr captured through pipes; killed
// (SIGKILL) by the destructor if still running. Stderr is drained by a thread
// of its own, so a chatty child never blocks on a full pipe.
class Process {
 public:
  // Runs args[0] (a path) with `args`; `env` entries ("NAME=value") are added
  // to the inherited environment.
  explicit Process(std::vector<std::string> args, std::vector<std::string> env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads stdout lines until one starts with `prefix`; returns the rest of it
  // ("" at end of output).
  std::string WaitForLine(const std::string& prefix);
  std::string ReadAllStdout();
  // Everything the child wrote to stderr, once it closed it (exited).
  std::string ReadAllStderr();
  void Signal(int signal);
  // Waits for the exit; the exit code, or 128 + signal.
  int Wait();
  // The exit code (or 128 + signal) when the child has exited, without
  // waiting; -1 while it runs.
  int ExitCodeIfExited();
  // The child's process id (to read /proc/<pid>/status).
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  std::thread stderr_reader_;
  std::string stderr_;  // Written by stderr_reader_ until it ends.
  bool exited_ = false;
  int exit_code_ = -1;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
};

// Runs a shell command line to completion.
CommandResult RunCommand(const std::string& command_line);

}  // namespace spillway::testing

#endif  // SPILLWAY_COMMON_TESTING_PROCESS_H_
