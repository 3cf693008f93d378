#include "kube/connection.h"

#include <memory>
#include <utility>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "kube/exec_credential.h"
#include "yaml-cpp/yaml.h"

namespace spillway::kube {
namespace {

// Kubeconfigs, CA bundles and certificates are kilobytes; past this the path
// names the wrong thing (a device, a log).
constexpr size_t kMaxCredentialFileBytes = size_t{4} << 20;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  return ReadRegularFile(path, kMaxCredentialFileBytes, "file");
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return absl::StrCat(base_dir, "/", path);
}

// Reads `<key>-data` (base64) or the file at `<key>`.
absl::StatusOr<std::string> DataOrFile(const YAML::Node& node, const std::string& key,
                                       const std::string& base_dir, const std::string& where) {
  if (node[key + "-data"]) {
    std::string decoded;
    if (!absl::Base64Unescape(node[key + "-data"].as<std::string>(), &decoded)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", key, "-data is not base64"));
    }
    return decoded;
  }
  if (node[key]) return ReadFile(Resolve(base_dir, node[key].as<std::string>()));
  return std::string();
}

absl::Status ParseServer(const std::string& server, Connection* connection) {
  absl::string_view rest = server;
  if (absl::ConsumePrefix(&rest, "https://")) {
    connection->scheme = "https";
    connection->port = 443;
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    connection->scheme = "http";
    connection->port = 80;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("server '", server, "' must start with https:// or http://"));
  }
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && rest.find(']') == absl::string_view::npos) {
    uint32_t port = 0;
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("server '", server, "' has a bad port"));
    }
    connection->port = static_cast<uint16_t>(port);
    rest = rest.substr(0, colon);
  }
  connection->host = std::string(rest);
  if (connection->host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("server '", server, "' has no host"));
  }
  return absl::OkStatus();
}

YAML::Node Named(const YAML::Node& list, const std::string& name) {
  for (const YAML::Node& entry : list) {
    if (entry["name"] && entry["name"].as<std::string>() == name) return entry;
  }
  return YAML::Node();
}

}  // namespace

absl::StatusOr<Connection> LoadKubeconfig(const std::string& path, const std::string& context) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::NotFoundError(absl::StrCat("kubeconfig: ", text.status().message()));
  const std::string base_dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  try {
    YAML::Node root = YAML::Load(*text);
    const std::string context_name =
        !context.empty() ? context
                         : (root["current-context"] ? root["current-context"].as<std::string>() : "");
    if (context_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("kubeconfig ", path, ": no current-context"));
    }
    YAML::Node ctx = Named(root["contexts"], context_name)["context"];
    if (!ctx) {
      return absl::InvalidArgumentError(
          absl::StrCat("kubeconfig ", path, ": context '", context_name, "' not found"));
    }
    const std::string cluster_name = ctx["cluster"] ? ctx["cluster"].as<std::string>() : "";
    YAML::Node cluster = Named(root["clusters"], cluster_name)["cluster"];
    if (!cluster || !cluster["server"]) {
      return absl::InvalidArgumentError(absl::StrCat("kubeconfig ", path, ": cluster '",
                                                     cluster_name, "' has no server"));
    }
    Connection connection;
    if (absl::Status s = ParseServer(cluster["server"].as<std::string>(), &connection); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("kubeconfig ", path, ": ", s.message()));
    }
    const std::string where = absl::StrCat("kubeconfig ", path, ": cluster '", cluster_name, "'");
    if (cluster["proxy-url"]) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": proxy-url is not supported: Spillway connects to the API server directly; remove proxy-url, "
                 "or run Spillway where it reaches the server (in the cluster it needs no kubeconfig)"));
    }
    absl::StatusOr<std::string> ca = DataOrFile(cluster, "certificate-authority", base_dir, where);
    if (!ca.ok()) return ca.status();
    connection.ca_pem = *ca;
    connection.insecure_skip_tls_verify =
        cluster["insecure-skip-tls-verify"] && cluster["insecure-skip-tls-verify"].as<bool>();
    if (cluster["tls-server-name"]) {
      connection.tls_server_name = cluster["tls-server-name"].as<std::string>();
    }
    const std::string user_name = ctx["user"] ? ctx["user"].as<std::string>() : "";
    YAML::Node user = Named(root["users"], user_name)["user"];
    if (user) {
      const std::string user_where = absl::StrCat("kubeconfig ", path, ": user '", user_name, "'");
      absl::StatusOr<std::string> cert = DataOrFile(user, "client-certificate", base_dir, user_where);
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = DataOrFile(user, "client-key", base_dir, user_where);
      if (!key.ok()) return key.status();
      connection.client_cert_pem = *cert;
      connection.client_key_pem = *key;
      if (user["token"]) connection.token = user["token"].as<std::string>();
      if (user["tokenFile"]) connection.token_file = Resolve(base_dir, user["tokenFile"].as<std::string>());
      if (user["auth-provider"]) {
        return absl::InvalidArgumentError(absl::StrCat(
            user_where, ": auth-provider was removed from client-go in Kubernetes 1.26; use an exec credential "
                        "plugin (users[].user.exec)"));
      }
      if (user["exec"]) {
        absl::StatusOr<ExecConfig> exec = ParseExecConfig(user["exec"], base_dir, user_where);
        if (!exec.ok()) return exec.status();
        ExecClusterInfo info{cluster["server"].as<std::string>(), connection.tls_server_name,
                             connection.insecure_skip_tls_verify, connection.ca_pem};
        connection.exec = std::make_shared<ExecCredentialProvider>(std::move(*exec), std::move(info));
      }
    }
    return connection;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("kubeconfig ", path, ": ", e.what()));
  }
}

absl::StatusOr<Connection> InClusterConnection(const std::string& service_account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr) {
    return absl::FailedPreconditionError(
        "not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset); pass --kubeconfig");
  }
  Connection connection;
  std::string server = absl::StrCat("https://", host, ":", port);
  if (std::string(host).find(':') != std::string::npos) {
    server = absl::StrCat("https://[", host, "]:", port);
  }
  if (absl::Status s = ParseServer(server, &connection); !s.ok()) return s;
  absl::StatusOr<std::string> ca = ReadFile(service_account_dir + "/ca.crt");
  if (!ca.ok()) return absl::FailedPreconditionError(ca.status().message());
  connection.ca_pem = *ca;
  connection.token_file = service_account_dir + "/token";
  return connection;
}

absl::StatusOr<Connection> ResolveConnection(const std::string& flag, const std::string& context) {
  if (!flag.empty()) return LoadKubeconfig(flag, context);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && env[0] != '\0') {
    std::vector<std::string> paths = absl::StrSplit(env, ':', absl::SkipEmpty());
    if (!paths.empty()) return LoadKubeconfig(paths[0], context);
  }
  return InClusterConnection();
}

}  // namespace spillway::kube
