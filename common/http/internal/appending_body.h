// A Beast Body whose value is std::string and whose reader appends incoming
// bytes (Beast's string_body resizes first, zero-filling every byte it is
// about to overwrite: a 60 MB request paid a 60 MB memset). Internal to
// common/http.
//
// Memory grows with what has arrived, never with what a header declares: a
// client announcing Content-Length: 1 TB and sending 10 bytes costs 10 bytes.
// Growth doubles, capped at the declared length plus kGrowthSlack (room for a
// JSON parser's padding), so a body that does arrive whole ends in one buffer
// of about its size without a final copy.
#ifndef SPILLWAY_COMMON_HTTP_INTERNAL_APPENDING_BODY_H_
#define SPILLWAY_COMMON_HTTP_INTERNAL_APPENDING_BODY_H_

#include <algorithm>
#include <cstdint>
#include <string>

#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/optional.hpp"

namespace spillway::http::internal {

struct AppendingStringBody {
  using value_type = std::string;
  static constexpr std::uint64_t kGrowthSlack = 64;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool kIsRequest, class Fields>
    reader(boost::beast::http::header<kIsRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      if (length) cap_ = body_.size() + *length + kGrowthSlack;
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      const std::size_t incoming = boost::beast::buffer_bytes(buffers);
      const std::size_t needed = body_.size() + incoming;
      if (needed > body_.capacity()) {
        std::size_t grown = std::max<std::size_t>(needed, body_.capacity() * 2);
        if (cap_ != 0) grown = std::max<std::size_t>(needed, std::min<std::uint64_t>(grown, cap_));
        body_.reserve(grown);
      }
      std::size_t bytes = 0;
      for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_.append(static_cast<const char*>(buffer.data()), buffer.size());
        bytes += buffer.size();
      }
      ec = {};
      return bytes;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
    std::uint64_t cap_ = 0;  // Declared length + slack; 0 when unknown (chunked).
  };

  using writer = boost::beast::http::string_body::writer;
};

}  // namespace spillway::http::internal

#endif  // SPILLWAY_COMMON_HTTP_INTERNAL_APPENDING_BODY_H_
