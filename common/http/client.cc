#include "common/http/client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
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
    // Bad TLS material surfaces as a handshake error on the first request.
    beast::error_code ec;
    if (!options_.ca_file.empty()) {
      tls_context_.load_verify_file(options_.ca_file, ec);
      tls_context_.set_verify_mode(ssl::verify_peer);
    } else if (!options_.ca_pem.empty()) {
      tls_context_.add_certificate_authority(net::buffer(options_.ca_pem), ec);
      tls_context_.set_verify_mode(ssl::verify_peer);
    } else {
      tls_context_.set_verify_mode(ssl::verify_none);
    }
    if (!options_.client_cert_pem.empty()) {
      tls_context_.use_certificate_chain(net::buffer(options_.client_cert_pem), ec);
      tls_context_.use_private_key(net::buffer(options_.client_key_pem), ssl::context::pem, ec);
    }
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
                                        const std::function<bool(absl::string_view)>& on_body) {
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
      bhttp::write(stream, request, ec);
      if (!ec) bhttp::read_header(stream, buffer_, parser, ec);
      if (ec) return;
      response.status = static_cast<int>(parser.get().result_int());
      response.content_type = std::string(parser.get()[bhttp::field::content_type]);
      const bool success = response.status >= 200 && response.status < 300;
      char chunk[64 * 1024];
      while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof(chunk);
        // read_some returns as soon as some body arrived (read() would wait
        // for the buffer to fill, stalling a quiet watch).
        bhttp::read_some(stream, buffer_, parser, ec);
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
      net::write(stream, net::buffer(bytes.data(), bytes.size()), ec);
      if (ec) return;
      char buf[4096];
      for (;;) {
        size_t n = stream.read_some(net::buffer(buf), ec);
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
    request.set(bhttp::field::user_agent, "spillway-client");
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
    if (ec == net::error::would_block || ec == net::error::try_again) {
      return absl::DeadlineExceededError("timed out waiting for the server");
    }
    return absl::UnavailableError(absl::StrCat("HTTP exchange failed: ", ec.message()));
  }

  absl::Status Connect() {
    if (interrupted_.load()) return absl::CancelledError("the client was interrupted");
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec) return absl::UnavailableError(absl::StrCat("resolve ", options_.host, ": ", ec.message()));
    tcp::socket socket(io_);
    net::connect(socket, endpoints, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("connect ", options_.host, ":", options_.port, ": ", ec.message()));
    }
    socket.set_option(tcp::no_delay(true));
    timeval tv = absl::ToTimeval(options_.timeout);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (options_.tls) {
      tls_stream_.emplace(std::move(socket), tls_context_);
      SSL_set_tlsext_host_name(tls_stream_->native_handle(), options_.host.c_str());
      tls_stream_->handshake(ssl::stream_base::client, ec);
      if (ec) {
        Disconnect();
        return absl::UnavailableError(absl::StrCat("TLS handshake: ", ec.message()));
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
      bhttp::write(stream, request, ec);
      if (!ec) bhttp::read(stream, buffer_, parser, ec);
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
    const std::function<bool(absl::string_view)>& on_body) {
  return impl_->Stream(method, target, on_body);
}

void Client::Interrupt() { impl_->Interrupt(); }

void Client::Recycle(std::string buffer) { impl_->Recycle(std::move(buffer)); }

absl::StatusOr<std::string> Client::SendRaw(absl::string_view bytes) {
  return impl_->SendRaw(bytes);
}

}  // namespace spillway::http
