#include "common/run_program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace spillway {
namespace {

// The caller's environment with `extra` set over it, as NAME=VALUE strings.
std::vector<std::string> Environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& [name, value] : extra) replaced |= entry.rfind(name + "=", 0) == 0;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [name, value] : extra) env.push_back(absl::StrCat(name, "=", value));
  return env;
}

// Reads both pipes until they close or `until`; false on the deadline.
bool Drain(int out_fd, int err_fd, absl::Time until, size_t max, ProgramOutput* output) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* texts[2] = {&output->stdout_text, &output->stderr_text};
  int open = 2;
  while (open > 0) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    if (poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) < 0 && errno != EINTR) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char chunk[4096];
      const ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (texts[i]->size() < max) texts[i]->append(chunk, std::min(static_cast<size_t>(n), max - texts[i]->size()));
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<ProgramOutput> RunProgram(const std::vector<std::string>& args, const ProgramOptions& options) {
  if (args.empty() || args[0].empty()) return absl::InvalidArgumentError("no program to run");
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  // Everything the child needs is built before fork (only async-signal-safe
  // calls after it).
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::vector<std::string> env_strings = Environment(options.env);
  std::vector<char*> envp;
  for (const std::string& entry : env_strings) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  int status_pipe[2];  // Carries execvpe's errno to the parent; closes on a successful exec.
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execvpe(argv[0], argv.data(), envp.data());
    const int error = errno;
    (void)!write(status_pipe[1], &error, sizeof(error));
    _exit(127);
  }
  const int fork_error = pid < 0 ? errno : 0;
  for (int fd : {out[1], err[1], status_pipe[1]}) close(fd);
  if (pid < 0) {
    for (int fd : {out[0], err[0], status_pipe[0]}) close(fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(fork_error)));
  }
  int exec_error = 0;
  const bool exec_failed = read(status_pipe[0], &exec_error, sizeof(exec_error)) == sizeof(exec_error);
  close(status_pipe[0]);
  ProgramOutput output;
  const bool finished = exec_failed || Drain(out[0], err[0], absl::Now() + options.timeout, options.max_output_bytes,
                                             &output);
  close(out[0]);
  close(err[0]);
  if (!finished) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (exec_failed) return absl::NotFoundError(absl::StrCat("cannot run ", args[0], ": ", std::strerror(exec_error)));
  if (!finished) {
    return absl::DeadlineExceededError(
        absl::StrCat(args[0], " did not finish within ", absl::FormatDuration(options.timeout), " and was killed"));
  }
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

}  // namespace spillway
