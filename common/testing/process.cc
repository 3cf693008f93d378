#include "common/testing/process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

namespace spillway::testing {

Process::Process(std::vector<std::string> args, std::vector<std::string> env) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    for (std::string& entry : env) putenv(entry.data());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  stdout_ = fdopen(out[0], "r");
  stderr_reader_ = std::thread([this, fd = err[0]] {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) stderr_.append(buf, static_cast<size_t>(n));
    close(fd);
  });
}

Process::~Process() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stderr_reader_.joinable()) stderr_reader_.join();
  if (stdout_ != nullptr) fclose(stdout_);
}

std::string Process::WaitForLine(const std::string& prefix) {
  char line[4096];
  while (stdout_ != nullptr && fgets(line, sizeof(line), stdout_) != nullptr) {
    std::string text(line);
    if (text.rfind(prefix, 0) == 0) return text.substr(prefix.size());
  }
  return "";
}

std::string Process::ReadAllStdout() {
  std::string all;
  char buf[4096];
  size_t n;
  while (stdout_ != nullptr && (n = fread(buf, 1, sizeof(buf), stdout_)) > 0) all.append(buf, n);
  return all;
}

std::string Process::ReadAllStderr() {
  if (stderr_reader_.joinable()) stderr_reader_.join();
  return stderr_;
}

void Process::Signal(int signal) { kill(pid_, signal); }

int Process::Wait() {
  if (exited_) return exit_code_;
  int status = 0;
  waitpid(pid_, &status, 0);
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

int Process::ExitCodeIfExited() {
  if (exited_) return exit_code_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return -1;
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

CommandResult RunCommand(const std::string& command_line) {
  CommandResult result;
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace spillway::testing
