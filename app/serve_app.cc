#include "app/serve_app.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "app/config_loader.h"
#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/http/server.h"
#include "common/http/server_metrics.h"
#include "glog/logging.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "scheduler/extender.h"
#include "scheduler/extender_service.h"
#include "scheduler/informer_cluster_view.h"
#include "autoscaler/autoscaler.h"
#include "autoscaler/quota_accountant.h"
#include "burst/eci_quota.h"
#include "burst/stock.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "scheduler/metrics.h"
#include "webhook/certificates.h"
#include "webhook/node_port_index.h"
#include "webhook/profile_watcher.h"
#include "webhook/webhook_service.h"

namespace spillway::app {

void TuneAllocatorForServing() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);    // glibc's maximum on 64-bit.
  mallopt(M_TRIM_THRESHOLD, 1 << 30);     // Keep freed memory for the next request.
}

namespace {
sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}
}  // namespace

void BlockTerminationSignals() {
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void StopOnTerminationSignal(std::function<void()> stop) {
  const sigset_t signals = TerminationSignals();
  std::thread([signals, stop = std::move(stop)] {
    int signal = 0;
    sigwait(&signals, &signal);
    LOG(INFO) << "signal " << signal << ": shutting down";
    stop();
  }).detach();
}

absl::Status ParseListenAddress(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen='", listen, "': expected HOST:PORT, e.g. 0.0.0.0:10262"));
  }
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  uint32_t p = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &p) || p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen='", listen, "': the port must be a number within 0..65535"));
  }
  *host = h;
  *port = static_cast<uint16_t>(p);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ParseComponents(const std::string& list) {
  std::vector<std::string> components;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    std::string component(absl::StripAsciiWhitespace(name));
    const auto& available = AvailableComponents();
    if (std::find(available.begin(), available.end(), component) == available.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--components: unknown component '",
                                                     component, "'; this build has: ",
                                                     absl::StrJoin(available, ", ")));
    }
    if (std::find(components.begin(), components.end(), component) == components.end()) {
      components.push_back(component);
    }
  }
  if (components.empty()) {
    return absl::InvalidArgumentError("--components: name at least one component");
  }
  return components;
}

class ServeApp::Impl {
 public:
  Impl(const ServeOptions& options, const config::SpillwayConfig& config)
      : options_(options),
        rule_(config.extender().virtual_node()),
        resolver_(rule_),
        extender_metrics_(registry_) {
    view_ = options.cluster_view;
    // The eci-profile is one more way of asking for ECI; empty until the
    // ConfigMap is read (never, without cluster access).
    resolver_.AddSource(std::make_unique<burst::ProfileSource>(eci_profile_));
    if (options.cluster.has_value()) {
      client_ = std::make_unique<kube::RestClient>(*options.cluster, kube::RestClient::Options());
      const bool quota = config.has_eci_quota() || Enabled("autoscaler");
      informers_ = std::make_unique<kube::ClusterInformers>(*client_, /*watch_pods=*/quota,
                                                            /*watch_warning_events=*/Enabled("autoscaler"));
      informers_->WatchEciProfile(options.eci_profile_namespace, options.eci_profile_name);
      kube::EventRecorder::Options event_options;
      event_options.instance = options.leader_election.identity;
      events_ = std::make_unique<kube::EventRecorder>(*client_, Clock::Real(), event_options);
      webhook::ProfileVisibility visibility;
      visibility.client = client_.get();
      if (Enabled("webhook")) visibility.webhook_configuration = options.webhook_configuration;
      profile_watcher_ = std::make_unique<webhook::ProfileWatcher>(*informers_->eci_profile(), eci_profile_,
                                                                   events_.get(), registry_, visibility);
      if (Enabled("autoscaler")) {
        const config::StockConfig& stock = config.autoscaler().stock();
        stock_ = std::make_unique<burst::StockCoolDowns>(
            Clock::Real(), absl::Seconds(stock.has_cool_down_seconds() ? stock.cool_down_seconds() : 180));
      }
      if (quota) {
        // Validated by ValidateConfig.
        quota_ = *burst::EciQuota::FromConfig(config.eci_quota());
        accountant_ = std::make_unique<autoscaler::QuotaAccountant>(*informers_, rule_, *quota_, registry_);
      }
      if (Enabled("autoscaler")) {
        autoscaler::AutoscalerOptions autoscaler_options;
        autoscaler_options.config = config.autoscaler();
        autoscaler_options.identity = options.leader_election.identity;
        autoscaler_options.own_namespace = options.own_namespace;
        autoscaler_options.quota = quota_.get();
        autoscaler_options.stock = stock_.get();
        autoscaler_options.leader_elect = options.leader_election.enabled;
        autoscaler_options.lease_namespace = options.leader_election.lease_namespace;
        autoscaler_options.lease_name = options.leader_election.lease_name;
        autoscaler_ = std::make_unique<autoscaler::Autoscaler>(*client_, *informers_, resolver_, rule_,
                                                               Clock::Real(), registry_, autoscaler_options);
      }
      if (view_ == nullptr) {
        informer_view_ = std::make_unique<scheduler::InformerClusterView>(
            informers_->nodes(), informers_->namespaces(), quota_.get(), stock_.get());
        view_ = informer_view_.get();
      }
    }
    const config::Scores& scores = config.extender().scores();
    scheduler::ScoreValues values;
    if (scores.has_regular_node()) values.regular_node = scores.regular_node();
    if (scores.has_virtual_node_burst()) values.virtual_node_burst = scores.virtual_node_burst();
    if (scores.has_virtual_node_eci_only()) {
      values.virtual_node_eci_only = scores.virtual_node_eci_only();
    }
    extender_.emplace(resolver_, rule_, view_, values);
    if (Enabled("webhook") && informers_ != nullptr) {
      informers_->WatchServices();
      node_ports_.Attach(*informers_->services());
      webhook_.emplace(
          resolver_, rule_, eci_profile_,
          [this](const std::string& name) { return informers_->namespaces().Get(name); }, registry_,
          [this](const std::string& ns, const kube::StringMap& labels) { return node_ports_.Selecting(ns, labels); });
    }
    extender_service_.emplace(*extender_, extender_metrics_);
    max_request_bytes_ = config.extender().has_max_request_bytes()
                             ? config.extender().max_request_bytes()
                             : kDefaultMaxRequestBytes;
    server_config_ = config.server();
    shutdown_grace_ = absl::Seconds(server_config_.has_shutdown_grace_seconds()
                                        ? server_config_.shutdown_grace_seconds()
                                        : kDefaultShutdownGraceSeconds);
  }

  absl::Status Start() {
    http::ServerOptions server_options = ServerOptionsFromConfig();
    if (absl::Status s =
            ParseListenAddress(options_.listen, &server_options.host, &server_options.port);
        !s.ok()) {
      return s;
    }
    server_options.tls_cert_file = options_.tls_cert_file;
    server_options.tls_key_file = options_.tls_key_file;
    server_options.client_ca_file = options_.client_ca_file;
    server_options.metrics = &main_port_metrics_;
    absl::StatusOr<std::unique_ptr<http::Server>> server =
        http::Server::Start(server_options, [this](http::Request& request) {
          return RouteMain(request);
        });
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    LOG(INFO) << "serving components=" << absl::StrJoin(options_.components, ",") << " on "
              << (server_->tls() ? "https://" : "http://") << server_options.host << ":"
              << server_->port()
              << (options_.client_ca_file.empty() ? "" : " (clients need a certificate)")
              << " virtual-node rule: " << rule_.Describe();
    if (webhook_.has_value()) {
      if (absl::Status s = StartWebhookServer(); !s.ok()) return s;
    }
    if (!options_.metrics_listen.empty()) {
      http::ServerOptions metrics_options = ServerOptionsFromConfig();
      if (absl::Status s = ParseListenAddress(options_.metrics_listen, &metrics_options.host,
                                              &metrics_options.port);
          !s.ok()) {
        return s;
      }
      metrics_options.threads = 1;
      metrics_options.max_body_bytes = 64 << 10;  // Probes and scrapes send no body.
      metrics_port_metrics_.emplace(registry_, "metrics");
      metrics_options.metrics = &*metrics_port_metrics_;
      absl::StatusOr<std::unique_ptr<http::Server>> metrics_server =
          http::Server::Start(metrics_options, [this](http::Request& request) {
            return RouteOperations(request);
          });
      if (!metrics_server.ok()) return metrics_server.status();
      metrics_server_ = std::move(*metrics_server);
      LOG(INFO) << "serving /metrics, /healthz and /readyz on http://" << metrics_options.host
                << ":" << metrics_server_->port();
    }
    if (informers_ != nullptr) {
      informers_->Start();
      if (autoscaler_ != nullptr) autoscaler_->Start();
      LOG(INFO) << "watching nodes and namespaces on " << options_.cluster->scheme << "://"
                << options_.cluster->host << ":" << options_.cluster->port
                << "; /readyz answers 503 until both are listed";
    }
    if (view_ == nullptr) {
      LOG(INFO) << "no cluster access: names-mode requests (nodeCacheCapable: true) classify "
                   "nodes by name only";
    }
    return absl::OkStatus();
  }

  uint16_t port() const { return server_->port(); }
  uint16_t metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
  uint16_t webhook_port() const { return webhook_server_ ? webhook_server_->port() : 0; }
  void Wait() { server_->Wait(); }
  // Called by the signal thread and by the destructor, possibly at once.
  // Finishes within shutdown_grace_ (plus joining threads): a watchdog cuts
  // off the API calls still waiting then, so a frozen API server cannot hold
  // the process past the pod's terminationGracePeriodSeconds.
  void Stop() {
    absl::MutexLock lock(&stop_mu_);
    absl::Notification finished;
    std::thread watchdog;
    if (client_ != nullptr) {
      watchdog = std::thread([this, &finished] {
        if (!finished.WaitForNotificationWithTimeout(shutdown_grace_)) {
          LOG(WARNING) << "shutdown: the API server has not answered within "
                       << shutdown_grace_ << "; abandoning the calls still waiting";
          client_->Shutdown();
        }
      });
    }
    server_->Stop();
    if (webhook_server_ != nullptr) webhook_server_->Stop();
    if (certificates_ != nullptr) certificates_->Stop();
    if (autoscaler_ != nullptr) autoscaler_->Stop();  // Releases the lease.
    if (informers_ != nullptr) informers_->Stop();
    if (profile_watcher_ != nullptr) profile_watcher_->Stop();
    if (metrics_server_ != nullptr) metrics_server_->Stop();
    finished.Notify();
    if (watchdog.joinable()) watchdog.join();
  }

 private:
  bool Enabled(absl::string_view component) const {
    return std::find(options_.components.begin(), options_.components.end(), component) !=
           options_.components.end();
  }

  http::ServerOptions ServerOptionsFromConfig() const {
    const config::ServerConfig& c = server_config_;
    http::ServerOptions options;
    options.max_body_bytes = max_request_bytes_;
    options.max_body_bytes_in_flight =
        c.has_max_body_bytes_in_flight()
            ? c.max_body_bytes_in_flight()
            : std::max<uint64_t>(kDefaultMaxBodyBytesInFlight, max_request_bytes_);
    options.max_idle_connections =
        c.has_max_idle_connections() ? c.max_idle_connections() : kDefaultMaxIdleConnections;
    options.header_timeout = absl::Seconds(
        c.has_header_timeout_seconds() ? c.header_timeout_seconds() : kDefaultHeaderTimeoutSeconds);
    options.body_timeout = absl::Seconds(
        c.has_body_timeout_seconds() ? c.body_timeout_seconds() : kDefaultBodyTimeoutSeconds);
    options.idle_timeout = absl::Seconds(
        c.has_idle_timeout_seconds() ? c.idle_timeout_seconds() : kDefaultIdleTimeoutSeconds);
    options.shutdown_grace = shutdown_grace_;
    options.threads = options_.threads;
    return options;
  }

  // "namespace/name" split; InvalidArgument naming the flag.
  static absl::Status SplitName(const std::string& flag, const std::string& value, std::string* ns,
                                std::string* name) {
    const size_t slash = value.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == value.size()) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, "='", value, "': expected NAMESPACE/NAME"));
    }
    *ns = value.substr(0, slash);
    *name = value.substr(slash + 1);
    return absl::OkStatus();
  }

  absl::Status StartSelfManagedCertificates() {
    webhook::SelfManagedOptions options;
    if (absl::Status s = SplitName("webhook-self-managed-secret", options_.webhook_self_managed_secret,
                                   &options.secret_namespace, &options.secret_name);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = SplitName("webhook-service", options_.webhook_service, &options.service_namespace,
                                   &options.service_name);
        !s.ok()) {
      return s;
    }
    options.webhook_configuration = options_.webhook_configuration;
    options.cert_dir = options_.webhook_cert_dir;
    certificates_ = std::make_unique<webhook::SelfManagedCertificates>(*client_, options);
    if (absl::Status s = certificates_->Start(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("webhook certificates: ", s.message()));
    }
    return absl::OkStatus();
  }

  // The webhook's own HTTPS port, its certificate re-read as it rotates.
  absl::Status StartWebhookServer() {
    if (!options_.webhook_self_managed_secret.empty()) {
      if (absl::Status s = StartSelfManagedCertificates(); !s.ok()) return s;
    }
    http::ServerOptions options = ServerOptionsFromConfig();
    if (absl::Status s = ParseListenAddress(options_.webhook_listen, &options.host, &options.port); !s.ok()) {
      return s;
    }
    options.tls_cert_file = options_.webhook_cert_dir + "/tls.crt";
    options.tls_key_file = options_.webhook_cert_dir + "/tls.key";
    options.tls_reload_interval = absl::Seconds(5);
    options.max_body_bytes = 8 << 20;  // A pod is kilobytes; kube-apiserver caps requests at 3 MiB.
    webhook_port_metrics_.emplace(registry_, "webhook");
    options.metrics = &*webhook_port_metrics_;
    absl::StatusOr<std::unique_ptr<http::Server>> server =
        http::Server::Start(options, [this](http::Request& request) { return webhook_->Handle(request); });
    if (!server.ok()) {
      return absl::Status(server.status().code(),
                          absl::StrCat("webhook: ", server.status().message()));
    }
    webhook_server_ = std::move(*server);
    LOG(INFO) << "serving the admission webhook on https://" << options.host << ":"
              << webhook_server_->port() << webhook::kMutatePodsPath << " (certificate "
              << options.tls_cert_file << ", re-read when it changes)";
    return absl::OkStatus();
  }

  // The main port: the extender, and the operations routes unless they have
  // a port of their own.
  http::Response RouteMain(http::Request& request) {
    absl::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    if (absl::StartsWith(path, scheduler::kExtenderPathPrefix) && Enabled("extender")) {
      return extender_service_->Handle(request);
    }
    if (options_.metrics_listen.empty()) return RouteOperations(request);
    http::Response response;
    response.status = 404;
    response.content_type = "text/plain; charset=utf-8";
    response.body = absl::StrCat("no route for ", path, " on this port; /metrics, /healthz and "
                                 "/readyz are served on the --metrics-listen port\n");
    return response;
  }

  // Refreshes the cache-age gauges for a scrape.
  void UpdateCacheAges() {
    if (informers_ == nullptr) return;
    for (const auto& [resource, age] : informers_->SyncAges(absl::Now())) {
      cache_age_->Add({{"resource", resource}}).Set(absl::ToDoubleSeconds(age));
    }
  }

  http::Response RouteOperations(http::Request& request) {
    absl::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    http::Response response;
    response.content_type = "text/plain; charset=utf-8";
    if (path == "/healthz" || path == "/livez") {
      response.body = "ok\n";
    } else if (path == "/readyz") {
      if ((view_ != nullptr && !view_->HasSynced()) ||
          (informers_ != nullptr && !informers_->HasSynced())) {
        response.status = 503;
        response.body = "node, namespace and pod caches have not synced\n";
      } else {
        response.body = "ok\n";
      }
    } else if (path == "/metrics") {
      UpdateCacheAges();
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = prometheus::TextSerializer().Serialize(registry_.Collect());
    } else {
      response.status = 404;
      response.body = absl::StrCat("no route for ", path,
                                   "; try /extender/filter, /metrics, /healthz, /readyz\n");
    }
    return response;
  }

  const ServeOptions options_;
  prometheus::Registry registry_;
  http::ServerMetrics main_port_metrics_{registry_, "main"};
  std::optional<http::ServerMetrics> metrics_port_metrics_;
  prometheus::Family<prometheus::Gauge>* cache_age_ =
      &prometheus::BuildGauge()
           .Name("spillway_cache_last_sync_age_seconds")
           .Help("Seconds since the cache was last known to be current with the API server (0 "
                 "while its watch is open); Spillway keeps serving from the cache meanwhile")
           .Register(registry_);
  burst::VirtualNodeRule rule_;
  burst::EciProfileStore eci_profile_;
  burst::IntentResolver resolver_;
  scheduler::ExtenderMetrics extender_metrics_;
  absl::Mutex stop_mu_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<kube::ClusterInformers> informers_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<webhook::ProfileWatcher> profile_watcher_;
  std::unique_ptr<burst::EciQuota> quota_;
  std::unique_ptr<burst::StockCoolDowns> stock_;
  std::unique_ptr<autoscaler::QuotaAccountant> accountant_;
  std::unique_ptr<scheduler::InformerClusterView> informer_view_;
  // Destroyed before the informers its handlers are registered on.
  std::unique_ptr<autoscaler::Autoscaler> autoscaler_;
  const scheduler::ClusterView* view_ = nullptr;
  std::optional<scheduler::Extender> extender_;
  std::optional<scheduler::ExtenderService> extender_service_;
  uint64_t max_request_bytes_;
  config::ServerConfig server_config_;
  absl::Duration shutdown_grace_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Server> metrics_server_;
  webhook::NodePortIndex node_ports_;
  std::optional<webhook::WebhookService> webhook_;
  std::optional<http::ServerMetrics> webhook_port_metrics_;
  std::unique_ptr<webhook::SelfManagedCertificates> certificates_;
  std::unique_ptr<http::Server> webhook_server_;
};

absl::StatusOr<std::unique_ptr<ServeApp>> ServeApp::Start(const ServeOptions& options,
                                                          const config::SpillwayConfig& config) {
  if (absl::Status s = ValidateConfig(config); !s.ok()) return s;
  for (const char* component : {"autoscaler", "webhook"}) {
    if (std::find(options.components.begin(), options.components.end(), component) !=
            options.components.end() &&
        !options.cluster.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ", component, " needs cluster access: pass --kubeconfig, set $KUBECONFIG or run in a pod"));
    }
  }
  if (std::find(options.components.begin(), options.components.end(), "webhook") !=
          options.components.end() &&
      options.webhook_cert_dir.empty()) {
    return absl::InvalidArgumentError(
        "the webhook needs --webhook-cert-dir (a directory with tls.crt and tls.key; API servers call "
        "webhooks over HTTPS only)");
  }
  auto impl = std::make_unique<Impl>(options, config);
  if (absl::Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<ServeApp>(new ServeApp(std::move(impl)));
}

ServeApp::ServeApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServeApp::~ServeApp() { impl_->Stop(); }
uint16_t ServeApp::port() const { return impl_->port(); }
uint16_t ServeApp::metrics_port() const { return impl_->metrics_port(); }
uint16_t ServeApp::webhook_port() const { return impl_->webhook_port(); }
void ServeApp::Wait() { impl_->Wait(); }
void ServeApp::Stop() { impl_->Stop(); }

}  // namespace spillway::app
