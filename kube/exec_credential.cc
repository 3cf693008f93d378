#include "kube/exec_credential.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "boost/json.hpp"
#include "common/run_program.h"
#include "glog/logging.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;

constexpr char kV1[] = "client.authentication.k8s.io/v1";
constexpr char kV1Beta1[] = "client.authentication.k8s.io/v1beta1";

std::string StringAt(const json::object& object, const char* key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

}  // namespace

absl::StatusOr<ExecConfig> ParseExecConfig(const YAML::Node& exec, const std::string& base_dir,
                                           const std::string& where) {
  auto invalid = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": exec: ", what));
  };
  ExecConfig config;
  try {
    config.api_version = exec["apiVersion"] ? exec["apiVersion"].as<std::string>() : "";
    config.command = exec["command"] ? exec["command"].as<std::string>() : "";
    if (exec["args"]) config.args = exec["args"].as<std::vector<std::string>>();
    for (const YAML::Node& e : exec["env"]) {
      config.env.emplace_back(e["name"].as<std::string>(""), e["value"].as<std::string>(""));
    }
    config.install_hint = exec["installHint"] ? exec["installHint"].as<std::string>() : "";
    config.provide_cluster_info = exec["provideClusterInfo"] && exec["provideClusterInfo"].as<bool>();
    config.interactive_mode = exec["interactiveMode"] ? exec["interactiveMode"].as<std::string>() : "";
  } catch (const YAML::Exception& e) {
    return invalid(e.what());
  }
  if (config.command.empty()) return invalid("command is required");
  if (config.api_version == "client.authentication.k8s.io/v1alpha1") {
    return invalid("apiVersion client.authentication.k8s.io/v1alpha1 was removed in Kubernetes 1.24; use " +
                   std::string(kV1));
  }
  if (config.api_version != kV1 && config.api_version != kV1Beta1) {
    return invalid(absl::StrCat("apiVersion \"", config.api_version, "\" is not ", kV1, " or ", kV1Beta1));
  }
  if (config.interactive_mode.empty()) {
    if (config.api_version == kV1) return invalid("interactiveMode is required for " + std::string(kV1));
    config.interactive_mode = "IfAvailable";
  }
  if (config.interactive_mode == "Always") {
    return invalid("interactiveMode Always needs a terminal, and Spillway runs without one; give the plugin a "
                   "non-interactive way to log in (interactiveMode Never or IfAvailable)");
  }
  if (config.interactive_mode != "Never" && config.interactive_mode != "IfAvailable") {
    return invalid(absl::StrCat("interactiveMode \"", config.interactive_mode,
                                "\" is not Never, IfAvailable or Always"));
  }
  // client-go: a relative path with a '/' is relative to the kubeconfig; a bare name is looked up on PATH.
  if (config.command.find('/') != std::string::npos && config.command[0] != '/') {
    config.command = absl::StrCat(base_dir, "/", config.command);
  }
  return config;
}

std::string ExecInfo(const ExecConfig& config, const ExecClusterInfo& cluster) {
  json::object spec{{"interactive", false}};
  if (config.provide_cluster_info) {
    json::object info{{"server", cluster.server}};
    if (!cluster.tls_server_name.empty()) info["tls-server-name"] = cluster.tls_server_name;
    if (cluster.insecure_skip_tls_verify) info["insecure-skip-tls-verify"] = true;
    if (!cluster.ca_pem.empty()) info["certificate-authority-data"] = absl::Base64Escape(cluster.ca_pem);
    spec["cluster"] = std::move(info);
  }
  return json::serialize(json::object{{"kind", "ExecCredential"}, {"apiVersion", config.api_version}, {"spec", spec}});
}

absl::StatusOr<ExecCredential> ParseExecCredential(const std::string& stdout_text, const ExecConfig& config) {
  auto invalid = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("exec plugin ", config.command, ": ", what));
  };
  boost::system::error_code ec;
  const json::value parsed = json::parse(stdout_text, ec);
  if (ec || !parsed.is_object()) return invalid("its output is not a JSON ExecCredential");
  const json::object& object = parsed.get_object();
  if (StringAt(object, "kind") != "ExecCredential") return invalid("its output is not of kind ExecCredential");
  if (StringAt(object, "apiVersion") != config.api_version) {
    return invalid(absl::StrCat("it answered apiVersion \"", StringAt(object, "apiVersion"), "\", the kubeconfig asks ",
                                config.api_version));
  }
  const json::value* status = object.if_contains("status");
  if (status == nullptr || !status->is_object()) return invalid("its ExecCredential has no status");
  ExecCredential credential;
  credential.token = StringAt(status->get_object(), "token");
  credential.client_cert_pem = StringAt(status->get_object(), "clientCertificateData");
  credential.client_key_pem = StringAt(status->get_object(), "clientKeyData");
  if (credential.client_cert_pem.empty() != credential.client_key_pem.empty()) {
    return invalid("its status has only one of clientCertificateData and clientKeyData");
  }
  if (credential.token.empty() && credential.client_cert_pem.empty()) {
    return invalid("its status has neither a token nor clientCertificateData and clientKeyData");
  }
  const std::string expiry = StringAt(status->get_object(), "expirationTimestamp");
  if (!expiry.empty()) {
    absl::Time at;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, expiry, &at, &error)) {
      return invalid(absl::StrCat("expirationTimestamp \"", expiry, "\" is not RFC 3339: ", error));
    }
    credential.expires = at;
  }
  return credential;
}

ExecCredentialProvider::ExecCredentialProvider(ExecConfig config, ExecClusterInfo cluster, const Clock& clock)
    : config_(std::move(config)), cluster_(std::move(cluster)), clock_(clock) {}

absl::StatusOr<ExecCredential> ExecCredentialProvider::Get() {
  absl::MutexLock lock(&mu_);
  if (cached_.has_value() && (!cached_->expires.has_value() || clock_.Now() < *cached_->expires)) return *cached_;
  absl::StatusOr<ExecCredential> fresh = Run();
  ++runs_;
  if (!fresh.ok()) return fresh.status();
  cached_ = *fresh;
  return fresh;
}

void ExecCredentialProvider::Invalidate() {
  absl::MutexLock lock(&mu_);
  cached_.reset();
}

int ExecCredentialProvider::runs() const {
  absl::MutexLock lock(&mu_);
  return runs_;
}

absl::StatusOr<ExecCredential> ExecCredentialProvider::Run() const {
  std::vector<std::string> args{config_.command};
  args.insert(args.end(), config_.args.begin(), config_.args.end());
  ProgramOptions options;
  options.env = config_.env;
  options.env.emplace_back("KUBERNETES_EXEC_INFO", ExecInfo(config_, cluster_));
  options.timeout = absl::Minutes(1);
  absl::StatusOr<ProgramOutput> output = RunProgram(args, options);
  if (!output.ok()) {
    return absl::Status(output.status().code(),
                        absl::StrCat("exec plugin: ", output.status().message(),
                                     config_.install_hint.empty() ? "" : absl::StrCat("; ", config_.install_hint)));
  }
  if (output->exit_code != 0) {
    return absl::UnauthenticatedError(absl::StrCat("exec plugin ", config_.command, " exited with status ",
                                                   output->exit_code, ": ", output->stderr_text));
  }
  LOG(INFO) << "exec plugin=" << config_.command << " ran for a new credential";
  return ParseExecCredential(output->stdout_text, config_);
}

}  // namespace spillway::kube
