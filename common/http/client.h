// A blocking HTTP/1.1 client with one keep-alive connection (plain or TLS): the
// transport of kube/'s REST client and watches, and of the tests, the demo and
// the load driver in bench/. Not thread-safe (one per thread), except
// Interrupt(), which any thread may call.
#ifndef SPILLWAY_COMMON_HTTP_CLIENT_H_
#define SPILLWAY_COMMON_HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace spillway::http {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// The User-Agent of every request; kube-apiserver names Spillway's writes in
// managedFields after it (its text up to a "/").
inline constexpr char kUserAgent[] = "spillway-client";

struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  bool tls = false;
  // The server's certificate chain is verified against these CAs (a PEM file
  // or PEM text, e.g. kubeconfig certificate-authority-data), else against
  // the system's roots, and its name against `tls_server_name` (else `host`;
  // an IP address must be among the certificate's IP SANs), as client-go does.
  std::string ca_file;
  std::string ca_pem;
  // Overrides the name verified and sent as SNI (kubeconfig tls-server-name).
  std::string tls_server_name;
  // Skips every check above (kubeconfig insecure-skip-tls-verify: true).
  // Anyone between Spillway and the server can then read its token.
  bool insecure_skip_verify = false;
  // Client certificate and key, PEM text (kubeconfig client-certificate-data).
  std::string client_cert_pem;
  std::string client_key_pem;
  // Sent as "Authorization: Bearer <token>" when not empty; read through
  // this function on every request so a rotated token file takes effect.
  std::function<std::string()> bearer_token;
  // Bounds connecting and every read and write.
  absl::Duration timeout = absl::Seconds(60);
  // Sent as User-Agent (client-go's rest.Config.UserAgent).
  std::string user_agent = kUserAgent;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();

  // Sends one request and reads the response, reconnecting once if the kept-
  // alive connection was closed by the server. Nothing is sent (no token)
  // unless the server's certificate verified. Errors: Unavailable (connect,
  // TLS or I/O failure, naming the verification error), DeadlineExceeded
  // (connect or read timeout), FailedPrecondition (unusable CA or client
  // certificate material), Cancelled (after Interrupt()).
  absl::StatusOr<ClientResponse> Send(absl::string_view method, absl::string_view target,
                                      absl::string_view body,
                                      absl::string_view content_type = "application/json");
  absl::StatusOr<ClientResponse> Post(absl::string_view target, absl::string_view body) {
    return Send("POST", target, body);
  }
  absl::StatusOr<ClientResponse> Get(absl::string_view target) { return Send("GET", target, ""); }

  // Hands a response body back so the next response is read into its memory
  // instead of freshly faulted pages (load drivers replaying 60 MB answers).
  void Recycle(std::string buffer);

  // Sends a request and hands the response body to `on_body` as it arrives
  // (chunked framing removed), until the response ends, `on_body` returns
  // false, or Interrupt() is called. For a 2xx answer the returned body is
  // empty (it went to `on_body`); otherwise it holds the error body. The
  // connection is not reused afterwards. Errors: as Send(), plus Cancelled
  // after Interrupt().
  // `on_header`, when set, is called with the status once the header arrived.
  absl::StatusOr<ClientResponse> Stream(absl::string_view method, absl::string_view target,
                                        const std::function<bool(absl::string_view)>& on_body,
                                        const std::function<void(int status)>& on_header = nullptr);

  // Aborts a Stream() or Send() in progress (from another thread) and makes
  // every later call fail with Cancelled. Thread-safe.
  void Interrupt();

  // Writes raw bytes on a fresh connection and returns whatever the server
  // answers before closing (for malformed-request tests).
  absl::StatusOr<std::string> SendRaw(absl::string_view bytes);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace spillway::http

#endif  // SPILLWAY_COMMON_HTTP_CLIENT_H_
