#include "webhook/certificates.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json_fields.h"
#include "glog/logging.h"

namespace spillway::webhook {
namespace {

namespace json = boost::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;

absl::Status OpenSslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat("OpenSSL could not ", what));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    return OpenSslError("encode a private key");
  }
  return BioText(bio.get());
}

absl::StatusOr<std::string> CertPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(bio.get(), cert)) return OpenSslError("encode a certificate");
  return BioText(bio.get());
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `subject` with `key`, signed by `issuer_key` (as
// `issuer`, or itself when null).
absl::StatusOr<Cert> Sign(const std::string& subject, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                          absl::Time now, absl::Duration validity,
                          const std::vector<std::pair<int, std::string>>& extensions) {
  Cert cert(X509_new());
  unsigned char serial[16];
  if (cert == nullptr || RAND_bytes(serial, sizeof(serial)) != 1) return OpenSslError("create a certificate");
  serial[0] &= 0x7f;  // Positive.
  BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get()));
  BN_free(number);
  X509_set_version(cert.get(), 2);
  // A minute back: clocks of the API server and this process may differ.
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), absl::ToTimeT(now - absl::Minutes(1)));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), absl::ToTimeT(now + validity));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(subject.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  for (const auto& [nid, value] : extensions) {
    if (!AddExtension(cert.get(), issuer != nullptr ? issuer : cert.get(), nid, value)) {
      return OpenSslError(absl::StrCat("add the extension ", value));
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return OpenSslError("sign a certificate");
  return cert;
}

absl::StatusOr<Certificates> Serving(EVP_PKEY* ca_key, X509* ca, const std::vector<std::string>& dns_names,
                                     absl::Time now, absl::Duration validity) {
  Pkey key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("generate a key");
  std::vector<std::string> sans;
  for (const std::string& dns : dns_names) sans.push_back("DNS:" + dns);
  absl::StatusOr<Cert> cert =
      Sign(dns_names.empty() ? "spillway-webhook" : dns_names.front(), key.get(), ca, ca_key, now, validity,
           {{NID_basic_constraints, "critical,CA:FALSE"},
            {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
            {NID_ext_key_usage, "serverAuth"},
            {NID_subject_alt_name, absl::StrJoin(sans, ",")}});
  if (!cert.ok()) return cert.status();
  Certificates out;
  absl::StatusOr<std::string> cert_pem = CertPem(cert->get());
  absl::StatusOr<std::string> key_pem = KeyPem(key.get());
  if (!cert_pem.ok()) return cert_pem.status();
  if (!key_pem.ok()) return key_pem.status();
  out.cert_pem = *cert_pem;
  out.key_pem = *key_pem;
  return out;
}

}  // namespace

std::vector<std::string> ServiceDnsNames(const std::string& ns, const std::string& name) {
  return {absl::StrCat(name, ".", ns, ".svc"), absl::StrCat(name, ".", ns, ".svc.cluster.local"),
          absl::StrCat(name, ".", ns), name};
}

absl::StatusOr<Certificates> IssueCertificates(const std::vector<std::string>& dns_names, absl::Time now,
                                               absl::Duration validity, absl::Duration ca_validity) {
  Pkey ca_key(EVP_EC_gen("P-256"));
  if (ca_key == nullptr) return OpenSslError("generate a key");
  absl::StatusOr<Cert> ca = Sign("spillway-webhook-ca", ca_key.get(), nullptr, ca_key.get(), now, ca_validity,
                                 {{NID_basic_constraints, "critical,CA:TRUE"},
                                  {NID_key_usage, "critical,keyCertSign,cRLSign"}});
  if (!ca.ok()) return ca.status();
  absl::StatusOr<Certificates> out = Serving(ca_key.get(), ca->get(), dns_names, now, validity);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::string> ca_pem = CertPem(ca->get());
  absl::StatusOr<std::string> ca_key_pem = KeyPem(ca_key.get());
  if (!ca_pem.ok()) return ca_pem.status();
  if (!ca_key_pem.ok()) return ca_key_pem.status();
  out->ca_pem = *ca_pem;
  out->ca_key_pem = *ca_key_pem;
  return out;
}

absl::StatusOr<Certificates> RenewServing(const Certificates& current, const std::vector<std::string>& dns_names,
                                          absl::Time now, absl::Duration validity) {
  Bio ca_bio(BIO_new_mem_buf(current.ca_pem.data(), static_cast<int>(current.ca_pem.size())));
  Bio key_bio(BIO_new_mem_buf(current.ca_key_pem.data(), static_cast<int>(current.ca_key_pem.size())));
  Cert ca(PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr));
  Pkey ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (ca == nullptr || ca_key == nullptr) {
    return absl::InvalidArgumentError("the stored CA certificate or key cannot be read");
  }
  absl::StatusOr<Certificates> out = Serving(ca_key.get(), ca.get(), dns_names, now, validity);
  if (!out.ok()) return out.status();
  out->ca_pem = current.ca_pem;
  out->ca_key_pem = current.ca_key_pem;
  return out;
}

absl::StatusOr<absl::Time> NotAfter(const std::string& cert_pem) {
  Bio bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  struct tm when = {};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &when) != 1) {
    return absl::InvalidArgumentError("not a PEM certificate");
  }
  return absl::FromTM(when, absl::UTCTimeZone());
}

namespace {

std::optional<absl::Time> AsTime(const ASN1_TIME* t) {
  struct tm when = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &when) != 1) return std::nullopt;
  return absl::FromTM(when, absl::UTCTimeZone());
}

// "" when `cert` is valid at `now`, else why not.
std::string Validity(X509* cert, absl::Time now, absl::string_view what) {
  const std::optional<absl::Time> not_before = AsTime(X509_get0_notBefore(cert));
  const std::optional<absl::Time> not_after = AsTime(X509_get0_notAfter(cert));
  if (!not_before.has_value() || !not_after.has_value()) return absl::StrCat(what, " has no readable validity");
  if (*not_after <= now) {
    return absl::StrCat(what, " expired at ", absl::FormatTime(absl::RFC3339_sec, *not_after, absl::UTCTimeZone()));
  }
  if (*not_before > now) {
    return absl::StrCat(what, " is not valid before ",
                        absl::FormatTime(absl::RFC3339_sec, *not_before, absl::UTCTimeZone()));
  }
  return "";
}

}  // namespace

absl::Status CheckCertificates(const Certificates& c, const std::vector<std::string>& dns_names, absl::Time now,
                               bool* ca_sound) {
  *ca_sound = false;
  auto read_cert = [](const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  };
  auto read_key = [](const std::string& pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  };
  auto broken = [](absl::string_view why) { return absl::FailedPreconditionError(why); };
  Cert ca = read_cert(c.ca_pem);
  Pkey ca_key = read_key(c.ca_key_pem);
  if (ca == nullptr) return broken("ca.crt is not a PEM certificate");
  if (ca_key == nullptr) return broken("ca.key is not a PEM private key");
  if (X509_check_ca(ca.get()) == 0) return broken("ca.crt is not a CA certificate");
  if (X509_check_private_key(ca.get(), ca_key.get()) != 1) return broken("ca.key is not the key of ca.crt");
  if (std::string why = Validity(ca.get(), now, "the CA"); !why.empty()) return broken(why);
  *ca_sound = true;
  Cert cert = read_cert(c.cert_pem);
  Pkey key = read_key(c.key_pem);
  if (cert == nullptr) return broken("tls.crt is not a PEM certificate");
  if (key == nullptr) return broken("tls.key is not a PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) return broken("tls.key is not the key of tls.crt");
  if (X509_check_ca(cert.get()) != 0) return broken("tls.crt is a CA certificate, not a serving certificate");
  if (X509_check_issued(ca.get(), cert.get()) != X509_V_OK || X509_verify(cert.get(), X509_get0_pubkey(ca.get())) != 1) {
    return broken("tls.crt is not signed by ca.crt (the caBundle the API server trusts)");
  }
  if (std::string why = Validity(cert.get(), now, "tls.crt"); !why.empty()) return broken(why);
  for (const std::string& name : dns_names) {
    if (X509_check_host(cert.get(), name.data(), name.size(), 0, nullptr) != 1) {
      return broken(absl::StrCat("tls.crt is not valid for ", name));
    }
  }
  return absl::OkStatus();
}

SelfManagedCertificates::SelfManagedCertificates(kube::RestClient& client, SelfManagedOptions options)
    : client_(client), options_(std::move(options)) {}

SelfManagedCertificates::~SelfManagedCertificates() { Stop(); }

absl::StatusOr<Certificates> SelfManagedCertificates::EnsureSecret(absl::Time now) {
  const std::vector<std::string> names = ServiceDnsNames(options_.service_namespace, options_.service_name);
  const kube::ResourcePath path{"", "v1", "secrets", options_.secret_namespace, options_.secret_name, ""};
  const std::string where = absl::StrCat("Secret ", options_.secret_namespace, "/", options_.secret_name);
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<json::object> secret = client_.Get(path);
    if (secret.status().code() == absl::StatusCode::kNotFound) {
      absl::StatusOr<Certificates> issued = IssueCertificates(names, now, options_.validity, options_.ca_validity);
      if (!issued.ok()) return issued.status();
      json::object data{{"ca.crt", absl::Base64Escape(issued->ca_pem)},
                        {"ca.key", absl::Base64Escape(issued->ca_key_pem)},
                        {"tls.crt", absl::Base64Escape(issued->cert_pem)},
                        {"tls.key", absl::Base64Escape(issued->key_pem)}};
      absl::StatusOr<json::object> created = client_.Create(
          {"", "v1", "secrets", options_.secret_namespace, "", ""},
          json::object{{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", json::object{{"name", options_.secret_name},
                                                 {"namespace", options_.secret_namespace}}},
                       {"type", "kubernetes.io/tls"},
                       {"data", data}});
      if (created.ok()) {
        LOG(INFO) << "webhook certificates: created " << where << " (a new CA and a certificate for "
                  << absl::StrJoin(names, ", ") << ")";
        return issued;
      }
      if (created.status().code() == absl::StatusCode::kAlreadyExists) continue;  // Another replica won.
      return absl::Status(created.status().code(), absl::StrCat("creating ", where, ": ", created.status().message()));
    }
    if (!secret.ok()) {
      return absl::Status(secret.status().code(), absl::StrCat("reading ", where, ": ", secret.status().message()));
    }
    const json::value* data_value = secret->if_contains("data");
    Certificates stored;
    if (data_value != nullptr && data_value->is_object()) {
      const json::object& data = data_value->get_object();
      for (auto [key, out] : {std::pair<const char*, std::string*>{"ca.crt", &stored.ca_pem},
                              {"ca.key", &stored.ca_key_pem}, {"tls.crt", &stored.cert_pem},
                              {"tls.key", &stored.key_pem}}) {
        absl::Base64Unescape(json_fields::String(data, key), out);
      }
    }
    bool ca_sound = false;
    const absl::Status sound = CheckCertificates(stored, names, now, &ca_sound);
    absl::StatusOr<absl::Time> expiry = NotAfter(stored.cert_pem);
    if (sound.ok() && expiry.ok() && *expiry - now > options_.renew_before) return stored;
    if (!sound.ok()) {
      LOG(WARNING) << "webhook certificates: " << where << " is broken (" << sound.message() << "); "
                   << (ca_sound ? "issuing a new serving certificate from its CA"
                                : "issuing a new CA and serving certificate, and the caBundle with them");
    }
    absl::StatusOr<Certificates> renewed = ca_sound ? RenewServing(stored, names, now, options_.validity)
                                                    : IssueCertificates(names, now, options_.validity,
                                                                        options_.ca_validity);
    if (!renewed.ok()) renewed = IssueCertificates(names, now, options_.validity, options_.ca_validity);
    if (!renewed.ok()) return renewed.status();
    json::object& object = *secret;
    object["data"] = json::object{{"ca.crt", absl::Base64Escape(renewed->ca_pem)},
                                  {"ca.key", absl::Base64Escape(renewed->ca_key_pem)},
                                  {"tls.crt", absl::Base64Escape(renewed->cert_pem)},
                                  {"tls.key", absl::Base64Escape(renewed->key_pem)}};
    absl::StatusOr<json::object> updated = client_.Update(path, object);
    if (updated.ok()) {
      LOG(INFO) << "webhook certificates: renewed the serving certificate in " << where;
      return renewed;
    }
    if (updated.status().code() != absl::StatusCode::kAborted) {
      return absl::Status(updated.status().code(), absl::StrCat("renewing ", where, ": ", updated.status().message()));
    }
    // Conflict: another replica renewed it; read theirs.
  }
  return absl::AbortedError(absl::StrCat(where, " kept changing; retrying later"));
}

absl::Status SelfManagedCertificates::WriteFiles(const Certificates& certificates) {
  // Key first, then certificate, each replaced atomically; the server takes
  // them up only once they belong together.
  for (const auto& [name, text] : {std::pair<const char*, const std::string*>{"tls.key", &certificates.key_pem},
                                   {"tls.crt", &certificates.cert_pem}}) {
    const std::string path = absl::StrCat(options_.cert_dir, "/", name);
    std::ifstream in(path);
    std::string current((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (current == *text) continue;
    const std::string temporary = path + ".tmp";
    {
      // Owner-only from the first byte (the key is secret; tls.crt follows suit).
      const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) return absl::FailedPreconditionError(absl::StrCat("cannot write ", temporary));
      fchmod(fd, 0600);
      const bool written = write(fd, text->data(), text->size()) == static_cast<ssize_t>(text->size());
      close(fd);
      if (!written) return absl::FailedPreconditionError(absl::StrCat("cannot write ", temporary));
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      return absl::FailedPreconditionError(absl::StrCat("cannot replace ", path));
    }
  }
  return absl::OkStatus();
}

absl::Status SelfManagedCertificates::SetCaBundle(const std::string& ca_pem) {
  const kube::ResourcePath path{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "",
                                options_.webhook_configuration, ""};
  const std::string bundle = absl::Base64Escape(ca_pem);
  bool changed = false;
  absl::StatusOr<json::object> updated = client_.UpdateWithRetry(path, [&](json::object& configuration) {
    changed = false;
    json::value* webhooks = configuration.if_contains("webhooks");
    if (webhooks == nullptr || !webhooks->is_array()) return absl::OkStatus();
    for (json::value& webhook : webhooks->get_array()) {
      if (!webhook.is_object()) continue;
      json::value& config = webhook.get_object()["clientConfig"];
      if (!config.is_object()) config = json::object();
      if (json_fields::String(config.get_object(), "caBundle") != bundle) {
        config.get_object()["caBundle"] = bundle;
        changed = true;
      }
    }
    if (!changed) return absl::CancelledError("unchanged");
    return absl::OkStatus();
  });
  if (updated.status().code() == absl::StatusCode::kCancelled) return absl::OkStatus();
  if (!updated.ok()) {
    return absl::Status(updated.status().code(),
                        absl::StrCat("setting the caBundle of MutatingWebhookConfiguration ",
                                     options_.webhook_configuration, ": ", updated.status().message()));
  }
  LOG(INFO) << "webhook certificates: caBundle of MutatingWebhookConfiguration "
            << options_.webhook_configuration << " set";
  return absl::OkStatus();
}

absl::Status SelfManagedCertificates::Reconcile(absl::Time now) {
  absl::StatusOr<Certificates> certificates = EnsureSecret(now);
  if (!certificates.ok()) return certificates.status();
  if (absl::Status s = WriteFiles(*certificates); !s.ok()) return s;
  files_written_ = true;
  return SetCaBundle(certificates->ca_pem);
}

absl::Status SelfManagedCertificates::Start() {
  absl::Status first = Reconcile(absl::Now());
  if (!first.ok() && files_written_) {
    // Serving works; the caBundle (e.g. the configuration not applied yet) is retried.
    LOG(WARNING) << "webhook certificates: " << first << " (retrying in " << options_.check_every << ")";
    first = absl::OkStatus();
  }
  thread_ = std::thread([this] {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopped_), options_.check_every)) return;
      }
      if (absl::Status s = Reconcile(absl::Now()); !s.ok()) {
        int64_t suppressed = 0;
        if (failures_.ShouldLog(absl::Now(), &suppressed)) {
          LOG(WARNING) << "webhook certificates: " << s << " (retrying every " << options_.check_every
                       << (suppressed > 0 ? absl::StrCat("; ", suppressed, " failures not logged") : "") << ")";
        }
      } else {
        failures_.Reset();
      }
    }
  });
  return first;
}

void SelfManagedCertificates::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace spillway::webhook
