#include "common/http/internal/server_tls.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "boost/beast/core.hpp"

namespace spillway::http::internal {

namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

std::optional<absl::Time> CertificateNotAfter(const std::string& file) {
  FILE* in = fopen(file.c_str(), "r");
  if (in == nullptr) return std::nullopt;
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  fclose(in);
  if (cert == nullptr) return std::nullopt;
  std::optional<absl::Time> result;
  struct tm not_after = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &not_after) == 1) {
    result = absl::FromTM(not_after, absl::UTCTimeZone());
  }
  X509_free(cert);
  return result;
}

absl::Status ConfigureServerTls(const ServerOptions& options, ssl::context& tls) {
  beast::error_code ec;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  tls.use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot load TLS certificate chain '", options.tls_cert_file, "': ", ec.message()));
  }
  tls.use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "TLS private key '", options.tls_key_file,
        "' cannot be read or does not belong to the certificate '", options.tls_cert_file,
        "': ", ec.message()));
  }
  if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("TLS private key '", options.tls_key_file,
                     "' does not belong to the certificate '", options.tls_cert_file,
                     "'; every handshake would fail"));
  }
  if (!options.client_ca_file.empty()) {
    tls.load_verify_file(options.client_ca_file, ec);
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (ec || names == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot load client CA bundle '", options.client_ca_file, "'",
          ec ? absl::StrCat(": ", ec.message()) : std::string(" (no certificate in it)")));
    }
    SSL_CTX_set_client_CA_list(tls.native_handle(), names);
    tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return absl::OkStatus();
}

}  // namespace spillway::http::internal
