// A Beast Body whose value is std::string and whose reader appends incoming
// bytes (Beast's string_body resizes first, zero-filling every byte it is
// about to overwrite: a 60 MB request paid a 60 MB memset). Internal to
// common/http.
#ifndef SPILLWAY_COMMON_HTTP_INTERNAL_APPENDING_BODY_H_
#define SPILLWAY_COMMON_HTTP_INTERNAL_APPENDING_BODY_H_

#include <cstdint>
#include <string>

#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/optional.hpp"

namespace spillway::http::internal {

struct AppendingStringBody {
  using value_type = std::string;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool kIsRequest, class Fields>
    reader(boost::beast::http::header<kIsRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      if (length) body_.reserve(body_.size() + static_cast<size_t>(*length));
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
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
  };

  using writer = boost::beast::http::string_body::writer;
};

}  // namespace spillway::http::internal

#endif  // SPILLWAY_COMMON_HTTP_INTERNAL_APPENDING_BODY_H_
