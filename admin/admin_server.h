// The admin API's gRPC server: the Admin service, the standard
// grpc.health.v1.Health service (overall "" and "spillway.admin.v1.Admin"
// SERVING while the server runs) and server reflection (grpcurl, and
// `spillway explain`/`status` need no local .proto), on a port of its own.
//
// Plaintext: bind it to loopback (the default, 127.0.0.1:10264) and reach it
// with `kubectl port-forward`, or put it behind a NetworkPolicy; what it
// answers names pods and nodes.
//
// Bounded: gRPC's own limits (AdminServerLimits: a ResourceQuota, concurrent
// streams, metadata and message sizes, connection idle time and age), and in
// front of it an H2Guard (h2_guard.h) owning the operator's address, because
// gRPC 1.51 lets one client's CONTINUATION flood or rapid reset take gigabytes
// whatever those limits say; the gRPC server itself listens on loopback on a
// port of its own.
//
// Lifecycle: Start() once, Stop() (idempotent) ends the calls in flight
// within `grace`. Thread-safe.
#ifndef SPILLWAY_ADMIN_ADMIN_SERVER_H_
#define SPILLWAY_ADMIN_ADMIN_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "admin/admin_service.h"
#include "admin/h2_guard.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace spillway::admin {

// What one admin port may use at most.
struct AdminServerLimits {
  size_t memory_bytes = 32 << 20;
  int max_threads = 16;
  int max_concurrent_streams = 16;
  int max_message_bytes = 64 << 10;
  int max_metadata_bytes = 16 << 10;
  int connection_idle_ms = 5 * 60 * 1000;
  int connection_age_ms = 30 * 60 * 1000;
};

// Applies `limits` to a server being built.
void ApplyLimits(grpc::ServerBuilder& builder, const AdminServerLimits& limits = AdminServerLimits());

class AdminServer {
 public:
  // Binds `listen` ("HOST:PORT", port 0 picks one) and serves `service`,
  // which must outlive the server. Unavailable naming the address when it
  // cannot bind.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const std::string& listen, AdminService& service);
  ~AdminServer();

  // The port clients use (the guard's).
  uint16_t port() const { return guard_->port(); }
  void Stop(absl::Duration grace = absl::Seconds(2));

 private:
  AdminServer(std::unique_ptr<grpc::Server> server, std::unique_ptr<H2Guard> guard)
      : server_(std::move(server)), guard_(std::move(guard)) {}

  absl::Mutex mu_;
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<H2Guard> guard_;
};

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_ADMIN_SERVER_H_
