#include "admin/admin_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace spillway::admin {

void ApplyLimits(grpc::ServerBuilder& builder, const AdminServerLimits& limits) {
  // Memory and threads for everything the port does (connections, streams,
  // metadata being read, handlers), so that no client can grow either without
  // bound; past them gRPC refuses new work instead of the process dying.
  grpc::ResourceQuota quota("spillway-admin");
  quota.Resize(limits.memory_bytes);
  quota.SetMaxThreads(limits.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 2);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams);
  // Requests are a pod's namespace and name: small. Header blocks (a
  // CONTINUATION flood never ends one) are cut at a few KiB.
  builder.SetMaxReceiveMessageSize(limits.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, limits.max_metadata_bytes);
  builder.AddChannelArgument("grpc.absolute_max_metadata_size", limits.max_metadata_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, limits.connection_idle_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, limits.connection_age_ms);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 5000);
  // A client pinging without streams is a client doing nothing useful.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const std::string& listen, AdminService& service) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  const size_t colon = listen.rfind(':');
  uint32_t listen_port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &listen_port) ||
      listen_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--admin-listen=", listen, ": expected HOST:PORT, e.g. 127.0.0.1:10264"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  ApplyLimits(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return absl::UnavailableError("the admin API's gRPC server did not start");
  absl::StatusOr<std::unique_ptr<H2Guard>> guard =
      H2Guard::Start(host, static_cast<uint16_t>(listen_port), static_cast<uint16_t>(port));
  if (!guard.ok()) {
    server->Shutdown();
    return guard.status();
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health != nullptr) {
    health->SetServingStatus(true);
    health->SetServingStatus(v1::Admin::service_full_name(), true);
  }
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(server), *std::move(guard)));
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop(absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  if (server_ == nullptr) return;
  guard_->Stop();  // No new calls; the ones relayed end with their connections.
  if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace));
  server_->Wait();
  server_.reset();
}

}  // namespace spillway::admin
