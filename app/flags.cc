#include "app/flags.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"

namespace spillway::app {

FlagSet::FlagSet(std::string usage, std::string summary)
    : usage_(std::move(usage)), summary_(std::move(summary)) {}

void FlagSet::String(std::string name, std::string* target, std::string help) {
  flags_.push_back({name, std::move(help), absl::StrCat("\"", *target, "\""), false,
                    [target](const std::string& value) {
                      *target = value;
                      return absl::OkStatus();
                    }});
}

void FlagSet::Int(std::string name, int* target, int min, int max, std::string help) {
  help = absl::StrCat(help, "; ", min, "..", max);
  flags_.push_back({name, std::move(help), absl::StrCat(*target), false,
                    [target, name, min, max](const std::string& value) {
                      int parsed = 0;
                      if (!absl::SimpleAtoi(value, &parsed)) {
                        return absl::InvalidArgumentError(
                            absl::StrCat("--", name, ": '", value, "' is not an integer"));
                      }
                      if (parsed < min || parsed > max) {
                        return absl::InvalidArgumentError(absl::StrCat(
                            "--", name, ": ", parsed, " is outside ", min, "..", max));
                      }
                      *target = parsed;
                      return absl::OkStatus();
                    }});
}

void FlagSet::Double(std::string name, double* target, double min, double max, std::string help) {
  help = absl::StrCat(help, "; ", min, "..", max);
  flags_.push_back({name, std::move(help), absl::StrCat(*target), false,
                    [target, name, min, max](const std::string& value) {
                      double parsed = 0;
                      if (!absl::SimpleAtod(value, &parsed) || !(parsed == parsed)) {
                        return absl::InvalidArgumentError(
                            absl::StrCat("--", name, ": '", value, "' is not a number"));
                      }
                      if (parsed < min || parsed > max) {
                        return absl::InvalidArgumentError(absl::StrCat(
                            "--", name, ": ", parsed, " is outside ", min, "..", max));
                      }
                      *target = parsed;
                      return absl::OkStatus();
                    }});
}

void FlagSet::Bool(std::string name, bool* target, std::string help) {
  flags_.push_back({name, std::move(help), *target ? "true" : "false", true,
                    [target, name](const std::string& value) {
                      if (value == "true" || value == "1") {
                        *target = true;
                      } else if (value == "false" || value == "0") {
                        *target = false;
                      } else {
                        return absl::InvalidArgumentError(
                            absl::StrCat("--", name, ": '", value, "' is not true or false"));
                      }
                      return absl::OkStatus();
                    }});
}

const FlagSet::Flag* FlagSet::Find(const std::string& name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      help_requested_ = true;
      continue;
    }
    if (!absl::StartsWith(arg, "-")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "'; flags look like --name=value"));
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = body;
    std::string value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    const Flag* flag = Find(name);
    // A one-letter flag with its value attached, as kubectl takes it: -ojson.
    if (flag == nullptr && !has_value && arg[1] != '-' && name.size() > 1) {
      if (const Flag* shorthand = Find(name.substr(0, 1)); shorthand != nullptr && !shorthand->is_bool) {
        flag = shorthand;
        value = name.substr(1);
        name = name.substr(0, 1);
        has_value = true;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "; see --help for the flags this command takes"));
    }
    if (!has_value) {
      if (flag->is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (absl::Status s = flag->set(value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string FlagSet::Help() const {
  std::string out = absl::StrCat("Usage: ", usage_, "\n\n", summary_, "\n\nFlags:\n");
  for (const Flag& flag : flags_) {
    absl::StrAppend(&out, "  --", flag.name, flag.is_bool ? "" : "=VALUE", "\n      ", flag.help,
                    " (default ", flag.default_value, ")\n");
  }
  absl::StrAppend(&out, "  --help\n      Print this help.\n");
  return out;
}

std::optional<int> ParseCommandLine(FlagSet& flags, int argc, char** argv) {
  if (absl::Status s = flags.Parse(std::vector<std::string>(argv + 1, argv + argc)); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf("%s", flags.Help().c_str());
    return 0;
  }
  return std::nullopt;
}

}  // namespace spillway::app
