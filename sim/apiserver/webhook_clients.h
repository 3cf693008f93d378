// Connections to admission webhooks kept open between calls, as
// kube-apiserver's webhook client manager keeps one transport per
// clientConfig. Without them every admitted write paid a TCP connect, a TLS
// handshake and a certificate verification on both sides (bench/README.md,
// "Webhook connections kept alive").
//
// A client is taken for one call and given back only after a complete
// exchange, so a connection in an unknown state is never reused. At most
// kMaxIdlePerTarget idle clients are kept per target and kMaxTargets targets
// (a webhook configuration edited many times leaves no trail). Thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_WEBHOOK_CLIENTS_H_
#define SPILLWAY_SIM_APISERVER_WEBHOOK_CLIENTS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/http/client.h"

namespace spillway::sim {

class WebhookClients {
 public:
  static constexpr size_t kMaxIdlePerTarget = 16;
  static constexpr size_t kMaxTargets = 64;

  // A client for `options`: one given back for the same target (address,
  // TLS name, CAs, timeout), or a new one.
  std::unique_ptr<http::Client> Take(const http::ClientOptions& options);
  // Keeps `client`, which made a complete exchange with `options`, for the
  // next call to the same target.
  void GiveBack(const http::ClientOptions& options, std::unique_ptr<http::Client> client);

  size_t idle() const;

 private:
  static std::string TargetOf(const http::ClientOptions& options);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<std::unique_ptr<http::Client>>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_WEBHOOK_CLIENTS_H_
