#include "common/http/server.h"

#include <errno.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <list>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "boost/asio.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "common/http/internal/server_tls.h"
#include "common/http/internal/session.h"
#include "common/http/server_metrics.h"
#include "common/json_writer.h"
#include "common/log_limiter.h"
#include "glog/logging.h"

namespace spillway::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// accept() failing for lack of descriptors retries after this, doubling up to
// the maximum (and back to none after a success).
constexpr auto kMinAcceptBackoff = std::chrono::milliseconds(5);
constexpr auto kMaxAcceptBackoff = std::chrono::seconds(1);

using internal::ConfigureServerTls;
using internal::CertificateNotAfter;
using internal::Session;
using internal::SessionBase;
using internal::Shared;

}  // namespace

std::string CertificateExpiryWarning(absl::string_view file, absl::Time not_after, absl::Time now) {
  if (not_after <= now) {
    return absl::StrCat("TLS certificate '", file, "' expired on ", absl::FormatTime(not_after),
                        "; clients that verify it will refuse every connection");
  }
  if (not_after - now <= kCertificateExpiryWarning) {
    return absl::StrCat("TLS certificate '", file, "' expires in ",
                        absl::ToInt64Hours(not_after - now) / 24, " days (",
                        absl::FormatTime(not_after), "); renew it");
  }
  return "";
}

Response ErrorResponse(int status, absl::string_view message) {
  Response response;
  response.status = status;
  response.body = absl::StrCat(R"({"Error":)", json::Quote(message), "}");
  return response;
}

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Handler handler)
      : options_(options),
        io_(options.threads),
        acceptor_(net::make_strand(io_)),
        accept_timer_(acceptor_.get_executor()),
        accept_error_log_(absl::Seconds(10)),
        reload_timer_(acceptor_.get_executor()) {
    shared_.handler = std::move(handler);
    shared_.max_body_bytes = options.max_body_bytes;
    shared_.max_body_bytes_in_flight = options.max_body_bytes_in_flight;
    shared_.max_idle_connections = std::max<size_t>(1, options.max_idle_connections);
    shared_.idle_timeout = absl::ToChronoNanoseconds(options.idle_timeout);
    shared_.header_timeout = absl::ToChronoNanoseconds(options.header_timeout);
    shared_.body_timeout = absl::ToChronoNanoseconds(options.body_timeout);
    shared_.metrics = options.metrics;
  }

  absl::Status Listen() {
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(options_.host, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen host '", options_.host, "'"));
    if (absl::Status s = SetUpTls(); !s.ok()) return s;
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                                 options_.port, ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    if (tls_ != nullptr && options_.tls_reload_interval > absl::ZeroDuration()) {
      tls_files_ = TlsFilesStamp();
      ScheduleTlsReload();
    }
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return absl::OkStatus();
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      accept_timer_.cancel();
      reload_timer_.cancel();
    });
    // Let requests already being answered finish (kube-scheduler would
    // otherwise see a reset mid-request during a rolling update), then stop.
    const absl::Time deadline = absl::Now() + options_.shutdown_grace;
    while (shared_.in_flight.load() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
    // No I/O thread runs any more: close what the posted close may not have
    // reached before io_.stop(), so clients see refused connections, not a
    // silent backlog.
    beast::error_code ignored;
    acceptor_.close(ignored);
    shared_.CloseAll();
    stopped_.Notify();
  }

  void Wait() { stopped_.WaitForNotification(); }
  uint16_t port() const { return port_; }
  bool tls() const { return tls_enabled_; }

 private:
  absl::Status SetUpTls() {
    const bool cert = !options_.tls_cert_file.empty();
    const bool key = !options_.tls_key_file.empty();
    if (!cert && !key) {
      if (!options_.client_ca_file.empty()) {
        return absl::InvalidArgumentError(
            "--client-ca-file needs --tls-cert-file and --tls-key-file (mutual TLS is TLS)");
      }
      return absl::OkStatus();
    }
    if (!cert || !key) {
      return absl::InvalidArgumentError("--tls-cert-file and --tls-key-file must be given together");
    }
    tls_ = std::make_shared<ssl::context>(ssl::context::tls_server);
    if (absl::Status s = ConfigureServerTls(options_, *tls_); !s.ok()) return s;
    tls_enabled_ = true;
    NoteCertificateExpiry();
    return absl::OkStatus();
  }

  void NoteCertificateExpiry() {
    if (std::optional<absl::Time> not_after = CertificateNotAfter(options_.tls_cert_file)) {
      if (options_.metrics != nullptr) {
        options_.metrics->certificate_expiry.Set(static_cast<double>(absl::ToUnixSeconds(*not_after)));
      }
      const std::string warning =
          CertificateExpiryWarning(options_.tls_cert_file, *not_after, absl::Now());
      if (!warning.empty()) LOG(WARNING) << warning;
    }
  }

  // Identity of the TLS files: paths resolved through symlinks, with their
  // inode, size and modification time.
  std::string TlsFilesStamp() const {
    std::string stamp;
    for (const std::string& file : {options_.tls_cert_file, options_.tls_key_file, options_.client_ca_file}) {
      if (file.empty()) continue;
      struct stat info;
      if (::stat(file.c_str(), &info) != 0) {
        absl::StrAppend(&stamp, file, ":missing;");
        continue;
      }
      absl::StrAppend(&stamp, file, ":", info.st_ino, ":", info.st_size, ":", info.st_mtim.tv_sec, ".",
                      info.st_mtim.tv_nsec, ";");
    }
    return stamp;
  }

  // On the acceptor's strand, as Accept() (which reads tls_).
  void ScheduleTlsReload() {
    reload_timer_.expires_after(absl::ToChronoNanoseconds(options_.tls_reload_interval));
    reload_timer_.async_wait([this](beast::error_code ec) {
      if (ec || !acceptor_.is_open()) return;
      const std::string stamp = TlsFilesStamp();
      if (stamp != tls_files_) {
        auto fresh = std::make_shared<ssl::context>(ssl::context::tls_server);
        if (absl::Status s = ConfigureServerTls(options_, *fresh); s.ok()) {
          tls_ = std::move(fresh);
          tls_files_ = stamp;
          LOG(INFO) << "TLS certificate " << options_.tls_cert_file
                    << " changed on disk: new connections use it";
          NoteCertificateExpiry();
        } else {
          // Often a half-written rotation: retried at the next tick.
          LOG(WARNING) << "TLS files changed but cannot be used yet (keeping the current "
                       << "certificate): " << s.message();
        }
      }
      ScheduleTlsReload();
    });
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) return OnAcceptError(ec);
      accept_backoff_ = std::chrono::milliseconds(0);
      socket.set_option(tcp::no_delay(true), ec);
      if (tls_ != nullptr) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls_), shared_, tls_)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), shared_)
            ->Start();
      }
      Accept();
    });
  }

  // Out of descriptors (EMFILE/ENFILE) or memory, accept() fails at once for
  // as long as the condition lasts: retrying immediately would spin a core and
  // flood the log. Back off, free a descriptor held by an idle connection, and
  // log at most every 10 s.
  void OnAcceptError(const beast::error_code& ec) {
    if (options_.metrics != nullptr) options_.metrics->accept_errors.Increment();
    const bool exhausted = ec == net::error::no_descriptors || ec.value() == ENFILE ||
                           ec == net::error::no_buffer_space || ec == net::error::no_memory;
    int64_t suppressed = 0;
    if (accept_error_log_.ShouldLog(absl::Now(), &suppressed)) {
      LOG(WARNING) << "accept failed: " << ec.message()
                   << (exhausted ? "; closing the longest-idle connection and backing off" : "")
                   << " (" << suppressed << " more since the last report)";
    }
    if (!exhausted) return Accept();
    shared_.CloseOldestIdle();
    accept_backoff_ = std::clamp<std::chrono::milliseconds>(accept_backoff_ * 2, kMinAcceptBackoff,
                                                            kMaxAcceptBackoff);
    accept_timer_.expires_after(accept_backoff_);
    accept_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open()) Accept();
    });
  }

  const ServerOptions options_;
  Shared shared_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  // On the acceptor's strand, as is accept_backoff_.
  net::steady_timer accept_timer_;
  std::chrono::milliseconds accept_backoff_{0};
  LogLimiter accept_error_log_;
  // The TLS context for new connections; replaced by a reload. Read and
  // written on the acceptor's strand only.
  std::shared_ptr<ssl::context> tls_;
  bool tls_enabled_ = false;
  net::steady_timer reload_timer_;
  std::string tls_files_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  absl::Notification stopped_;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { impl_->Stop(); }
uint16_t Server::port() const { return impl_->port(); }
bool Server::tls() const { return impl_->tls(); }
void Server::Stop() { impl_->Stop(); }
void Server::Wait() { impl_->Wait(); }

}  // namespace spillway::http
