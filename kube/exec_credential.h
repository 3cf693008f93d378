// kubeconfig `exec:` credential plugins, as client-go runs them
// (client.authentication.k8s.io ExecCredential, v1 and v1beta1): the plugin
// is run with KUBERNETES_EXEC_INFO set, prints an ExecCredential whose status
// holds a bearer token (or a client certificate and key) and optionally an
// expirationTimestamp, and the credential is reused until it expires — or
// until the API server answers 401, which runs the plugin again.
//
// Spillway runs without a terminal: a plugin is never interactive (stdin is
// /dev/null, spec.interactive is false), and interactiveMode: Always, which
// requires a terminal, is refused when the kubeconfig is read, as client-go
// refuses it without one.
//
// Thread-safe: ExecCredentialProvider serialises plugin runs; concurrent
// callers of an expired credential wait for one run.
#ifndef SPILLWAY_KUBE_EXEC_CREDENTIAL_H_
#define SPILLWAY_KUBE_EXEC_CREDENTIAL_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "yaml-cpp/yaml.h"

namespace spillway::kube {

struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1.
  std::string command;      // Resolved against the kubeconfig's directory when relative with a '/'.
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;  // Never or IfAvailable (Always is refused).
};

// What the plugin is told about the cluster when provideClusterInfo is set.
struct ExecClusterInfo {
  std::string server;  // https://host:port
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string ca_pem;
};

struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<absl::Time> expires;  // None: valid for the process's life, or until a 401.
};

// Reads a kubeconfig user's `exec` entry. InvalidArgument naming `where` for
// a missing command or apiVersion, v1alpha1 (removed in Kubernetes 1.24), an
// unknown interactiveMode, v1 without interactiveMode (client-go requires
// it), or interactiveMode Always.
absl::StatusOr<ExecConfig> ParseExecConfig(const YAML::Node& exec, const std::string& base_dir,
                                           const std::string& where);

// KUBERNETES_EXEC_INFO for a run: the ExecCredential request as JSON.
std::string ExecInfo(const ExecConfig& config, const ExecClusterInfo& cluster);

// Reads a plugin's standard output. InvalidArgument (naming the plugin) when
// it is not an ExecCredential of the configured apiVersion, or its status has
// neither a token nor a certificate and key, or only one of those two.
absl::StatusOr<ExecCredential> ParseExecCredential(const std::string& stdout_text, const ExecConfig& config);

class ExecCredentialProvider {
 public:
  // `clock` must outlive the provider.
  ExecCredentialProvider(ExecConfig config, ExecClusterInfo cluster, const Clock& clock = Clock::Real());

  // The credential in force: the cached one until it expires (or Invalidate),
  // else a fresh run of the plugin. Errors say what failed and, when the
  // plugin cannot be found, its installHint.
  absl::StatusOr<ExecCredential> Get() ABSL_LOCKS_EXCLUDED(mu_);
  // The API server refused the credential (401): the next Get() runs the
  // plugin again.
  void Invalidate() ABSL_LOCKS_EXCLUDED(mu_);
  // Plugin runs so far (tests, logs).
  int runs() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::StatusOr<ExecCredential> Run() const;

  const ExecConfig config_;
  const ExecClusterInfo cluster_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  std::optional<ExecCredential> cached_ ABSL_GUARDED_BY(mu_);
  int runs_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_EXEC_CREDENTIAL_H_
