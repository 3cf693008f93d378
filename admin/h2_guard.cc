#include "admin/h2_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace spillway::admin {
namespace {

constexpr absl::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr uint32_t kMaxFrameBytes = 16384;  // SETTINGS_MAX_FRAME_SIZE's default; gRPC never raises it.
constexpr uint8_t kHeaders = 0x1, kRstStream = 0x3, kPushPromise = 0x5, kContinuation = 0x9;
constexpr uint8_t kEndHeaders = 0x4;

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int ConnectLoopback(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

bool CallBudget::Take(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (last_ != absl::InfinitePast()) {
    tokens_ = std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * per_second_);
  }
  last_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

absl::Status H2Policer::Feed(absl::string_view bytes, absl::Time now) {
  while (!bytes.empty()) {
    if (preface_seen_ < kPreface.size()) {
      const size_t n = std::min(bytes.size(), kPreface.size() - preface_seen_);
      if (bytes.substr(0, n) != kPreface.substr(preface_seen_, n)) {
        return absl::InvalidArgumentError("not an HTTP/2 client preface");
      }
      preface_seen_ += n;
      bytes.remove_prefix(n);
      continue;
    }
    if (payload_left_ > 0) {
      const size_t n = std::min<size_t>(bytes.size(), payload_left_);
      payload_left_ -= static_cast<uint32_t>(n);
      bytes.remove_prefix(n);
      continue;
    }
    const size_t n = std::min(bytes.size(), sizeof(header_) - header_seen_);
    std::memcpy(header_ + header_seen_, bytes.data(), n);
    header_seen_ += n;
    bytes.remove_prefix(n);
    if (header_seen_ < sizeof(header_)) continue;
    header_seen_ = 0;
    const auto* h = reinterpret_cast<const unsigned char*>(header_);
    const uint32_t length = (uint32_t{h[0]} << 16) | (uint32_t{h[1]} << 8) | h[2];
    if (absl::Status s = Frame(h[3], h[4], length, now); !s.ok()) return s;
    payload_left_ = length;
  }
  return absl::OkStatus();
}

absl::Status H2Policer::Frame(uint8_t type, uint8_t flags, uint32_t length, absl::Time now) {
  if (length > kMaxFrameBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("a frame of ", length, " bytes (the maximum is ", kMaxFrameBytes, ")"));
  }
  if (type == kHeaders || type == kPushPromise) {
    in_header_block_ = true;
    header_block_bytes_ = 0;
    if (type == kHeaders && budget_ != nullptr && !budget_->Take(now)) {
      return absl::ResourceExhaustedError("more new calls than the admin port admits (a flood of streams)");
    }
  }
  if (type == kHeaders || type == kPushPromise || type == kContinuation) {
    if (!in_header_block_) return absl::InvalidArgumentError("CONTINUATION outside a header block");
    header_block_bytes_ += length;
    if (header_block_bytes_ > limits_.max_header_block_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat("a header block past ", limits_.max_header_block_bytes,
                                                       " bytes (CONTINUATION frames without end)"));
    }
    if (flags & kEndHeaders) in_header_block_ = false;
  }
  if (type == kRstStream) {
    resets_.push_back(now);
    while (!resets_.empty() && resets_.front() <= now - limits_.reset_window) resets_.pop_front();
    if (static_cast<int>(resets_.size()) > limits_.max_resets) {
      return absl::ResourceExhaustedError(absl::StrCat("more than ", limits_.max_resets, " streams reset within ",
                                                       absl::FormatDuration(limits_.reset_window),
                                                       " (HTTP/2 rapid reset)"));
    }
  }
  return absl::OkStatus();
}

struct H2Guard::Connection {
  int client_fd = -1;
  int backend_fd = -1;
  std::thread up;    // Client to backend, policed.
  std::thread down;  // Backend to client.
  std::atomic<int> running{2};
};

absl::StatusOr<std::unique_ptr<H2Guard>> H2Guard::Start(const std::string& host, uint16_t port,
                                                         uint16_t backend_port, H2GuardLimits limits) {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool v6 = fd >= 0 && host.find(':') != std::string::npos;
  const int listen_fd = v6 ? fd : (fd >= 0 ? (close(fd), socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) : -1);
  if (listen_fd < 0) return absl::UnavailableError("cannot create a socket for the admin API");
  const int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage storage = {};
  socklen_t size = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    size = sizeof(*a);
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      close(listen_fd);
      return absl::InvalidArgumentError(absl::StrCat("--admin-listen: \"", host, "\" is not an IPv6 address"));
    }
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    size = sizeof(*a);
    const std::string ip = host == "localhost" ? "127.0.0.1" : host;
    if (inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1) {
      close(listen_fd);
      return absl::InvalidArgumentError(absl::StrCat("--admin-listen: \"", host, "\" is not an IP address"));
    }
  }
  if (bind(listen_fd, reinterpret_cast<sockaddr*>(&storage), size) != 0 || listen(listen_fd, 64) != 0) {
    const std::string why = std::strerror(errno);
    close(listen_fd);
    return absl::UnavailableError(absl::StrCat("--admin-listen=", host, ":", port, ": cannot listen there (", why, ")"));
  }
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&storage), &size);
  const uint16_t bound = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                                  : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  std::unique_ptr<H2Guard> guard(new H2Guard(listen_fd, bound, backend_port, limits));
  guard->accept_thread_ = std::thread([g = guard.get()] { g->AcceptLoop(); });
  return guard;
}

H2Guard::H2Guard(int listen_fd, uint16_t port, uint16_t backend_port, H2GuardLimits limits)
    : listen_fd_(listen_fd),
      port_(port),
      backend_port_(backend_port),
      limits_(limits),
      budget_(limits.calls_per_second, limits.call_burst) {}

H2Guard::~H2Guard() { Stop(); }

void H2Guard::AcceptLoop() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      if (fd >= 0) close(fd);
      return;
    }
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of descriptors: back off instead of spinning.
      mu_.Unlock();
      absl::SleepFor(absl::Milliseconds(50));
      mu_.Lock();
      continue;
    }
    Reap();
    if (static_cast<int>(connections_.size()) >= limits_.max_connections) {
      refused_.fetch_add(1);
      close(fd);
      continue;
    }
    auto connection = std::make_unique<Connection>();
    connection->client_fd = fd;
    Connection& c = *connection;
    connections_.push_back(std::move(connection));
    c.up = std::thread([this, &c] { Relay(c); });
  }
}

void H2Guard::Relay(Connection& c) {
  c.backend_fd = ConnectLoopback(backend_port_);
  if (c.backend_fd < 0) {
    shutdown(c.client_fd, SHUT_RDWR);
    c.running.store(0);
    return;
  }
  c.down = std::thread([&c] {
    char buffer[16384];
    for (;;) {
      const ssize_t n = recv(c.backend_fd, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !WriteAll(c.client_fd, buffer, static_cast<size_t>(n))) break;
    }
    shutdown(c.client_fd, SHUT_RDWR);
    shutdown(c.backend_fd, SHUT_RDWR);
    c.running.fetch_sub(1);
  });
  H2Policer policer(limits_, &budget_);
  char buffer[16384];
  for (;;) {
    const ssize_t n = recv(c.client_fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (absl::Status verdict = policer.Feed(absl::string_view(buffer, static_cast<size_t>(n)), absl::Now());
        !verdict.ok()) {
      closed_.fetch_add(1);
      LOG_EVERY_N(WARNING, 100) << "admin API: closed a client connection: " << verdict.message()
                                << " (every 100th such closing is logged; " << closed_.load() << " so far)";
      break;
    }
    if (!WriteAll(c.backend_fd, buffer, static_cast<size_t>(n))) break;
  }
  shutdown(c.client_fd, SHUT_RDWR);
  shutdown(c.backend_fd, SHUT_RDWR);
  c.running.fetch_sub(1);
}

void H2Guard::Reap() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection& c = **it;
    if (c.running.load() > 0) {
      ++it;
      continue;
    }
    if (c.up.joinable()) c.up.join();
    if (c.down.joinable()) c.down.join();
    if (c.client_fd >= 0) close(c.client_fd);
    if (c.backend_fd >= 0) close(c.backend_fd);
    it = connections_.erase(it);
  }
}

void H2Guard::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    for (auto& c : connections_) {
      shutdown(c->client_fd, SHUT_RDWR);
      if (c->backend_fd >= 0) shutdown(c->backend_fd, SHUT_RDWR);
    }
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  close(listen_fd_);
  absl::MutexLock lock(&mu_);
  for (auto& c : connections_) {
    if (c->up.joinable()) c->up.join();
    if (c->down.joinable()) c->down.join();
    if (c->client_fd >= 0) close(c->client_fd);
    if (c->backend_fd >= 0) close(c->backend_fd);
  }
  connections_.clear();
}

}  // namespace spillway::admin
