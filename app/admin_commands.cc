// `spillway explain` and `spillway status`: the admin API's command-line
// clients (proto/admin.proto). They print text for humans by default, or the
// answer as JSON/YAML with -o.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "admin/admin_client.h"
#include "admin/format.h"
#include "app/commands.h"
#include "app/flags.h"

namespace spillway::app {
namespace {

struct ClientFlags {
  std::string server = "127.0.0.1:10264";
  std::string output;
  int timeout_seconds = 10;
};

void DeclareClientFlags(FlagSet& flags, ClientFlags* f) {
  flags.String("server", &f->server,
               "HOST:PORT of spillway serve's admin API (--admin-listen; e.g. after kubectl -n kube-system "
               "port-forward deploy/spillway 10264)");
  flags.String("output", &f->output, "Print the answer as json or yaml; empty prints text");
  flags.String("o", &f->output, "Same as --output");
  flags.Int("timeout", &f->timeout_seconds, 1, 600, "Seconds to wait for the answer");
}

// --server as HOST:PORT, before gRPC sees it (an empty one made gRPC print
// "the target uri is not valid: dns:///" and "Failed to create secure client channel").
absl::Status CheckServer(const std::string& server) {
  const size_t colon = server.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || colon == 0 || !absl::SimpleAtoi(server.substr(colon + 1), &port) || port == 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--server='", server, "': expected HOST:PORT of spillway serve's admin API, e.g. 127.0.0.1:10264"));
  }
  return absl::OkStatus();
}

// Leading arguments that are not flags.
std::vector<std::string> TakePositional(std::vector<std::string>& args) {
  std::vector<std::string> positional;
  while (!args.empty() && !absl::StartsWith(args.front(), "-")) {
    positional.push_back(args.front());
    args.erase(args.begin());
  }
  return positional;
}

// Prints `text` or the formatted message; answers the exit code.
int Print(const google::protobuf::Message& message, const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
    return 0;
  }
  absl::StatusOr<std::string> formatted = admin::FormatMessage(message, output);
  if (!formatted.ok()) {
    std::cerr << "spillway: " << formatted.status().message() << "\n";
    return 2;
  }
  std::cout << *formatted;
  return 0;
}

}  // namespace

int RunExplain(const std::vector<std::string>& arguments) {
  std::vector<std::string> args = arguments;
  std::vector<std::string> positional = TakePositional(args);
  ClientFlags f;
  std::string ns = "default";
  FlagSet flags("spillway explain pod NAMESPACE/NAME [flags]  (or: pod NAME -n NAMESPACE)",
                "Why a pod is where it is: its ECI intent and where it came from, every node's extender verdict "
                "now, what the autoscaler did or would do, and its Events.");
  DeclareClientFlags(flags, &f);
  flags.String("namespace", &ns, "The pod's namespace when NAME has none");
  flags.String("n", &ns, "Same as --namespace");
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::cerr << "spillway explain: " << s.message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (absl::Status s = CheckServer(f.server); !s.ok()) {
    std::cerr << "spillway explain: " << s.message() << "\n";
    return 2;
  }
  if (positional.size() != 2 || (positional[0] != "pod" && positional[0] != "pods" && positional[0] != "po")) {
    std::cerr << "spillway explain: expected 'pod NAMESPACE/NAME' (or 'pod NAME -n NAMESPACE')\n";
    return 2;
  }
  std::string name = positional[1];
  if (const size_t slash = name.find('/'); slash != std::string::npos) {
    ns = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  absl::StatusOr<admin::v1::ExplainResponse> answer =
      admin::CallExplain(f.server, ns, name, absl::Seconds(f.timeout_seconds));
  if (!answer.ok()) {
    std::cerr << "spillway explain: " << answer.status().message() << "\n";
    return 1;
  }
  return Print(*answer, admin::FormatExplain(*answer), f.output);
}

int RunStatus(const std::vector<std::string>& arguments) {
  std::vector<std::string> args = arguments;
  ClientFlags f;
  FlagSet flags("spillway status [flags]",
                "What a running spillway serve knows: components and readiness, leader, caches, ECI quota, stock "
                "cool-downs, the eci-profile in force, ElasticWorkloads and their split.");
  DeclareClientFlags(flags, &f);
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::cerr << "spillway status: " << s.message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (absl::Status s = CheckServer(f.server); !s.ok()) {
    std::cerr << "spillway status: " << s.message() << "\n";
    return 2;
  }
  absl::StatusOr<admin::v1::StatusResponse> answer = admin::CallStatus(f.server, absl::Seconds(f.timeout_seconds));
  if (!answer.ok()) {
    std::cerr << "spillway status: " << answer.status().message() << "\n";
    return 1;
  }
  return Print(*answer, admin::FormatStatus(*answer), f.output);
}

}  // namespace spillway::app
