#include "common/http/client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "common/http/internal/appending_body.h"

namespace spillway::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

class Client::Impl {
 public:
  explicit Impl(ClientOptions options)
      : options_(std::move(options)), tls_context_(ssl::context::tls_client) {
    buffer_.reserve(256 * 1024);  // Read large responses in large chunks.
    if (options_.tls) setup_ = ConfigureTls();
  }

  absl::StatusOr<ClientResponse> Send(absl::string_view method, absl::string_view target,
                                      absl::string_view body, absl::string_view content_type) {
    bhttp::request<bhttp::string_body>& request = PrepareRequest(method, target, body, content_type);
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool fresh = false;
      if (!connected_) {
        if (absl::Status s = Connect(); !s.ok()) return s;
        fresh = true;
      }
      absl::StatusOr<ClientResponse> response = RoundTrip(request);
      if (response.ok() || fresh) return response;
      Disconnect();  // A stale keep-alive connection: retry once on a new one.
    }
    return absl::UnavailableError("unreachable");
  }

  absl::StatusOr<ClientResponse> Stream(absl::string_view method, absl::string_view target,
                                        const std::function<bool(absl::string_view)>& on_body,
                                        const std::function<void(int)>& on_header) {
    bhttp::request<bhttp::string_body>& request = PrepareRequest(method, target, "", "");
    // A stream may sit idle for long; never start it on a kept-alive
    // connection the server might have closed meanwhile.
    Disconnect();
    if (absl::Status s = Connect(); !s.ok()) return s;
    beast::error_code ec;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    ClientResponse response;
    auto io = [&](auto& stream) {
      ec = Await([&](auto done) { bhttp::async_write(stream, request, done); });
      if (!ec) ec = Await([&](auto done) { bhttp::async_read_header(stream, buffer_, parser, done); });
      if (ec) return;
      response.status = static_cast<int>(parser.get().result_int());
      response.content_type = std::string(parser.get()[bhttp::field::content_type]);
      const bool success = response.status >= 200 && response.status < 300;
      if (on_header) on_header(response.status);
      char chunk[64 * 1024];
      while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof(chunk);
        // read_some returns as soon as some body arrived (read() would wait
        // for the buffer to fill, stalling a quiet watch). Each read has
        // the full timeout: a quiet stream is not a dead one.
        ec = Await([&](auto done) { bhttp::async_read_some(stream, buffer_, parser, done); });
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) return;
        const size_t n = sizeof(chunk) - parser.get().body().size;
        if (n == 0) continue;
        if (!success) {
          response.body.append(chunk, n);
        } else if (!on_body(absl::string_view(chunk, n))) {
          return;
        }
      }
    };
    if (tls_stream_) {
      io(*tls_stream_);
    } else {
      io(*socket_);
    }
    Disconnect();
    if (interrupted_.load()) return absl::CancelledError("the stream was interrupted");
    if (ec) return IoError(ec);
    return response;
  }

  void Interrupt() {
    absl::MutexLock lock(&fd_mu_);
    interrupted_.store(true);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

  absl::StatusOr<std::string> SendRaw(absl::string_view bytes) {
    Disconnect();
    if (absl::Status s = Connect(); !s.ok()) return s;
    beast::error_code ec;
    std::string answer;
    auto io = [&](auto& stream) {
      ec = Await([&](auto done) { net::async_write(stream, net::buffer(bytes.data(), bytes.size()), done); });
      if (ec) return;
      char buf[4096];
      for (;;) {
        size_t n = 0;
        ec = Await([&](auto done) { stream.async_read_some(net::buffer(buf), done); }, &n);
        answer.append(buf, n);
        if (ec) break;
      }
    };
    if (tls_stream_) {
      io(*tls_stream_);
    } else {
      io(*socket_);
    }
    Disconnect();
    return answer;
  }

  void Recycle(std::string buffer) { spare_body_ = std::move(buffer); }

  void Disconnect() {
    {
      absl::MutexLock lock(&fd_mu_);
      fd_ = -1;
    }
    beast::error_code ignored;
    if (tls_stream_) tls_stream_->next_layer().close(ignored);
    if (socket_) socket_->close(ignored);
    tls_stream_.reset();
    socket_.reset();
    connected_ = false;
  }

 private:
  // Fills the reused request object; the request keeps its body's capacity
  // between calls, so repeated large requests (the load driver) do not fault
  // in fresh memory every time.
  bhttp::request<bhttp::string_body>& PrepareRequest(absl::string_view method,
                                                     absl::string_view target,
                                                     absl::string_view body,
                                                     absl::string_view content_type) {
    bhttp::request<bhttp::string_body>& request = request_;
    request.clear();
    request.method(bhttp::string_to_verb(std::string(method)));
    request.target(std::string(target));
    request.version(11);
    request.body().clear();
    request.set(bhttp::field::host, absl::StrCat(options_.host, ":", options_.port));
    request.set(bhttp::field::user_agent, options_.user_agent);
    request.set(bhttp::field::accept, "application/json");
    if (options_.bearer_token) {
      const std::string token = options_.bearer_token();
      if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
    }
    if (!body.empty() || method == "POST") {
      request.set(bhttp::field::content_type, std::string(content_type));
      request.body().assign(body.data(), body.size());
    }
    request.keep_alive(true);
    request.prepare_payload();
    return request;
  }

  absl::Status IoError(const beast::error_code& ec) {
    if (ec == net::error::timed_out) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no answer from ", options_.host, ":", options_.port, " within ",
          absl::FormatDuration(options_.timeout)));
    }
    return absl::UnavailableError(absl::StrCat("HTTP exchange failed: ", ec.message()));
  }

  // Runs one asynchronous operation to completion on io_, within
  // options_.timeout. Asio's synchronous reads ignore SO_RCVTIMEO (they poll
  // again without a deadline), so a frozen server would block them forever;
  // here the deadline, or Interrupt(), shuts the socket down, which completes
  // the operation. `start` gets a handler (error_code, size_t); answers its
  // error_code (timed_out at the deadline) and stores the size in `*bytes`.
  // `socket` is the one to shut down when it is not yet the connection's.
  template <typename Start>
  beast::error_code Await(Start&& start, size_t* bytes = nullptr, tcp::socket* socket = nullptr) {
    bool done = false;
    beast::error_code result;
    start([&done, &result, bytes](const beast::error_code& ec, size_t n) {
      result = ec;
      if (bytes != nullptr) *bytes = n;
      done = true;
    });
    io_.restart();
    const absl::Time deadline = absl::Now() + options_.timeout;
    bool expired = false;
    while (!done) {
      if (!expired && (interrupted_.load() || absl::Now() >= deadline)) {
        expired = !interrupted_.load();
        beast::error_code ignored;
        if (socket != nullptr) {
          socket->cancel(ignored);
          socket->close(ignored);
        } else {
          ShutdownSocket();
        }
      }
      io_.run_for(std::chrono::milliseconds(50));
    }
    return expired ? beast::error_code(net::error::timed_out) : result;
  }

  void ShutdownSocket() {
    absl::MutexLock lock(&fd_mu_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

  // The TLS context: what to trust, how to verify, whom to present.
  absl::Status ConfigureTls() {
    beast::error_code ec;
    tls_context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1);
    if (!options_.client_cert_pem.empty()) {
      tls_context_.use_certificate_chain(net::buffer(options_.client_cert_pem), ec);
      if (!ec) {
        tls_context_.use_private_key(net::buffer(options_.client_key_pem), ssl::context::pem, ec);
      }
      if (ec || SSL_CTX_check_private_key(tls_context_.native_handle()) != 1) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the client certificate and key are unusable or do not belong together",
            ec ? absl::StrCat(": ", ec.message()) : std::string()));
      }
    }
    if (options_.insecure_skip_verify) {
      tls_context_.set_verify_mode(ssl::verify_none);
      return absl::OkStatus();
    }
    tls_context_.set_verify_mode(ssl::verify_peer);
    if (!options_.ca_file.empty()) {
      tls_context_.load_verify_file(options_.ca_file, ec);
    } else if (!options_.ca_pem.empty()) {
      tls_context_.add_certificate_authority(net::buffer(options_.ca_pem), ec);
    } else {
      tls_context_.set_default_verify_paths(ec);
    }
    if (ec) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot load the CA certificates to verify ", options_.host, " with: ", ec.message()));
    }
    return absl::OkStatus();
  }

  // Connects within options_.timeout, returning early on Interrupt() (a
  // blocking connect to a partitioned host would wait minutes).
  absl::Status ConnectSocket(tcp::socket& socket) {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec) return absl::UnavailableError(absl::StrCat("resolve ", options_.host, ": ", ec.message()));
    ec = Await([&](auto done) {
      net::async_connect(socket, endpoints,
                         [done](const beast::error_code& result, const tcp::endpoint&) mutable {
                           done(result, 0);
                         });
    }, nullptr, &socket);
    if (interrupted_.load()) return absl::CancelledError("the client was interrupted");
    if (ec == net::error::timed_out) {
      return absl::DeadlineExceededError(absl::StrCat("connect ", options_.host, ":", options_.port,
                                                      ": no answer within ",
                                                      absl::FormatDuration(options_.timeout)));
    }
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("connect ", options_.host, ":", options_.port, ": ", ec.message()));
    }
    return absl::OkStatus();
  }

  // Verifies the server as client-go does: chain, then name or IP SAN.
  absl::Status Handshake(tcp::socket socket) {
    tls_stream_.emplace(std::move(socket), tls_context_);
    SSL* ssl = tls_stream_->native_handle();
    const std::string& name =
        options_.tls_server_name.empty() ? options_.host : options_.tls_server_name;
    beast::error_code ec;
    const bool is_ip = !net::ip::make_address(name, ec).is_unspecified() && !ec;
    if (!is_ip) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!options_.insecure_skip_verify) {
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
      } else {
        SSL_set1_host(ssl, name.c_str());
      }
    }
    ec = Await([&](auto done) {
      tls_stream_->async_handshake(ssl::stream_base::client,
                                   [done](const beast::error_code& result) mutable { done(result, 0); });
    });
    if (!ec) return absl::OkStatus();
    if (ec == net::error::timed_out) {
      Disconnect();
      return absl::DeadlineExceededError(absl::StrCat("TLS handshake with ", options_.host, ":",
                                                      options_.port, ": no answer within ",
                                                      absl::FormatDuration(options_.timeout)));
    }
    const long verify = SSL_get_verify_result(ssl);
    std::string why = ec.message();
    if (verify != X509_V_OK) {
      why = absl::StrCat("the server's certificate was refused: ",
                         X509_verify_cert_error_string(verify),
                         verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH
                             ? absl::StrCat(" (it is not issued for '", name, "')")
                             : std::string());
    }
    Disconnect();
    return absl::UnavailableError(
        absl::StrCat("TLS handshake with ", options_.host, ":", options_.port, ": ", why));
  }

  absl::Status Connect() {
    if (interrupted_.load()) return absl::CancelledError("the client was interrupted");
    if (!setup_.ok()) return setup_;
    tcp::socket socket(io_);
    if (absl::Status s = ConnectSocket(socket); !s.ok()) return s;
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    {
      // Interrupt() during the handshake shuts the socket down too.
      absl::MutexLock lock(&fd_mu_);
      fd_ = socket.native_handle();
      if (interrupted_.load()) ::shutdown(fd_, SHUT_RDWR);
    }
    if (options_.tls) {
      if (absl::Status s = Handshake(std::move(socket)); !s.ok()) {
        if (interrupted_.load()) return absl::CancelledError("the client was interrupted");
        return s;
      }
    } else {
      socket_.emplace(std::move(socket));
    }
    {
      absl::MutexLock lock(&fd_mu_);
      fd_ = tls_stream_ ? tls_stream_->next_layer().native_handle() : socket_->native_handle();
      // An Interrupt() that raced with connecting still takes effect.
      if (interrupted_.load()) ::shutdown(fd_, SHUT_RDWR);
    }
    connected_ = true;
    return absl::OkStatus();
  }

  absl::StatusOr<ClientResponse> RoundTrip(bhttp::request<bhttp::string_body>& request) {
    beast::error_code ec;
    bhttp::response_parser<internal::AppendingStringBody> parser;
    parser.body_limit(boost::none);
    spare_body_.clear();
    parser.get().body() = std::move(spare_body_);
    auto io = [&](auto& stream) {
      ec = Await([&](auto done) { bhttp::async_write(stream, request, done); });
      if (!ec) ec = Await([&](auto done) { bhttp::async_read(stream, buffer_, parser, done); });
    };
    if (tls_stream_) {
      io(*tls_stream_);
    } else {
      io(*socket_);
    }
    if (ec) {
      Disconnect();
      if (interrupted_.load()) return absl::CancelledError("the request was interrupted");
      return IoError(ec);
    }
    auto& message = parser.get();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[bhttp::field::content_type]);
    response.body = std::move(message.body());
    if (!message.keep_alive()) Disconnect();
    return response;
  }

  ClientOptions options_;
  net::io_context io_;
  ssl::context tls_context_;
  // Whether the TLS material loaded; reported by every Connect().
  absl::Status setup_;
  std::optional<tcp::socket> socket_;
  std::optional<beast::ssl_stream<tcp::socket>> tls_stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  std::string spare_body_;
  bool connected_ = false;
  // Interrupt() may come from another thread: it shuts the socket down (so a
  // blocked read returns) under fd_mu_, which Disconnect() takes before the
  // descriptor is closed and could be reused.
  absl::Mutex fd_mu_;
  int fd_ ABSL_GUARDED_BY(fd_mu_) = -1;
  std::atomic<bool> interrupted_{false};
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() { impl_->Disconnect(); }

absl::StatusOr<ClientResponse> Client::Send(absl::string_view method, absl::string_view target,
                                            absl::string_view body,
                                            absl::string_view content_type) {
  return impl_->Send(method, target, body, content_type);
}

absl::StatusOr<ClientResponse> Client::Stream(
    absl::string_view method, absl::string_view target,
    const std::function<bool(absl::string_view)>& on_body,
    const std::function<void(int)>& on_header) {
  return impl_->Stream(method, target, on_body, on_header);
}

void Client::Interrupt() { impl_->Interrupt(); }

void Client::Recycle(std::string buffer) { impl_->Recycle(std::move(buffer)); }

absl::StatusOr<std::string> Client::SendRaw(absl::string_view bytes) {
  return impl_->SendRaw(bytes);
}

}  // namespace spillway::http
