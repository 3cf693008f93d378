// Component "admin": the gRPC admin API (proto/admin.proto; Explain, Status,
// grpc.health.v1, reflection) on --admin-listen. It reads what the process
// shares and asks the other running components for their part; it writes
// nothing to the cluster. Without cluster access Status still answers and
// Explain says why it cannot.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "admin/admin_server.h"
#include "admin/admin_service.h"
#include "app/component.h"
#include "app/serve_app.h"
#include "glog/logging.h"

namespace spillway::app {
namespace {

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

class Admin final : public Component {
 public:
  explicit Admin(ProcessParts& parts)
      : listen_(parts.options.admin_listen),
        service_(admin::AdminSources{parts.resolver, parts.rule, parts.eci_profile,
                                     absl::StrCat(parts.options.eci_profile_namespace, "/",
                                                  parts.options.eci_profile_name),
                                     parts.client, parts.informers, parts.quota, parts.stock,
                                     parts.component_states, parts.contributors}) {}

  absl::Status Start() override {
    absl::StatusOr<std::unique_ptr<admin::AdminServer>> server = admin::AdminServer::Start(listen_, service_);
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    LOG(INFO) << "admin API (gRPC) on " << listen_ << " (port " << server_->port() << ")";
    std::string host;
    uint16_t port = 0;
    if (ParseListenAddress(listen_, &host, &port, "admin-listen").ok() && !IsLoopback(host)) {
      LOG(WARNING) << "--admin-listen=" << listen_
                   << ": the admin API is plaintext and unauthenticated, and its answers name pods and nodes; "
                      "anyone who can reach this address can read them. Bind it to 127.0.0.1 and use kubectl "
                      "port-forward, or restrict the port with a NetworkPolicy.";
    }
    return absl::OkStatus();
  }
  void Stop() override {
    if (server_ != nullptr) server_->Stop();
  }
  std::vector<std::pair<std::string, uint16_t>> Ports() const override {
    if (server_ == nullptr) return {};
    return {{"admin", server_->port()}};
  }

 private:
  const std::string listen_;
  admin::AdminService service_;
  std::unique_ptr<admin::AdminServer> server_;
};

}  // namespace

ComponentDescriptor AdminComponent() {
  ComponentDescriptor descriptor;
  descriptor.name = "admin";
  descriptor.check = [](const ServeOptions& options) -> absl::Status {
    std::string host;
    uint16_t port = 0;
    if (options.admin_listen.empty()) {
      return absl::InvalidArgumentError(
          "--admin-listen is empty: the admin component needs HOST:PORT, e.g. 127.0.0.1:10264 (or leave "
          "\"admin\" out of --components)");
    }
    return ParseListenAddress(options.admin_listen, &host, &port, "admin-listen");
  };
  descriptor.create = [](ProcessParts& parts) -> absl::StatusOr<std::unique_ptr<Component>> {
    return std::make_unique<Admin>(parts);
  };
  return descriptor;
}

}  // namespace spillway::app
