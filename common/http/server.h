// A small HTTP/1.1 server (plain or TLS) on Boost.Beast, shared by every
// Spillway endpoint: the scheduler extender, /metrics and health probes on
// the main port, the admission webhook (TLS) on its own, and the embedded
// API server.
//
// Why Beast: kube-scheduler waits for the extender on every pod, so the server
// must add microseconds, not milliseconds, and must stream 60 MB request bodies
// straight into one buffer; Beast gives keep-alive, per-connection timeouts,
// body limits and TLS (OpenSSL) without a framework's thread model. Bodies are
// read into a string reserved to Content-Length + kBodyPadding so a JSON parser
// that needs padding (simdjson) can parse in place without a copy.
//
// Each connection keeps its last request and response buffers for the next
// request (kube-scheduler keeps connections alive), so steady-state requests
// allocate no large memory; closing the connection frees them.
//
// Limits (the README's reliability section): a body is never reserved beyond
// what has arrived; the bodies in flight on all connections together are
// capped (503 + Retry-After past it, before the body is read), and so are the
// buffers idle connections keep; kept-alive idle connections are capped
// (the longest-idle is closed); a started header must complete within
// header_timeout and a body within body_timeout; accept() out of descriptors
// backs off, closes the longest-idle connection and logs at most every 10 s.
//
// Threading: `threads` I/O threads run both the network and the handler. The
// handler is called concurrently from several threads and must be thread-safe.
// A handler that throws produces a 500; the connection and server go on.
#ifndef SPILLWAY_COMMON_HTTP_SERVER_H_
#define SPILLWAY_COMMON_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/text_pieces.h"

namespace spillway::http {

// Bytes past body.size() that the server guarantees are allocated (and so
// readable) in Request::body: simdjson::SIMDJSON_PADDING.
inline constexpr size_t kBodyPadding = 64;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Path and query, e.g. "/extender/filter".
  std::string content_type;
  std::string accept;  // The Accept header, e.g. kubectl's "application/json;as=Table;...".
  std::string user_agent;  // e.g. "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"
  // The body; body.capacity() >= body.size() + kBodyPadding.
  std::string body;
  // An empty string that may hold capacity left by this connection's previous
  // response. A handler producing a large answer can append to it and move it
  // into Response::body, so a kept-alive connection reuses its memory instead
  // of faulting in fresh pages for every 60 MB answer.
  std::string response_buffer;
};

// A response body produced over time (a Kubernetes watch): sent with chunked
// transfer encoding until Next() reports the end or the client goes away.
// The server calls Start() once, then Next() on the connection's strand
// whenever `wake` has been called and about once a second regardless (so
// streams can time out and send keep-alive bookmarks). Implementations must
// make `wake` safe to call from any thread at any time before they are
// destroyed.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Start(std::function<void()> wake) = 0;
  // Appends whatever is ready to `*chunk` (possibly nothing) without blocking.
  // Returns false once the stream has ended (after `*chunk` is sent).
  virtual bool Next(std::string* chunk) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Further header fields, e.g. {"Retry-After", "1"}.
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, `body` is ignored and the stream is sent instead; the
  // connection closes when it ends. Streams do not hold Stop() back.
  std::shared_ptr<ResponseStream> stream;
  // When set (and `stream` is not), the body is these pieces, sent without
  // being joined: on plain HTTP in one sendmsg of up to 1,024 of them
  // (then as the socket takes the rest); the server keeps them (and what
  // they borrow) alive until the response is written. `body` then only
  // hands its capacity back to the connection (Request::response_buffer).
  std::shared_ptr<const TextPieces> body_pieces;
};

// A JSON error answer, {"Error": "<message>"}: how the server itself refuses
// requests (413, 400, 500), and the extender's errors on verbs whose result
// type has no error field.
Response ErrorResponse(int status, absl::string_view message);

using Handler = std::function<Response(Request& request)>;

struct ServerMetrics;

struct ServerOptions {
  std::string host = "0.0.0.0";
  // 0 picks a free port (tests); read it back with Server::port().
  uint16_t port = 0;
  // Larger bodies are refused with 413 before they are read.
  size_t max_body_bytes = size_t{64} << 20;
  // Request body bytes admitted on all connections together (declared
  // Content-Length, or what a chunked body has sent so far). A request that
  // would pass it is answered 503 with Retry-After. Idle connections may keep
  // buffers for reuse up to the same amount again.
  size_t max_body_bytes_in_flight = size_t{256} << 20;
  // Kept-alive connections waiting for a request; past it the longest-idle one
  // is closed.
  size_t max_idle_connections = 256;
  int threads = 2;
  // Both set: serve HTTPS with this PEM certificate chain and private key.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Set (with TLS): mutual TLS; only clients presenting a certificate issued by
  // a CA in this PEM bundle complete the handshake.
  std::string client_ca_file;
  // Positive: the certificate, key (and client CA) files are checked this
  // often and reloaded when they change (cert-manager and kubelet rotate
  // mounted Secrets by swapping symlinks). New connections get the new
  // certificate; connections already open keep theirs, so no request fails
  // during the swap. A pair that does not load is logged and the old one kept.
  absl::Duration tls_reload_interval = absl::ZeroDuration();
  // A kept-alive connection waiting this long for its next request is closed.
  absl::Duration idle_timeout = absl::Seconds(90);
  // Once a request's first byte arrived (or a TLS handshake began), its header
  // must be complete within this; its body within body_timeout after that.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(60);
  // Stop() waits this long at most for requests already being answered.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Optional; must outlive the server.
  ServerMetrics* metrics = nullptr;
};

// How long before a serving certificate expires Start() warns about it.
inline constexpr absl::Duration kCertificateExpiryWarning = absl::Hours(24 * 30);

// The warning to log for a certificate valid until `not_after` at `now`, or
// "" when it is far from expiry.
std::string CertificateExpiryWarning(absl::string_view file, absl::Time not_after, absl::Time now);

class Server {
 public:
  // Binds, listens and starts serving on background threads. Errors:
  // InvalidArgument for a bad host or TLS options, Unavailable when the
  // address cannot be bound, FailedPrecondition when the TLS files cannot be
  // loaded or the certificate and key do not belong together (naming the
  // files). Logs a warning when the certificate expires within 30 days.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       Handler handler);
  // Stops (see Stop()).
  ~Server();

  uint16_t port() const;
  bool tls() const;
  // Stops accepting, lets requests already being answered finish (at most
  // shutdown_grace), then closes every connection and joins the threads;
  // Wait() returns afterwards. Call from any thread but a handler's.
  void Stop();
  // Blocks until Stop() (or the destructor) runs.
  void Wait();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spillway::http

#endif  // SPILLWAY_COMMON_HTTP_SERVER_H_
