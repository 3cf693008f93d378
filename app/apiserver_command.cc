#include <iostream>

#include "app/commands.h"
#include "app/flags.h"
#include "app/serve_app.h"
#include "common/log_format.h"
#include "glog/logging.h"
#include "sim/apiserver/api_server.h"

namespace spillway::app {

int RunApiServer(const std::vector<std::string>& args) {
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  int verbosity = 0;
  FlagSet flags("spillway apiserver [flags]",
                "Runs the embedded Kubernetes API server: in memory, plain HTTP, no\n"
                "authentication; for tests and the demo. Point kubectl at it with\n"
                "`kubectl --server=http://HOST:PORT`, or `spillway serve --kubeconfig`\n"
                "with a kubeconfig naming that server. Serves the built-in resources\n"
                "Spillway uses, CustomResourceDefinitions (schema-validated, status and\n"
                "scale subresources, validation rules), merge/strategic/JSON patches,\n"
                "watches, finalizers, garbage collection, mutating admission webhooks\n"
                "on CREATE (by URL, or by Service through its EndpointSlices), server-side\n"
                "dry run, and OpenAPI v3 with typed, described schemas (`kubectl explain`).");
  flags.String("listen", &listen, "Address to serve on, HOST:PORT (port 0 picks one)");
  flags.Int("threads", &threads, 1, 256, "I/O and request threads");
  flags.Int("v", &verbosity, 0, 10, "Log verbosity; 1 logs every request");
  std::string vmodule;
  flags.String("vmodule", &vmodule,
               "Per-file log verbosity above --v, glog's PATTERN=LEVEL list (a source file's base name, * and ? "
               "allowed)");
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::cerr << "spillway apiserver: " << s.message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  FLAGS_v = verbosity;
  if (absl::Status s = SetVModule(vmodule); !s.ok()) {
    std::cerr << "spillway apiserver: " << s.message() << "\n";
    return 2;
  }
  sim::ApiServerOptions options;
  options.threads = threads;
  if (absl::Status s = ParseListenAddress(listen, &options.host, &options.port); !s.ok()) {
    std::cerr << "spillway apiserver: " << s.message() << "\n";
    return 2;
  }
  BlockTerminationSignals();
  absl::StatusOr<std::unique_ptr<sim::ApiServer>> server = sim::ApiServer::Start(options);
  if (!server.ok()) {
    std::cerr << "spillway apiserver: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "spillway: apiserver listening on port " << (*server)->port() << std::endl;
  StopOnTerminationSignal([&server] { (*server)->Stop(); });
  (*server)->Wait();
  return 0;
}

}  // namespace spillway::app
