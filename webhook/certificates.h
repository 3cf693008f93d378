// Self-managed certificates for the admission webhook, so `kubectl apply -k
// deploy/` is all an operator does (no cert-manager): a CA and a serving
// certificate for the webhook Service's DNS names, kept in a Secret every
// replica shares, the CA written into the MutatingWebhookConfiguration's
// caBundle, the serving certificate renewed before it expires.
//
// IssueCertificates/RenewServing are pure (OpenSSL, no I/O).
// SelfManagedCertificates talks to the API server: every replica runs it and
// they converge (the Secret is created once, AlreadyExists means another
// replica won; updates carry the resourceVersion). A Secret that does not hold
// together (CheckCertificates: another CA, an expired CA, other names, the CA
// as the serving certificate, a key that is not the certificate's, garbage) is
// repaired by re-issuing, never taken and never a reason to exit: every replica
// reads the same Secret, so exiting would be a crash loop of all of them.
// Replicas look at the Secret every few seconds, so a repair or a deletion
// converges across them within seconds. It writes tls.crt and tls.key (0600)
// into a directory the webhook's server re-reads.
//
// Thread-safety: SelfManagedCertificates runs on its own thread; Start/Stop
// from one thread.
#ifndef SPILLWAY_WEBHOOK_CERTIFICATES_H_
#define SPILLWAY_WEBHOOK_CERTIFICATES_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/log_limiter.h"
#include "kube/rest_client.h"

namespace spillway::webhook {

struct Certificates {
  std::string ca_pem;
  std::string ca_key_pem;
  std::string cert_pem;  // The serving certificate, issued by the CA.
  std::string key_pem;
};

// A new CA (valid `ca_validity`) and a serving certificate for `dns_names`
// (valid `validity`), EC P-256 keys, SHA-256 signatures. Internal on OpenSSL
// failures.
absl::StatusOr<Certificates> IssueCertificates(const std::vector<std::string>& dns_names, absl::Time now,
                                               absl::Duration validity, absl::Duration ca_validity);

// A fresh serving certificate from the existing CA of `current`.
absl::StatusOr<Certificates> RenewServing(const Certificates& current, const std::vector<std::string>& dns_names,
                                          absl::Time now, absl::Duration validity);

// Whether `certificates` hold together, as the API server's TLS client will
// judge them: the CA is a CA, valid at `now`, with its key; the serving
// certificate is valid at `now`, not a CA, signed by that CA, names every one
// of `dns_names`, and matches its key. FailedPrecondition naming the first
// problem, and whether the CA itself is sound (so the serving certificate can
// be re-issued from it) in `*ca_sound`.
absl::Status CheckCertificates(const Certificates& certificates, const std::vector<std::string>& dns_names,
                               absl::Time now, bool* ca_sound);

// The serving certificate's notAfter; InvalidArgument when it cannot be read.
absl::StatusOr<absl::Time> NotAfter(const std::string& cert_pem);

// The DNS names a Service is reached by: name, name.ns, name.ns.svc,
// name.ns.svc.cluster.local.
std::vector<std::string> ServiceDnsNames(const std::string& ns, const std::string& name);

struct SelfManagedOptions {
  std::string secret_namespace;
  std::string secret_name;
  std::string service_namespace;
  std::string service_name;
  // The MutatingWebhookConfiguration whose every webhook gets the caBundle.
  std::string webhook_configuration;
  // Where tls.crt and tls.key are written (the webhook server's cert dir).
  std::string cert_dir;
  absl::Duration validity = absl::Hours(24 * 365);
  absl::Duration ca_validity = absl::Hours(24 * 365 * 10);
  // Renewed when less than this is left.
  absl::Duration renew_before = absl::Hours(24 * 30);
  // How often the Secret is read (a GET; nothing is written while it is sound).
  absl::Duration check_every = absl::Seconds(5);
};

class SelfManagedCertificates {
 public:
  // `client` must outlive this.
  SelfManagedCertificates(kube::RestClient& client, SelfManagedOptions options);
  ~SelfManagedCertificates();

  // One pass: read or create the Secret (renewing when due), write the files,
  // set the caBundle. Errors name the object; the next pass retries.
  absl::Status Reconcile(absl::Time now);
  // Runs Reconcile() now and then every check_every on a thread of its own.
  // Fails (so start-up fails, e.g. on a missing permission) only when no
  // certificate could be written; a caBundle not yet set is retried.
  absl::Status Start();
  void Stop();

 private:
  absl::StatusOr<Certificates> EnsureSecret(absl::Time now);
  absl::Status WriteFiles(const Certificates& certificates);
  absl::Status SetCaBundle(const std::string& ca_pem);

  kube::RestClient& client_;
  const SelfManagedOptions options_;
  bool files_written_ = false;  // Start() and the reconcile thread, one after the other.
  LogLimiter failures_{absl::Minutes(1)};
  std::thread thread_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace spillway::webhook

#endif  // SPILLWAY_WEBHOOK_CERTIFICATES_H_
