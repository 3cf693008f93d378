// The `spillway` binary: dispatches to a subcommand. Wiring only.
#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"
#include "common/version.h"
#include "glog/logging.h"

namespace {

constexpr char kUsage[] =
    "Usage: spillway <command> [flags]\n"
    "\n"
    "Spillway bursts Kubernetes pods from regular (ECS) nodes onto virtual nodes\n"
    "(elastic container instances) under the alibabacloud.com/burst-resource policy.\n"
    "\n"
    "Commands:\n"
    "  serve      Serve the extender, autoscaler, webhook and admin API, /metrics and probes\n"
    "  explain    Explain why a pod is where it is (asks serve's admin API)\n"
    "  status     Show what a running serve knows: leader, caches, quota, cool-downs, profile\n"
    "  apiserver  Run the embedded in-memory Kubernetes API server (tests, demo)\n"
    "  sim        Run a simulated cluster with Spillway in it (the demo's main part)\n"
    "  version    Print the version (also --version)\n"
    "  help       Print this help\n"
    "\n"
    "Run 'spillway <command> --help' for a command's flags.\n";

// Installed (or linked) as `kubectl-spillway` on PATH, the binary is a kubectl
// plugin: `kubectl spillway explain pod NS/NAME`, `kubectl spillway status`.
constexpr char kPluginName[] = "kubectl-spillway";
constexpr char kPluginUsage[] =
    "Usage: kubectl spillway <command> [flags]\n"
    "\n"
    "Asks a running Spillway's admin API (--server=HOST:PORT, default 127.0.0.1:10264;\n"
    "first: kubectl -n kube-system port-forward deploy/spillway 10264).\n"
    "\n"
    "Commands:\n"
    "  explain    Explain why a pod is where it is: kubectl spillway explain pod NS/NAME\n"
    "  status     Show what Spillway knows: leader, caches, quota, cool-downs, profile\n"
    "  version    Print the version\n"
    "  help       Print this help\n"
    "\n"
    "Run 'kubectl spillway <command> --help' for a command's flags.\n";

// The name the binary was started under, without its directory.
std::string ProgramName(const char* argv0) {
  const std::string path = argv0;
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  const bool plugin = ProgramName(argv[0]) == kPluginName;
  const char* const usage = plugin ? kPluginUsage : kUsage;
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help" ||
      std::string(argv[1]) == "-h") {
    std::cout << usage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (plugin && command != "explain" && command != "status" && command != "version" && command != "--version") {
    std::cerr << "kubectl spillway: '" << command
              << "' is not a plugin command; the plugin asks a running Spillway (explain, status, version). "
                 "Run the spillway binary itself for serve, apiserver and sim.\n\n"
              << kPluginUsage;
    return 2;
  }
  if (command == "version" || command == "--version") {
    std::cout << "spillway " << spillway::kVersion << " (" << spillway::kCompiler << ")\n";
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "serve") return spillway::app::RunServe(args);
  if (command == "apiserver") return spillway::app::RunApiServer(args);
  if (command == "sim") return spillway::app::RunSim(args);
  if (command == "explain") return spillway::app::RunExplain(args);
  if (command == "status") return spillway::app::RunStatus(args);
  std::cerr << "spillway: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
