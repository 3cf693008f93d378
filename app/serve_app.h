// `spillway serve`: wires the configured components behind one HTTP(S) port.
//
// Components (app/component.h): "extender" (routes below), "autoscaler"
// (controllers run by the replica holding a Lease), "webhook" (the admission
// webhook on a port of its own; it and the autoscaler need cluster access)
// and "admin" (the gRPC admin API on a port of its own).
// Routes: POST /extender/{filter,prioritize,preempt} (component "extender"),
// GET /metrics (prometheus-cpp registry, text format), GET /healthz (the
// process serves), GET /readyz (every component can answer correctly, e.g. the
// node and namespace caches have synced). With `metrics_listen` the last three
// move to a plain-HTTP port of their own.
//
// Lifecycle: Start() binds and serves on background threads; the destructor
// (or Stop()) shuts down within the config's server.shutdownGraceSeconds:
// requests being answered finish, the autoscaler releases its Lease, and at
// the deadline every API call still waiting (a frozen API server) is cut off.
// Thread-safe.
#ifndef SPILLWAY_APP_SERVE_APP_H_
#define SPILLWAY_APP_SERVE_APP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/config.pb.h"
#include "kube/connection.h"
#include "scheduler/cluster_view.h"

namespace spillway::app {

// Every component this build has (app/component.h's list), in start order.
const std::vector<std::string>& AvailableComponents();

// What `--components` defaults to: the extender, which needs no cluster
// access in full mode. The autoscaler is asked for explicitly.
inline const std::vector<std::string>& DefaultComponents() {
  static const auto* const kComponents = new std::vector<std::string>{"extender"};
  return *kComponents;
}

// The autoscaler's replica identity and lease (leader election).
struct LeaderElectionOptions {
  bool enabled = true;
  std::string lease_namespace = "kube-system";
  std::string lease_name = "spillway-autoscaler";
  // Unique per replica; empty: <hostname>_<random>.
  std::string identity;
};

struct ServeOptions {
  // HOST:PORT; port 0 picks a free port.
  std::string listen = "0.0.0.0:10262";
  std::vector<std::string> components = DefaultComponents();
  std::string tls_cert_file;
  std::string tls_key_file;
  // With TLS: only clients with a certificate from these CAs (kube-scheduler's
  // tlsConfig.certFile/keyFile) reach the main port.
  std::string client_ca_file;
  // HOST:PORT of a plain-HTTP port for /metrics, /healthz, /livez and /readyz
  // (Prometheus and the kubelet's probes carry no client certificate); they
  // then leave the main port. Empty: the main port serves them.
  std::string metrics_listen;
  int threads = 2;
  // Component "webhook": its HTTPS port (API servers call webhooks over TLS
  // only) and the directory holding tls.crt and tls.key (as cert-manager
  // mounts a Secret), re-read when they change.
  std::string webhook_listen = "0.0.0.0:9443";
  std::string webhook_cert_dir;
  // Self-managed certificates (no cert-manager): when set, the CA and serving
  // certificate are kept in this Secret ("namespace/name") shared by every
  // replica, written into webhook_cert_dir, and the CA into the caBundle of
  // `webhook_configuration`; the certificate names `webhook_service`.
  std::string webhook_self_managed_secret;
  std::string webhook_service = "kube-system/spillway-webhook";
  std::string webhook_configuration = "spillway";
  // Component "admin": the gRPC admin API's address (proto/admin.proto).
  // Loopback by default: reach it with `kubectl port-forward`.
  std::string admin_listen = "127.0.0.1:10264";
  // The API server to watch nodes and namespaces on (names mode, namespace
  // opt-in); unset runs the extender standalone (full mode needs nothing).
  std::optional<kube::Connection> cluster;
  // Or a ready-made view (tests); takes precedence over `cluster`. Must
  // outlive the app.
  const scheduler::ClusterView* cluster_view = nullptr;
  // Component "autoscaler" (needs `cluster`).
  LeaderElectionOptions leader_election;
  // The eci-profile ConfigMap (docs/eci-rules.md §4), watched with cluster access.
  std::string eci_profile_namespace = "kube-system";
  std::string eci_profile_name = "eci-profile";
  // Spillway's own namespace (never rescued); $POD_NAMESPACE in a pod.
  std::string own_namespace = "kube-system";
};

// Tunes glibc malloc for a server whose requests allocate and free the same
// large buffers over and over (up to ~60 MB for 5000 full Node objects): never
// give the heap top back to the kernel and keep blocks up to 32 MiB out of
// mmap, so steady-state requests neither fault in fresh pages nor trigger TLB
// shootdowns across threads. Process-wide; call once at start-up.
void TuneAllocatorForServing();

// Blocks SIGINT and SIGTERM in the calling thread; call before starting any
// thread so every thread inherits the mask.
void BlockTerminationSignals();
// Starts a detached thread that calls `stop` when SIGINT or SIGTERM arrives
// (after BlockTerminationSignals()).
void StopOnTerminationSignal(std::function<void()> stop);

// Splits "HOST:PORT" ("[::1]:80" for IPv6). InvalidArgument naming the value.
// `flag` names the flag in the message.
absl::Status ParseListenAddress(const std::string& listen, std::string* host, uint16_t* port,
                                absl::string_view flag = "listen");

// Parses "--components=a,b"; InvalidArgument for unknown names (listing the
// available ones) and for an empty list.
absl::StatusOr<std::vector<std::string>> ParseComponents(const std::string& list);

class ServeApp {
 public:
  static absl::StatusOr<std::unique_ptr<ServeApp>> Start(const ServeOptions& options,
                                                         const config::SpillwayConfig& config);
  ~ServeApp();

  uint16_t port() const;
  // The metrics port (0 without ServeOptions::metrics_listen).
  uint16_t metrics_port() const;
  // Ports components serve of their own, by name (e.g. {"webhook", 9443}).
  std::vector<std::pair<std::string, uint16_t>> component_ports() const;
  // Blocks until Stop().
  void Wait();
  void Stop();

  class Impl;

 private:
  explicit ServeApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spillway::app

#endif  // SPILLWAY_APP_SERVE_APP_H_
