// Component "webhook": the mutating admission webhook (POST /mutate/pods) on
// an HTTPS port of its own, answered from the shared namespace cache, the
// eci-profile store and an index of NodePort Services; its certificate from
// files (re-read on change) or self-managed (Secret, caBundle, renewal).
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "app/component.h"
#include "app/serve_app.h"
#include "common/http/server_metrics.h"
#include "glog/logging.h"
#include "webhook/certificates.h"
#include "webhook/node_port_index.h"
#include "webhook/webhook_service.h"

namespace spillway::app {
namespace {

// "namespace/name" split; InvalidArgument naming the flag.
absl::Status SplitName(const std::string& flag, const std::string& value, std::string* ns, std::string* name) {
  const size_t slash = value.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
      value.find('/', slash + 1) != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, "='", value, "': expected NAMESPACE/NAME"));
  }
  *ns = value.substr(0, slash);
  *name = value.substr(slash + 1);
  return absl::OkStatus();
}

class Webhook final : public Component {
 public:
  explicit Webhook(ProcessParts& parts) : parts_(parts), port_metrics_(parts.registry, "webhook") {
    node_ports_.Attach(*parts.informers->services());
    kube::ClusterInformers* informers = parts.informers;
    service_.emplace(
        parts.resolver, parts.rule, parts.eci_profile,
        [informers](const std::string& name) { return informers->namespaces().Get(name); }, parts.registry,
        [this](const std::string& ns, const kube::StringMap& labels) { return node_ports_.Selecting(ns, labels); });
  }

  absl::Status Start() override {
    const ServeOptions& options = parts_.options;
    if (!options.webhook_self_managed_secret.empty()) {
      if (absl::Status s = StartSelfManagedCertificates(); !s.ok()) return s;
    }
    http::ServerOptions server_options = parts_.server_options();
    if (absl::Status s = ParseListenAddress(options.webhook_listen, &server_options.host, &server_options.port,
                                              "webhook-listen");
        !s.ok()) {
      return s;
    }
    server_options.tls_cert_file = options.webhook_cert_dir + "/tls.crt";
    server_options.tls_key_file = options.webhook_cert_dir + "/tls.key";
    server_options.tls_reload_interval = absl::Seconds(5);
    server_options.max_body_bytes = 8 << 20;  // A pod is kilobytes; kube-apiserver caps requests at 3 MiB.
    server_options.metrics = &port_metrics_;
    absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(
        server_options, [this](http::Request& request) { return service_->Handle(request); });
    if (!server.ok()) {
      return absl::Status(server.status().code(), absl::StrCat("webhook: ", server.status().message()));
    }
    server_ = std::move(*server);
    LOG(INFO) << "serving the admission webhook on https://" << server_options.host << ":" << server_->port()
              << webhook::kMutatePodsPath << " (certificate " << server_options.tls_cert_file
              << ", re-read when it changes)";
    return absl::OkStatus();
  }

  // The eci-profile selectors whose effect admission adds to `pod`.
  void ExplainPod(const kube::Pod& pod, admin::v1::ExplainResponse& out) const override {
    // The admin service has resolved the intent already (contributor.h).
    std::shared_ptr<const kube::Namespace> space = parts_.informers->namespaces().Get(pod.metadata.namespace_);
    const bool headed_to_eci = out.node_is_virtual() || out.intent().intent() == burst::IntentName(burst::Intent::kEciOnly);
    const burst::ProfileEffect effect =
        burst::EffectFor(*parts_.eci_profile.Get(), pod.metadata.labels, pod.metadata.annotations,
                         space != nullptr ? &space->metadata.labels : nullptr, headed_to_eci);
    for (const std::string& selector : effect.selectors) out.add_profile_effect_selectors(selector);
  }

  void Stop() override {
    if (server_ != nullptr) server_->Stop();
    if (certificates_ != nullptr) certificates_->Stop();
  }

  std::vector<std::pair<std::string, uint16_t>> Ports() const override {
    if (server_ == nullptr) return {};
    return {{"webhook", server_->port()}};
  }

 private:
  absl::Status StartSelfManagedCertificates() {
    const ServeOptions& options = parts_.options;
    webhook::SelfManagedOptions certificate_options;
    if (absl::Status s = SplitName("webhook-self-managed-secret", options.webhook_self_managed_secret,
                                   &certificate_options.secret_namespace, &certificate_options.secret_name);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = SplitName("webhook-service", options.webhook_service,
                                   &certificate_options.service_namespace, &certificate_options.service_name);
        !s.ok()) {
      return s;
    }
    certificate_options.webhook_configuration = options.webhook_configuration;
    certificate_options.cert_dir = options.webhook_cert_dir;
    certificates_ = std::make_unique<webhook::SelfManagedCertificates>(*parts_.client, certificate_options);
    if (absl::Status s = certificates_->Start(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("webhook certificates: ", s.message()));
    }
    return absl::OkStatus();
  }

  ProcessParts& parts_;
  http::ServerMetrics port_metrics_;
  webhook::NodePortIndex node_ports_;
  std::optional<webhook::WebhookService> service_;
  std::unique_ptr<webhook::SelfManagedCertificates> certificates_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace

ComponentDescriptor WebhookComponent() {
  ComponentDescriptor descriptor;
  descriptor.name = "webhook";
  descriptor.needs.cluster = true;
  descriptor.needs.services = true;
  descriptor.needs.profile_mirror = true;
  descriptor.check = [](const ServeOptions& options) {
    if (options.webhook_cert_dir.empty()) {
      return absl::InvalidArgumentError(
          "the webhook needs --webhook-cert-dir (a directory with tls.crt and tls.key; API servers call "
          "webhooks over HTTPS only)");
    }
    return absl::OkStatus();
  };
  descriptor.create = [](ProcessParts& parts) -> absl::StatusOr<std::unique_ptr<Component>> {
    return std::make_unique<Webhook>(parts);
  };
  return descriptor;
}

}  // namespace spillway::app
