// How to reach an API server, the way Kubernetes components find out: a
// kubeconfig file (--kubeconfig, then $KUBECONFIG, current-context) or the
// in-cluster service account.
#ifndef SPILLWAY_KUBE_CONNECTION_H_
#define SPILLWAY_KUBE_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace spillway::kube {

class ExecCredentialProvider;

struct Connection {
  std::string scheme = "https";  // "https" or "http".
  std::string host;
  uint16_t port = 443;
  // The CAs the server's certificate must chain to; empty: the system's roots.
  std::string ca_pem;
  // The name the certificate must be issued for, when not `host`
  // (kubeconfig tls-server-name).
  std::string tls_server_name;
  // Verify nothing (kubeconfig insecure-skip-tls-verify: true); logged.
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;       // A static bearer token.
  std::string token_file;  // Re-read on every request (in-cluster tokens rotate).
  // A kubeconfig exec credential plugin (shared by copies of the connection,
  // so one credential serves every client).
  std::shared_ptr<ExecCredentialProvider> exec;
};

// Reads a kubeconfig: the context `context` (or current-context when empty),
// its cluster (server, certificate-authority[-data], tls-server-name,
// insecure-skip-tls-verify)
// and user (client-certificate[-data], client-key[-data], token, tokenFile).
// Relative file paths resolve against the kubeconfig's directory. Errors name
// the file and the missing or malformed entry.
absl::StatusOr<Connection> LoadKubeconfig(const std::string& path, const std::string& context = "");

// The in-cluster connection: $KUBERNETES_SERVICE_HOST / _PORT, the service
// account token and CA under `service_account_dir`
// (/var/run/secrets/kubernetes.io/serviceaccount). FailedPrecondition when not
// running in a pod.
absl::StatusOr<Connection> InClusterConnection(
    const std::string& service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// The kubeconfig named by `flag` if set, else $KUBECONFIG (its first entry),
// else the in-cluster connection (FailedPrecondition when not in a pod).
// `context` picks a kubeconfig context other than current-context.
absl::StatusOr<Connection> ResolveConnection(const std::string& flag,
                                             const std::string& context = "");

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_CONNECTION_H_
