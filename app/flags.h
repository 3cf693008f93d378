// Per-subcommand command-line flags: `--name=value` or `--name value`, with
// help text that `spillway <command> --help` prints. Each subcommand declares
// its own FlagSet, so `serve --help` lists exactly the flags `serve` reads.
#ifndef SPILLWAY_APP_FLAGS_H_
#define SPILLWAY_APP_FLAGS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace spillway::app {

class FlagSet {
 public:
  // `usage` is the first help line, e.g. "spillway serve [flags]".
  FlagSet(std::string usage, std::string summary);

  // Registers a flag writing into `*target` (which must outlive the set); the
  // target's current value is the documented default.
  void String(std::string name, std::string* target, std::string help);
  // Integer flags carry their valid range [min, max]: a value outside it is
  // refused at parse time (a typo such as --threads=100000 must not reach the
  // code that allocates for it).
  void Int(std::string name, int* target, int min, int max, std::string help);
  // A number with its valid range [min, max], likewise.
  void Double(std::string name, double* target, double min, double max, std::string help);
  void Bool(std::string name, bool* target, std::string help);

  // Parses `args` (without the program and subcommand names): --name=value,
  // --name value, -name=value, and a one-letter flag with its value attached
  // (-ojson, as kubectl takes it). InvalidArgument for unknown flags, missing
  // values, malformed numbers and numbers outside their range, naming the flag.
  absl::Status Parse(const std::vector<std::string>& args);

  // Whether --help (or -h) was given.
  bool help_requested() const { return help_requested_; }
  // Every flag with its default and help.
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_value;
    bool is_bool;
    std::function<absl::Status(const std::string&)> set;
  };
  const Flag* Find(const std::string& name) const;

  std::string usage_;
  std::string summary_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

// For a tool's main(): parses argv[1..]. On --help prints the help and
// answers 0; on a bad flag prints the error and answers 2; otherwise answers
// nullopt and the tool goes on.
std::optional<int> ParseCommandLine(FlagSet& flags, int argc, char** argv);

}  // namespace spillway::app

#endif  // SPILLWAY_APP_FLAGS_H_
