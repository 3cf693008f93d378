// A guard in front of the admin API's gRPC server. gRPC 1.51 (Debian's) does
// not bound what one HTTP/2 client may make it hold: a header block that never
// ends (HEADERS, then CONTINUATION frames without END_HEADERS) grew the process
// from 20 MB to 3.4 GB in 10 s, and streams opened and reset at once (HTTP/2
// rapid reset, CVE-2023-44487) to 1.4 GB — whatever its ResourceQuota and
// metadata limits say. The admin port shares the process with the extender,
// the webhook and the autoscaler, so the guard bounds it where gRPC does not:
//
//  - at most `max_connections` client connections at once (more are closed
//    on accept), each relayed by two threads: threads are bounded;
//  - per connection, H2Policer reads the client's frames as they pass: a
//    header block larger than `max_header_block_bytes`, a frame larger than
//    HTTP/2's default maximum (16 KiB), or more than `max_resets` streams
//    reset by the client within `reset_window` closes the connection;
//  - across connections, new calls are admitted at `calls_per_second` (a
//    burst of `call_burst`): a client reconnecting after every cut would
//    otherwise still queue calls faster than a busy machine's gRPC threads
//    free them (a rapid reset reached 309 MB under load that way). Past it,
//    the connection that asked is closed.
//
// The gRPC server listens on loopback on a port of its own; the guard owns the
// address the operator gave (--admin-listen). Thread-safe; Stop() closes
// every connection and joins its threads.
#ifndef SPILLWAY_ADMIN_H2_GUARD_H_
#define SPILLWAY_ADMIN_H2_GUARD_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace spillway::admin {

struct H2GuardLimits {
  int max_connections = 16;
  size_t max_header_block_bytes = 16 << 10;
  int max_resets = 200;
  absl::Duration reset_window = absl::Seconds(10);
  double calls_per_second = 50;
  double call_burst = 100;
};

// New calls admitted across every connection of a guard: a token bucket.
// Thread-safe.
class CallBudget {
 public:
  CallBudget(double per_second, double burst) : per_second_(per_second), burst_(burst), tokens_(burst) {}
  // Whether one more call may start at `now`.
  bool Take(absl::Time now);

 private:
  const double per_second_;
  const double burst_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time last_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Follows the client's side of one HTTP/2 connection (the preface, then
// frames) and says when it must be closed. Pure: bytes and the time in, a
// verdict out. Not thread-safe (one per connection).
class H2Policer {
 public:
  // `budget` (may be null: unlimited) is shared by a guard's connections and
  // must outlive the policer.
  explicit H2Policer(const H2GuardLimits& limits, CallBudget* budget = nullptr) : limits_(limits), budget_(budget) {}

  // Takes the next bytes the client sent; OK while the connection may go on,
  // else ResourceExhausted (or InvalidArgument for a broken preface) saying why.
  absl::Status Feed(absl::string_view bytes, absl::Time now);

 private:
  absl::Status Frame(uint8_t type, uint8_t flags, uint32_t length, absl::Time now);

  const H2GuardLimits limits_;
  CallBudget* const budget_;
  size_t preface_seen_ = 0;
  char header_[9];
  size_t header_seen_ = 0;
  uint32_t payload_left_ = 0;
  bool in_header_block_ = false;
  size_t header_block_bytes_ = 0;
  std::deque<absl::Time> resets_;
};

class H2Guard {
 public:
  // Listens on `host`:`port` (0 picks one) and relays each connection to
  // 127.0.0.1:`backend_port`. Unavailable when it cannot listen.
  static absl::StatusOr<std::unique_ptr<H2Guard>> Start(const std::string& host, uint16_t port,
                                                        uint16_t backend_port, H2GuardLimits limits = {});
  ~H2Guard();
  uint16_t port() const { return port_; }
  // Connections closed for breaking a limit, and refused for too many.
  int64_t closed_for_abuse() const { return closed_.load(); }
  int64_t refused() const { return refused_.load(); }
  void Stop();

 private:
  struct Connection;
  H2Guard(int listen_fd, uint16_t port, uint16_t backend_port, H2GuardLimits limits);
  void AcceptLoop();
  void Relay(Connection& connection);
  // Joins finished connections' threads.
  void Reap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int listen_fd_;
  const uint16_t port_;
  const uint16_t backend_port_;
  const H2GuardLimits limits_;
  CallBudget budget_;
  std::atomic<int64_t> closed_{0};
  std::atomic<int64_t> refused_{0};
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::list<std::unique_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  std::thread accept_thread_;
};

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_H2_GUARD_H_
