// The subcommands of the `spillway` binary. Each parses its own flags and
// returns the process exit code (0 ok, 1 runtime failure, 2 usage error).
#ifndef SPILLWAY_APP_COMMANDS_H_
#define SPILLWAY_APP_COMMANDS_H_

#include <string>
#include <vector>

namespace spillway::app {

// `spillway serve`: the components (extender, autoscaler, webhook, admin).
int RunServe(const std::vector<std::string>& args);

// `spillway apiserver`: the embedded, in-memory Kubernetes API server.
int RunApiServer(const std::vector<std::string>& args);

// `spillway sim`: a simulated cluster with the real Spillway in it.
int RunSim(const std::vector<std::string>& args);

// `spillway explain pod NS/NAME` and `spillway status`: the admin API's
// clients (--server=HOST:PORT of --admin-listen).
int RunExplain(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);

}  // namespace spillway::app

#endif  // SPILLWAY_APP_COMMANDS_H_
