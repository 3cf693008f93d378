// One HTTP/1.1 connection of http::Server, and what every connection shares
// with the server (limits, the idle list, the session registry). Internal to
// common/http/server.cc: callers use http::Server.
//
// Threading: a Session's members are touched only on its connection's strand,
// but for the idle-list fields guarded by Shared::idle_mu; Shared is
// thread-safe.
#ifndef SPILLWAY_COMMON_HTTP_INTERNAL_SESSION_H_
#define SPILLWAY_COMMON_HTTP_INTERNAL_SESSION_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "boost/asio.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "common/http/internal/appending_body.h"
#include "common/http/internal/gathered_send.h"
#include "common/http/server.h"
#include "common/http/server_metrics.h"
#include "common/log_limiter.h"
#include "common/text_pieces.h"
#include "glog/logging.h"

namespace spillway::http::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// Request headers larger than this are refused with 431.
inline constexpr uint32_t kHeaderLimit = 64 * 1024;
// The read buffer starts small (an idle connection costs little) and grows to
// this once a large body comes, so a 60 MB body takes ~240 reads, not 120,000.
inline constexpr size_t kInitialReadBuffer = 16 * 1024;
inline constexpr size_t kLargeReadBuffer = 256 * 1024;
// Adds `n` to `pool` unless that would pass `limit`. Lock-free; several
// connections admit bodies at once.
inline bool TryCharge(std::atomic<uint64_t>& pool, uint64_t limit, uint64_t n) {
  uint64_t current = pool.load(std::memory_order_relaxed);
  do {
    if (n > limit || current > limit - n) return false;
  } while (!pool.compare_exchange_weak(current, current + n, std::memory_order_relaxed));
  return true;
}

// What Stop() and the idle-connection cap need of a session.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Only once no I/O thread runs (Stop()).
  virtual void CloseSocket() = 0;
  // Closes the connection if it is still waiting for a request; from any thread.
  virtual void CloseIfIdle() = 0;

  // The session's place in Shared::idle; guarded by Shared::idle_mu.
  std::list<struct IdleEntry>::iterator idle_position;
  bool idle_listed = false;
};

// An idle session. `session` stays valid while the entry is listed: a
// session's destructor unlists it (under Shared::idle_mu) before it ends,
// even once the weak pointer has expired.
struct IdleEntry {
  SessionBase* session;
  std::weak_ptr<SessionBase> weak;
};

// What every session needs from the server; outlives all sessions.
struct Shared {
  Handler handler;
  size_t max_body_bytes = 0;
  size_t max_body_bytes_in_flight = 0;
  size_t max_idle_connections = 0;
  std::chrono::steady_clock::duration idle_timeout;
  std::chrono::steady_clock::duration header_timeout;
  std::chrono::steady_clock::duration body_timeout;
  ServerMetrics* metrics = nullptr;
  // Requests between a complete header and the end of their answer; Stop()
  // lets these finish before tearing the threads down.
  std::atomic<int> in_flight{0};
  // Body bytes admitted (see ServerOptions::max_body_bytes_in_flight), and the
  // capacity of buffers idle connections keep for their next request.
  std::atomic<uint64_t> body_bytes_in_flight{0};
  std::atomic<uint64_t> retained_bytes{0};

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

  // A session starts waiting for its next request; past the cap the one that
  // has waited longest is closed.
  void MarkIdle(const std::shared_ptr<SessionBase>& session) {
    std::shared_ptr<SessionBase> evict;
    {
      absl::MutexLock lock(&idle_mu);
      if (!session->idle_listed) {
        session->idle_position = idle.insert(idle.end(), IdleEntry{session.get(), session});
        session->idle_listed = true;
      }
      if (idle.size() > max_idle_connections) evict = PopOldestIdleLocked();
    }
    if (evict != nullptr) {
      if (metrics != nullptr) metrics->closed_idle_limit.Increment();
      evict->CloseIfIdle();
    }
  }
  void MarkBusy(SessionBase* session) {
    absl::MutexLock lock(&idle_mu);
    if (session->idle_listed) {
      idle.erase(session->idle_position);
      session->idle_listed = false;
    }
  }
  // Frees a descriptor when accept() ran out of them.
  void CloseOldestIdle() {
    std::shared_ptr<SessionBase> evict;
    {
      absl::MutexLock lock(&idle_mu);
      evict = PopOldestIdleLocked();
    }
    if (evict != nullptr) {
      if (metrics != nullptr) metrics->closed_idle_limit.Increment();
      evict->CloseIfIdle();
    }
  }

  absl::Mutex sessions_mu;
  std::vector<std::weak_ptr<SessionBase>> sessions ABSL_GUARDED_BY(sessions_mu);
  absl::Mutex idle_mu;
  // Oldest first.
  std::list<IdleEntry> idle ABSL_GUARDED_BY(idle_mu);

 private:
  std::shared_ptr<SessionBase> PopOldestIdleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(idle_mu) {
    while (!idle.empty()) {
      IdleEntry entry = idle.front();
      idle.pop_front();
      entry.session->idle_listed = false;
      // Expired: the session is being destroyed and closes anyway.
      if (std::shared_ptr<SessionBase> oldest = entry.weak.lock()) return oldest;
    }
    return nullptr;
  }
};

// A Beast Body sent as TextPieces' pieces in one gathered write (Response::
// body_pieces): what it borrows is kept alive by the value until the
// response is destroyed.
struct PiecesBody {
  using value_type = std::shared_ptr<const TextPieces>;

  static std::uint64_t size(const value_type& body) { return body != nullptr ? body->size() : 0; }

  class writer {
   public:
    using const_buffers_type = std::vector<net::const_buffer>;

    template <bool kIsRequest, class Fields>
    writer(const bhttp::header<kIsRequest, Fields>&, const value_type& body) : body_(body) {}

    void init(beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      if (sent_ || body_ == nullptr) return boost::none;
      sent_ = true;
      const_buffers_type buffers;
      buffers.reserve(body_->piece_count());
      body_->ForEach([&](absl::string_view piece) { buffers.emplace_back(piece.data(), piece.size()); });
      return std::make_pair(std::move(buffers), false);
    }

   private:
    const value_type& body_;
    bool sent_ = false;
  };
};

// The status line and header fields of `response`, for any body type.
template <typename Body>
void SetHeader(const Response& response, bool keep_alive, bhttp::response<Body>& out) {
  out.set(bhttp::field::server, "spillway");
  out.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) out.insert(name, value);  // Repeats allowed.
  out.keep_alive(keep_alive);
}

inline bhttp::response<bhttp::string_body> MakeResponse(Response response, unsigned version,
                                                 bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(response.status), version};
  SetHeader(response, keep_alive, out);
  out.body() = std::move(response.body);
  out.prepare_payload();
  return out;
}

// One connection. `Stream` is beast::tcp_stream or beast::ssl_stream of it.
// Lifetime: owned by the completion handlers in flight (shared_from_this).
// Every member but the SessionBase idle fields is touched only on the
// connection's strand.
//
// States: [TLS handshake] -> WaitForRequest (idle, idle_timeout) -> ReadHeader
// (header_timeout) -> ReadBody (body_timeout) -> handler -> Reply ->
// WaitForRequest ... or a streamed response until the stream ends.
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Shared& shared, std::shared_ptr<ssl::context> tls = nullptr)
      : tls_(std::move(tls)), stream_(std::move(stream)), shared_(shared) {
    buffer_.reserve(kInitialReadBuffer);
    if (shared_.metrics != nullptr) shared_.metrics->open_connections.Increment();
  }
  // A session dropped mid-request (the server stopping) still balances the counts.
  ~Session() override {
    EndRequest();
    shared_.MarkBusy(this);
    shared_.retained_bytes.fetch_sub(retained_charge_);
    if (shared_.metrics != nullptr) shared_.metrics->open_connections.Decrement();
  }

  void CloseSocket() override {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  void CloseIfIdle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->waiting_idle_) return;  // A request arrived meanwhile.
      self->waiting_idle_ = false;
      beast::get_lowest_layer(self->stream_).close();
    });
  }

  void Start() {
    shared_.Register(this->weak_from_this());
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      WaitForRequest();
    } else {
      beast::get_lowest_layer(stream_).expires_after(shared_.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  VLOG(1) << "TLS handshake failed: " << ec.message();
                                  return;
                                }
                                self->WaitForRequest();
                              });
    }
  }

 private:
  // Between requests: the connection is idle until a byte arrives (or is
  // already buffered: a pipelined request).
  void WaitForRequest() {
    RetainBuffers();
    parser_.emplace();
    parser_->get().body() = std::move(spare_body_);
    parser_->get().body().clear();
    parser_->header_limit(kHeaderLimit);
    // The body limit is checked against Content-Length once the header is in
    // (so the 413 can state it) and set for chunked bodies then.
    parser_->body_limit(boost::none);
    if (buffer_.size() > 0) return ReadHeader();
    waiting_idle_ = true;
    shared_.MarkIdle(this->shared_from_this());
    beast::get_lowest_layer(stream_).expires_after(shared_.idle_timeout);
    stream_.async_read_some(
        buffer_.prepare(kInitialReadBuffer),
        [self = this->shared_from_this()](beast::error_code ec, size_t n) {
          const bool evicted = !self->waiting_idle_;
          self->waiting_idle_ = false;
          self->shared_.MarkBusy(self.get());
          if (ec) {
            if (ec == beast::error::timeout && self->shared_.metrics != nullptr) {
              self->shared_.metrics->closed_idle_timeout.Increment();
            }
            return self->Close();
          }
          if (evicted) return self->Close();
          self->buffer_.commit(n);
          self->ReadHeader();
        });
  }

  void ReadHeader() {
    beast::get_lowest_layer(stream_).expires_after(shared_.header_timeout);
    header_bytes_ = 0;
    ReadHeaderPart();
  }

  // Beast's own header_limit bounds each parse call, not the header: fields
  // consumed by earlier calls are not counted, so a header arriving in
  // pieces could grow without bound. Count what the parser consumed.
  void ReadHeaderPart() {
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                             self->header_bytes_ += n;
                             if (!ec && !self->parser_->is_header_done()) {
                               if (self->header_bytes_ <= kHeaderLimit) {
                                 return self->ReadHeaderPart();
                               }
                               ec = bhttp::error::header_limit;
                             }
                             self->OnHeader(ec);
                           });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) return Close();
    if (ec == beast::error::timeout) {
      if (shared_.metrics != nullptr) shared_.metrics->closed_header_timeout.Increment();
      return Close();
    }
    BeginRequest();
    if (ec == bhttp::error::header_limit) {
      return Reply(ErrorResponse(431, absl::StrCat("request header exceeds the limit of ",
                                                   kHeaderLimit, " bytes")),
                   /*keep_alive=*/false);
    }
    if (ec) return Fail(ec, 400);
    const boost::optional<uint64_t> declared = parser_->content_length();
    if (declared && *declared > shared_.max_body_bytes) {
      return Reply(ErrorResponse(413, absl::StrCat("request body of ", *declared,
                                                   " bytes exceeds the limit of ",
                                                   shared_.max_body_bytes,
                                                   " bytes (extender.maxRequestBytes)")),
                   /*keep_alive=*/false);
    }
    if (declared && !Charge(*declared)) return Shed();
    parser_->body_limit(shared_.max_body_bytes);
    if (declared && *declared > kInitialReadBuffer) buffer_.reserve(kLargeReadBuffer);
    beast::get_lowest_layer(stream_).expires_after(shared_.body_timeout);
    ReadBody();
  }

  // Reads the body piece by piece: a chunked body is charged against the
  // in-flight cap as it grows.
  void ReadBody() {
    if (parser_->is_done()) return OnBody();
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code ec, size_t) {
                             self->OnBodyPart(ec);
                           });
  }

  void OnBodyPart(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Reply(ErrorResponse(413, absl::StrCat("request body exceeds the limit of ",
                                                   shared_.max_body_bytes,
                                                   " bytes (extender.maxRequestBytes)")),
                   /*keep_alive=*/false);
    }
    if (ec == beast::error::timeout) {
      if (shared_.metrics != nullptr) shared_.metrics->closed_body_timeout.Increment();
      return Close();
    }
    if (ec) return Fail(ec, 400);
    const uint64_t received = parser_->get().body().size();
    if (received > charged_ && !Charge(received - charged_)) return Shed();
    ReadBody();
  }

  void OnBody() {
    bhttp::request<internal::AppendingStringBody>& message = parser_->get();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.content_type = std::string(message[bhttp::field::content_type]);
    request.accept = std::string(message[bhttp::field::accept]);
    request.user_agent = std::string(message[bhttp::field::user_agent]);
    request.body = std::move(message.body());
    request.response_buffer = std::move(spare_response_);
    request.response_buffer.clear();
    if (request.body.capacity() < request.body.size() + kBodyPadding) {
      request.body.reserve(request.body.size() + kBodyPadding);
    }
    version_ = message.version();
    const bool keep_alive = message.keep_alive();
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
    if (shared_.metrics != nullptr) shared_.metrics->CountResponse(response.status);
    if (response.stream != nullptr) return StartStream(std::move(response));
    if (response.body_pieces != nullptr) return ReplyInPieces(std::move(response), keep_alive);
    response_ = std::make_unique<bhttp::response<bhttp::string_body>>(
        MakeResponse(std::move(response), version_, keep_alive));
    beast::get_lowest_layer(stream_).expires_after(shared_.idle_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                         self->spare_response_ = std::move(self->response_->body());
                         self->response_.reset();
                         self->EndRequest();
                         if (ec || !keep_alive) return self->Close();
                         self->WaitForRequest();
                       });
  }

  // Reply with a body of pieces (Response::body_pieces), kept alive until
  // written; the response's string goes back to the connection's spare.
  void ReplyInPieces(Response response, bool keep_alive) {
    spare_response_ = std::move(response.body);
    spare_response_.clear();
    pieces_response_ = std::make_unique<bhttp::response<PiecesBody>>(static_cast<bhttp::status>(response.status),
                                                                      version_);
    SetHeader(response, keep_alive, *pieces_response_);
    pieces_response_->body() = std::move(response.body_pieces);
    pieces_response_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(shared_.idle_timeout);
    // Asio's gathered write takes 64 buffers a system call; more pieces on
    // plain TCP go in one (internal/gathered_send.h). Beast's TLS stream
    // joins small buffers itself (flat_stream).
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      if (pieces_response_->body()->piece_count() >= kAsioGatheredBuffers) return SendPieces(keep_alive);
    }
    bhttp::async_write(stream_, *pieces_response_,
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                         self->PiecesSent(ec, keep_alive);
                       });
  }

  // The header and every piece of pieces_response_, offered to the socket
  // at once; what a full socket buffer refuses follows as it makes room.
  void SendPieces(bool keep_alive) {
    pieces_header_ = HeaderBytes(pieces_response_->base());
    pieces_buffers_.clear();
    pieces_buffers_.reserve(pieces_response_->body()->piece_count() + 1);
    pieces_buffers_.emplace_back(pieces_header_.data(), pieces_header_.size());
    pieces_response_->body()->ForEach(
        [&](absl::string_view piece) { pieces_buffers_.emplace_back(piece.data(), piece.size()); });
    pieces_first_ = 0;
    pieces_offset_ = 0;
    ContinuePieces(keep_alive);
  }

  void ContinuePieces(bool keep_alive) {
    const int fd = beast::get_lowest_layer(stream_).socket().native_handle();
    const beast::error_code ec = SendSome(fd, pieces_buffers_, &pieces_first_, &pieces_offset_);
    if (ec != net::error::would_block) return PiecesSent(ec, keep_alive);
    // Waits for room (within the connection's timeout) by writing the next
    // 64 buffers; then offers the rest at once again.
    Window(pieces_buffers_, pieces_first_, pieces_offset_, &pieces_window_);
    beast::get_lowest_layer(stream_).async_write_some(
        pieces_window_, [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t n) {
          if (ec) return self->PiecesSent(ec, keep_alive);
          Advance(self->pieces_buffers_, n, &self->pieces_first_, &self->pieces_offset_);
          self->ContinuePieces(keep_alive);
        });
  }

  void PiecesSent(beast::error_code ec, bool keep_alive) {
    pieces_response_.reset();  // Lets go of what the pieces borrow.
    pieces_buffers_.clear();
    pieces_window_.clear();
    EndRequest();
    if (ec || !keep_alive) return Close();
    WaitForRequest();
  }

  // The bodies in flight would pass the cap: the client should retry soon,
  // possibly against another replica. The body is not read, so the
  // connection closes.
  void Shed() {
    if (shared_.metrics != nullptr) shared_.metrics->requests_shed.Increment();
    LOG_EVERY_N(WARNING, 100) << "request refused with 503: request bodies in flight would pass "
                              << shared_.max_body_bytes_in_flight
                              << " bytes (server.maxBodyBytesInFlight)";
    Response response = ErrorResponse(
        503, absl::StrCat("the server is receiving too many request bodies at once (over ",
                          shared_.max_body_bytes_in_flight,
                          " bytes, server.maxBodyBytesInFlight); retry shortly"));
    response.headers.emplace_back("Retry-After", "1");
    Reply(std::move(response), /*keep_alive=*/false);
  }

  bool Charge(uint64_t n) {
    if (!TryCharge(shared_.body_bytes_in_flight, shared_.max_body_bytes_in_flight, n)) return false;
    charged_ += n;
    if (shared_.metrics != nullptr) shared_.metrics->body_bytes_in_flight.Increment(n);
    return true;
  }

  // Keeps this connection's buffers for its next request while the server's
  // retained total allows; frees them otherwise.
  void RetainBuffers() {
    shared_.retained_bytes.fetch_sub(retained_charge_);
    retained_charge_ = 0;
    const uint64_t want = spare_body_.capacity() + spare_response_.capacity();
    if (TryCharge(shared_.retained_bytes, shared_.max_body_bytes_in_flight, want)) {
      retained_charge_ = want;
    } else {
      std::string().swap(spare_body_);
      std::string().swap(spare_response_);
    }
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
        ec == net::error::connection_reset || ec == net::error::broken_pipe ||
        ec == bhttp::error::partial_message) {
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
    if (charged_ > 0) {
      shared_.body_bytes_in_flight.fetch_sub(charged_);
      if (shared_.metrics != nullptr) shared_.metrics->body_bytes_in_flight.Decrement(charged_);
      charged_ = 0;
    }
  }

  void Close() {
    EndRequest();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // The TLS context this connection was accepted with (a reload swaps the
  // server's; this one lives as long as the connection). Before stream_.
  std::shared_ptr<ssl::context> tls_;
  Stream stream_;
  Shared& shared_;
  bool in_request_ = false;
  bool waiting_idle_ = false;
  // Header bytes the parser consumed for the current request.
  size_t header_bytes_ = 0;
  // Body bytes of the current request charged to Shared::body_bytes_in_flight.
  uint64_t charged_ = 0;
  // Capacity of the spare buffers charged to Shared::retained_bytes.
  uint64_t retained_charge_ = 0;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<internal::AppendingStringBody>> parser_;
  std::unique_ptr<bhttp::response<bhttp::string_body>> response_;
  std::unique_ptr<bhttp::response<PiecesBody>> pieces_response_;
  // Plain TCP, many pieces: pieces_response_'s header bytes; its buffers
  // (the header's, then the pieces'); the next byte to send (in
  // pieces_buffers_[pieces_first_], at pieces_offset_); what an
  // asynchronous write waiting for room offers.
  std::string pieces_header_;
  std::vector<net::const_buffer> pieces_buffers_;
  size_t pieces_first_ = 0;
  size_t pieces_offset_ = 0;
  std::vector<net::const_buffer> pieces_window_;
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

}  // namespace spillway::http::internal

#endif  // SPILLWAY_COMMON_HTTP_INTERNAL_SESSION_H_
