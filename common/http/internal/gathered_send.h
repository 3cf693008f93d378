// Sending a response of many pieces on a plain TCP socket with as few system
// calls as the kernel allows. Internal to common/http.
//
// Asio hands at most 64 buffers to one sendmsg, so an answer of 200 pieces
// (the extender's names filter answer borrows the request's array around its
// failing names) took four system calls, each waking the reader: slower than
// copying the pieces into one string first (bench/README.md). The kernel
// takes up to IOV_MAX (1,024) buffers at once. SendSome offers it that many,
// without blocking; when the socket's buffer is full, the caller waits for
// room with an asynchronous write of the next Window, then calls SendSome
// again. (asio::async_write would do the rest in calls of 64 KB.)
//
// Thread-compatible: a function of its arguments and the socket.
#ifndef SPILLWAY_COMMON_HTTP_INTERNAL_GATHERED_SEND_H_
#define SPILLWAY_COMMON_HTTP_INTERNAL_GATHERED_SEND_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <vector>

#include "boost/asio/buffer.hpp"
#include "boost/beast/http.hpp"
#include "boost/system/error_code.hpp"

namespace spillway::http::internal {

// The most buffers one sendmsg is given (Linux's IOV_MAX).
inline constexpr size_t kMaxSendBuffers = 1024;
// The most asio's own gathered write hands one sendmsg (its max_buffers).
inline constexpr size_t kAsioGatheredBuffers = 64;

// Moves `*first` and `*offset` (a position in `buffers`: the next byte is
// `*offset` into `buffers[*first]`) past `bytes` more bytes, and past any
// empty buffers after them.
inline void Advance(const std::vector<boost::asio::const_buffer>& buffers, size_t bytes, size_t* first,
                    size_t* offset) {
  while (*first < buffers.size()) {
    const size_t rest = buffers[*first].size() - *offset;
    if (bytes < rest) {
      *offset += bytes;
      return;
    }
    bytes -= rest;
    ++*first;
    *offset = 0;
  }
}

// Sends from the position `*first`, `*offset` (see Advance) on, on the
// connected socket `fd`, never blocking: in calls of at most kMaxSendBuffers
// buffers while the socket takes all it is offered. Advances the position
// past what was sent. Returns no error when every byte went, or
// would_block when the socket's buffer is full (the caller waits for room
// and calls again); otherwise the socket's error (the peer went away:
// broken_pipe, connection_reset).
inline boost::system::error_code SendSome(int fd, const std::vector<boost::asio::const_buffer>& buffers,
                                          size_t* first, size_t* offset) {
  iovec vectors[kMaxSendBuffers];
  while (*first < buffers.size()) {
    size_t count = 0;
    size_t offered = 0;
    for (size_t i = *first; i < buffers.size() && count < kMaxSendBuffers; ++i, ++count) {
      const size_t skip = i == *first ? *offset : 0;
      vectors[count].iov_base = const_cast<char*>(static_cast<const char*>(buffers[i].data()) + skip);
      vectors[count].iov_len = buffers[i].size() - skip;
      offered += vectors[count].iov_len;
    }
    msghdr message{};
    message.msg_iov = vectors;
    message.msg_iovlen = count;
    const ssize_t sent = ::sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return boost::asio::error::would_block;
      return boost::system::error_code(errno, boost::system::system_category());
    }
    Advance(buffers, static_cast<size_t>(sent), first, offset);
    if (static_cast<size_t>(sent) < offered) return boost::asio::error::would_block;
  }
  return {};
}

// Up to kAsioGatheredBuffers buffers of `buffers` from the position
// `first`, `offset` on (see Advance), replacing `*window`: what an
// asynchronous write offers once the socket has room again.
inline void Window(const std::vector<boost::asio::const_buffer>& buffers, size_t first, size_t offset,
                   std::vector<boost::asio::const_buffer>* window) {
  window->clear();
  for (size_t i = first; i < buffers.size() && window->size() < kAsioGatheredBuffers; ++i) {
    window->push_back(buffers[i] + (i == first ? offset : 0));
  }
}

// The bytes of `header` as they go on the wire: the status line, each field,
// and the blank line.
template <typename Fields>
std::string HeaderBytes(const boost::beast::http::response_header<Fields>& header) {
  std::string out = header.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(header.result_int());
  out += ' ';
  const auto reason = header.reason();
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : header) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out += ": ";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace spillway::http::internal

#endif  // SPILLWAY_COMMON_HTTP_INTERNAL_GATHERED_SEND_H_
