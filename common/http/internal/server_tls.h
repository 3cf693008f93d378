// TLS set-up for http::Server: the serving certificate, key and client CAs,
// and the certificate's expiry. Internal to common/http/server.cc.
#ifndef SPILLWAY_COMMON_HTTP_INTERNAL_SERVER_TLS_H_
#define SPILLWAY_COMMON_HTTP_INTERNAL_SERVER_TLS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/ssl.hpp"
#include "common/http/server.h"

namespace spillway::http::internal {

// The leaf certificate's notAfter, or nullopt when the file holds none.
std::optional<absl::Time> CertificateNotAfter(const std::string& file);

// Loads the serving certificate, key and (for mutual TLS) the client CAs into
// `tls`. FailedPrecondition naming the file that cannot be used.
absl::Status ConfigureServerTls(const ServerOptions& options, boost::asio::ssl::context& tls);

}  // namespace spillway::http::internal

#endif  // SPILLWAY_COMMON_HTTP_INTERNAL_SERVER_TLS_H_
