#include "common/http/server.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/synchronization/notification.h"
#include "boost/asio.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "common/http/internal/appending_body.h"
#include "common/json_writer.h"
#include "glog/logging.h"

namespace spillway::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// Request headers larger than this are refused (431-like; Beast closes).
constexpr uint32_t kHeaderLimit = 64 * 1024;
// Bytes read from the socket per call.
constexpr size_t kReadChunk = 256 * 1024;

// What Stop() needs of a session: closing its socket once the I/O threads
// are gone (pending handlers would otherwise keep idle keep-alive
// connections open, and their clients waiting, until the server is destroyed).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void CloseSocket() = 0;
};

// What every session needs from the server; outlives all sessions.
struct Shared {
  Handler handler;
  size_t max_body_bytes;
  std::chrono::steady_clock::duration idle_timeout;
  // Requests between a complete header and the end of their answer; Stop()
  // lets these finish before tearing the threads down.
  std::atomic<int> in_flight{0};

  // Every session, for Stop(); expired entries are pruned as sessions come.
  void Register(std::weak_ptr<SessionBase> session) {
    absl::MutexLock lock(&sessions_mu);
    if (sessions.size() >= 64 && sessions.size() % 64 == 0) {
      sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                    [](const std::weak_ptr<SessionBase>& s) { return s.expired(); }),
                     sessions.end());
    }
    sessions.push_back(std::move(session));
  }
  void CloseAll() {
    absl::MutexLock lock(&sessions_mu);
    for (const std::weak_ptr<SessionBase>& weak : sessions) {
      if (std::shared_ptr<SessionBase> session = weak.lock()) session->CloseSocket();
    }
    sessions.clear();
  }
  absl::Mutex sessions_mu;
  std::vector<std::weak_ptr<SessionBase>> sessions ABSL_GUARDED_BY(sessions_mu);
};

bhttp::response<bhttp::string_body> MakeResponse(Response response, unsigned version,
                                                 bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
  out.set(bhttp::field::server, "spillway");
  out.set(bhttp::field::content_type, response.content_type);
  out.keep_alive(keep_alive);
  out.body() = std::move(response.body);
  out.prepare_payload();
  return out;
}


// One connection. `Stream` is beast::tcp_stream or beast::ssl_stream of it.
// Lifetime: owned by the completion handlers in flight (shared_from_this).
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Shared& shared) : stream_(std::move(stream)), shared_(shared) {
    // Beast reads at most the buffer's free capacity per call, starting from
    // 512 bytes; a roomy buffer turns a 60 MB body into ~240 reads, not 120,000.
    buffer_.reserve(kReadChunk);
  }
  // A session dropped mid-request (the server stopping) still balances the count.
  ~Session() override { EndRequest(); }

  // Only once no I/O thread runs (Stop()).
  void CloseSocket() override {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  void Start() {
    shared_.Register(this->weak_from_this());
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      ReadHeader();
    } else {
      beast::get_lowest_layer(stream_).expires_after(shared_.idle_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  VLOG(1) << "TLS handshake failed: " << ec.message();
                                  return;
                                }
                                self->ReadHeader();
                              });
    }
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    spare_body_.clear();
    parser_->get().body() = std::move(spare_body_);
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(shared_.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout) {
      return Close();  // The client left, or an idle keep-alive connection expired.
    }
    BeginRequest();
    // 0 when the header is incomplete or declares no Content-Length.
    uint64_t length = 0;
    if (parser_->is_header_done()) length = parser_->content_length().value_or(0);
    // Beast reports a declared Content-Length over the limit as body_limit
    // while parsing the header; refuse it without reading the body.
    if (ec == bhttp::error::body_limit || (!ec && length > shared_.max_body_bytes)) {
      return Reply(ErrorResponse(413, absl::StrCat("request body of ", length,
                                                   " bytes exceeds the limit of ",
                                                   shared_.max_body_bytes,
                                                   " bytes (extender.maxRequestBytes)")),
                   /*keep_alive=*/false);
    }
    if (ec) return Fail(ec, 400);
    if (length > 0) parser_->get().body().reserve(length + kBodyPadding);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->OnBody(ec);
                      });
  }

  void OnBody(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Reply(ErrorResponse(413, absl::StrCat("request body exceeds the limit of ",
                                                   shared_.max_body_bytes, " bytes")),
                   /*keep_alive=*/false);
    }
    if (ec) return Fail(ec, 400);
    bhttp::request<internal::AppendingStringBody>& message = parser_->get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.content_type = std::string(message[bhttp::field::content_type]);
    request.accept = std::string(message[bhttp::field::accept]);
    request.body = std::move(message.body());
    request.response_buffer = std::move(spare_response_);
    request.response_buffer.clear();
    if (request.body.capacity() < request.body.size() + kBodyPadding) {
      request.body.reserve(request.body.size() + kBodyPadding);  // Chunked uploads.
    }
    version_ = message.version();
    bool keep_alive = message.keep_alive();
    Response response;
    try {
      response = shared_.handler(request);
    } catch (const std::exception& e) {
      LOG(ERROR) << "handler for " << request.method << " " << request.target
                 << " threw: " << e.what();
      response = ErrorResponse(500, "internal error; see the server log");
    }
    spare_body_ = std::move(request.body);
    Reply(std::move(response), keep_alive);
  }

  void Reply(Response response, bool keep_alive) {
    if (response.stream != nullptr) return StartStream(std::move(response));
    response_ = std::make_unique<bhttp::response<bhttp::string_body>>(
        MakeResponse(std::move(response), version_, keep_alive));
    beast::get_lowest_layer(stream_).expires_after(shared_.idle_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                         self->spare_response_ = std::move(self->response_->body());
                         self->response_.reset();
                         self->EndRequest();
                         if (ec || !keep_alive) return self->Close();
                         self->ReadHeader();
                       });
  }

  // Sends the header, then chunks from the stream as they become ready.
  void StartStream(Response response) {
    EndRequest();  // A watch may last for hours; Stop() does not wait for it.
    stream_source_ = std::move(response.stream);
    stream_header_ = std::make_unique<bhttp::response<bhttp::empty_body>>(
        static_cast<bhttp::status>(response.status), version_);
    stream_header_->set(bhttp::field::server, "spillway");
    stream_header_->set(bhttp::field::content_type, response.content_type);
    stream_header_->chunked(true);
    stream_header_->keep_alive(false);
    stream_serializer_ =
        std::make_unique<bhttp::response_serializer<bhttp::empty_body>>(*stream_header_);
    beast::get_lowest_layer(stream_).expires_never();
    bhttp::async_write_header(
        stream_, *stream_serializer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->Close();
          std::weak_ptr<Session> weak = self;
          self->stream_source_->Start([weak] {
            if (auto session = weak.lock()) {
              net::post(session->stream_.get_executor(), [session] { session->PumpStream(); });
            }
          });
          self->Tick();
          self->WatchForHangUp();
          self->PumpStream();
        });
  }

  // A streaming client sends nothing more; a completed read means it closed
  // the connection (or misbehaved), which ends the stream.
  void WatchForHangUp() {
    stream_.async_read_some(net::buffer(hang_up_probe_),
                            [self = this->shared_from_this()](beast::error_code, size_t) {
                              if (!self->stream_done_) self->FinishStream();
                            });
  }

  // Wakes the stream about once a second while it lasts.
  void Tick() {
    if (!ticker_) ticker_ = std::make_unique<net::steady_timer>(stream_.get_executor());
    ticker_->expires_after(std::chrono::seconds(1));
    // The pending wait keeps the session alive while the stream lasts.
    ticker_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->stream_done_) return;
      self->PumpStream();
      self->Tick();
    });
  }

  void PumpStream() {
    if (stream_writing_ || stream_done_) return;
    pending_chunk_.clear();
    const bool more = stream_source_->Next(&pending_chunk_);
    if (!pending_chunk_.empty()) {
      stream_writing_ = true;
      net::async_write(stream_, bhttp::make_chunk(net::buffer(pending_chunk_)),
                       [self = this->shared_from_this(), more](beast::error_code ec, size_t) {
                         self->stream_writing_ = false;
                         if (ec) return self->FinishStream();
                         if (!more) return self->EndStream();
                         self->PumpStream();
                       });
    } else if (!more) {
      EndStream();
    }
  }

  void EndStream() {
    stream_writing_ = true;
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = this->shared_from_this()](beast::error_code, size_t) {
                       self->FinishStream();
                     });
  }

  void FinishStream() {
    stream_done_ = true;
    if (ticker_) ticker_->cancel();
    stream_source_.reset();
    Close();
  }

  // Answers a malformed request when the socket still works, then closes.
  void Fail(beast::error_code ec, int status) {
    if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::broken_pipe) {
      return Close();
    }
    VLOG(1) << "bad request: " << ec.message();
    Reply(ErrorResponse(status, absl::StrCat("malformed HTTP request: ", ec.message())),
          /*keep_alive=*/false);
  }

  void BeginRequest() {
    if (!in_request_) shared_.in_flight.fetch_add(1);
    in_request_ = true;
  }
  void EndRequest() {
    if (in_request_) shared_.in_flight.fetch_sub(1);
    in_request_ = false;
  }

  void Close() {
    EndRequest();
    beast::error_code ignored;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  Shared& shared_;
  bool in_request_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<internal::AppendingStringBody>> parser_;
  std::unique_ptr<bhttp::response<bhttp::string_body>> response_;
  // Streaming responses (watches).
  std::shared_ptr<ResponseStream> stream_source_;
  std::unique_ptr<bhttp::response<bhttp::empty_body>> stream_header_;
  std::unique_ptr<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
  std::unique_ptr<net::steady_timer> ticker_;
  std::string pending_chunk_;
  char hang_up_probe_[64];
  bool stream_writing_ = false;
  bool stream_done_ = false;
  // Buffers of the previous exchange, reused by the next one.
  std::string spare_body_;
  std::string spare_response_;
  unsigned version_ = 11;
};

}  // namespace

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
        acceptor_(net::make_strand(io_)) {
    shared_.handler = std::move(handler);
    shared_.max_body_bytes = options.max_body_bytes;
    shared_.idle_timeout = absl::ToChronoNanoseconds(options.idle_timeout);
  }

  absl::Status Listen() {
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(options_.host, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("bad listen host '", options_.host, "'"));
    if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
      if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) {
        return absl::InvalidArgumentError(
            "--tls-cert-file and --tls-key-file must be given together");
      }
      tls_.emplace(ssl::context::tls_server);
      tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);
      tls_->use_certificate_chain_file(options_.tls_cert_file, ec);
      if (ec) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot load TLS certificate chain '", options_.tls_cert_file, "': ", ec.message()));
      }
      tls_->use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
      if (ec) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot load TLS private key '", options_.tls_key_file, "': ", ec.message()));
      }
    }
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
  bool tls() const { return tls_.has_value(); }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        LOG(WARNING) << "accept failed: " << ec.message();
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        if (tls_.has_value()) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls_), shared_)
              ->Start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                       shared_)
              ->Start();
        }
      }
      Accept();
    });
  }

  const ServerOptions options_;
  Shared shared_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::optional<ssl::context> tls_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  absl::Notification stopped_;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  if (absl::Status status = impl->Listen(); !status.ok()) return status;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { impl_->Stop(); }
uint16_t Server::port() const { return impl_->port(); }
bool Server::tls() const { return impl_->tls(); }
void Server::Stop() { impl_->Stop(); }
void Server::Wait() { impl_->Wait(); }

}  // namespace spillway::http
