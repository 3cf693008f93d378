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
#include "app/component.h"
#include "app/config_loader.h"
#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/http/server.h"
#include "common/http/server_metrics.h"
#include "glog/logging.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "common/process_metrics.h"
#include "common/version.h"
#include "prometheus/text_serializer.h"
#include "cluster_state/quota_accountant.h"
#include "burst/eci_quota.h"
#include "burst/stock.h"
#include "common/clock.h"
#include "kube/cluster_informers.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "cluster_state/profile_watcher.h"

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

absl::Status ParseListenAddress(const std::string& listen, std::string* host, uint16_t* port,
                                absl::string_view flag) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "='", listen, "': expected HOST:PORT, e.g. 0.0.0.0:10262"));
  }
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  uint32_t p = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &p) || p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "='", listen, "': the port must be a number within 0..65535"));
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

// The process: shared parts (cluster client, informers, eci-profile, quota,
// stock), the main port and the operations routes, and the components of
// --components (app/component.h), each plugged in through its descriptor.
// What running without cluster access cannot do (logged once, shown by /readyz).
constexpr char kStandalone[] =
    "standalone: namespace labels (alibabacloud.com/eci=true, ...) and the eci-profile cannot be seen, so pods "
    "asking for ECI only through them are judged as asking for nothing; give Spillway cluster access";

class ServeApp::Impl {
 public:
  Impl(const ServeOptions& options, const config::SpillwayConfig& config)
      : options_(options),
        config_(config),
        rule_(config.extender().virtual_node()),
        resolver_(rule_),
        parts_{options_, config_, registry_, rule_, resolver_, eci_profile_, nullptr, nullptr, nullptr, nullptr, {}, {}, {}} {
    for (const ComponentDescriptor& descriptor : ComponentList()) {
      if (Enabled(descriptor.name)) descriptors_.push_back(&descriptor);
    }
    // The eci-profile is one more way of asking for ECI; empty until the
    // ConfigMap is read (never, without cluster access).
    resolver_.AddSource(std::make_unique<burst::ProfileSource>(eci_profile_));
    max_request_bytes_ = config.extender().has_max_request_bytes() ? config.extender().max_request_bytes()
                                                                   : kDefaultMaxRequestBytes;
    shutdown_grace_ = absl::Seconds(config.server().has_shutdown_grace_seconds()
                                        ? config.server().shutdown_grace_seconds()
                                        : kDefaultShutdownGraceSeconds);
    parts_.server_options = [this] { return ServerOptionsFromConfig(); };
    parts_.component_states = [this] { return ComponentStates(); };
    parts_.contributors = [this] {
      std::vector<const admin::Contributor*> contributors;
      for (const std::unique_ptr<Component>& component : components_) contributors.push_back(component.get());
      return contributors;
    };
    if (options.cluster.has_value()) {
      BuildClusterParts();
    } else {
      LOG(WARNING) << kStandalone;
    }
  }

  // Creates the components, in the list's order.
  absl::Status CreateComponents() {
    for (const ComponentDescriptor* descriptor : descriptors_) {
      absl::StatusOr<std::unique_ptr<Component>> component = descriptor->create(parts_);
      if (!component.ok()) return component.status();
      components_.push_back(*std::move(component));
    }
    return absl::OkStatus();
  }

  absl::Status Start() {
    if (absl::Status s = StartMainServer(); !s.ok()) return s;
    if (absl::Status s = StartMetricsServer(); !s.ok()) return s;
    if (informers_ != nullptr) {
      informers_->Start();
      LOG(INFO) << "watching the cluster on " << options_.cluster->scheme << "://" << options_.cluster->host << ":"
                << options_.cluster->port << "; /readyz answers 503 until the caches are listed";
    }
    for (const std::unique_ptr<Component>& component : components_) {
      if (absl::Status s = component->Start(); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  uint16_t port() const { return server_->port(); }
  uint16_t metrics_port() const { return metrics_server_ ? metrics_server_->port() : 0; }
  std::vector<std::pair<std::string, uint16_t>> component_ports() const {
    std::vector<std::pair<std::string, uint16_t>> ports;
    for (const std::unique_ptr<Component>& component : components_) {
      for (auto& port : component->Ports()) ports.push_back(std::move(port));
    }
    return ports;
  }
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
          LOG(WARNING) << "shutdown: the API server has not answered within " << shutdown_grace_
                       << "; abandoning the calls still waiting";
          client_->Shutdown();
        }
      });
    }
    if (server_ != nullptr) server_->Stop();
    for (auto it = components_.rbegin(); it != components_.rend(); ++it) (*it)->Stop();
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
  ComponentDescriptor::Needs Needs() const {
    ComponentDescriptor::Needs needs;
    for (const ComponentDescriptor* d : descriptors_) {
      needs.pods |= d->needs.pods;
      needs.warning_events |= d->needs.warning_events;
      needs.services |= d->needs.services;
      needs.stock |= d->needs.stock;
      needs.profile_mirror |= d->needs.profile_mirror;
    }
    return needs;
  }

  // The client, the shared informers and what is built on them.
  void BuildClusterParts() {
    const ComponentDescriptor::Needs needs = Needs();
    rest_client_metrics_.emplace(registry_);
    kube::RestClient::Options client_options;
    client_options.metrics = &*rest_client_metrics_;
    client_ = std::make_unique<kube::RestClient>(*options_.cluster, client_options);
    const bool quota = config_.has_eci_quota() || needs.pods;
    informers_ = std::make_unique<kube::ClusterInformers>(*client_, /*watch_pods=*/quota,
                                                          /*watch_warning_events=*/needs.warning_events);
    informers_->WatchEciProfile(options_.eci_profile_namespace, options_.eci_profile_name);
    if (needs.services) informers_->WatchServices();
    kube::EventRecorder::Options event_options;
    event_options.instance = options_.leader_election.identity;
    events_ = std::make_unique<kube::EventRecorder>(*client_, Clock::Real(), event_options);
    cluster_state::ProfileVisibility visibility;
    visibility.client = client_.get();
    if (needs.profile_mirror) visibility.webhook_configuration = options_.webhook_configuration;
    profile_watcher_ = std::make_unique<cluster_state::ProfileWatcher>(*informers_->eci_profile(), eci_profile_,
                                                                       events_.get(), registry_, visibility);
    if (needs.stock) {
      // Validated by ValidateConfig.
      stock_ = std::make_unique<burst::StockCoolDowns>(
          Clock::Real(), *burst::StockPolicy::FromConfig(config_.autoscaler().stock()));
    }
    if (quota) {
      quota_ = *burst::EciQuota::FromConfig(config_.eci_quota());  // Validated by ValidateConfig.
      accountant_ = std::make_unique<cluster_state::QuotaAccountant>(*informers_, rule_, *quota_, registry_);
    }
    parts_.client = client_.get();
    parts_.informers = informers_.get();
    parts_.quota = quota_.get();
    parts_.stock = stock_.get();
  }

  absl::Status StartMainServer() {
    http::ServerOptions server_options = ServerOptionsFromConfig();
    if (absl::Status s = ParseListenAddress(options_.listen, &server_options.host, &server_options.port); !s.ok()) {
      return s;
    }
    server_options.tls_cert_file = options_.tls_cert_file;
    server_options.tls_key_file = options_.tls_key_file;
    server_options.client_ca_file = options_.client_ca_file;
    server_options.metrics = &main_port_metrics_;
    absl::StatusOr<std::unique_ptr<http::Server>> server =
        http::Server::Start(server_options, [this](http::Request& request) { return RouteMain(request); });
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    LOG(INFO) << "serving components=" << absl::StrJoin(options_.components, ",") << " on "
              << (server_->tls() ? "https://" : "http://") << server_options.host << ":" << server_->port()
              << (options_.client_ca_file.empty() ? "" : " (clients need a certificate)")
              << " virtual-node rule: " << rule_.Describe();
    return absl::OkStatus();
  }

  absl::Status StartMetricsServer() {
    if (options_.metrics_listen.empty()) return absl::OkStatus();
    http::ServerOptions metrics_options = ServerOptionsFromConfig();
    if (absl::Status s = ParseListenAddress(options_.metrics_listen, &metrics_options.host, &metrics_options.port,
                                                   "metrics-listen");
        !s.ok()) {
      return s;
    }
    metrics_options.threads = 1;
    metrics_options.max_body_bytes = 64 << 10;  // Probes and scrapes send no body.
    metrics_port_metrics_.emplace(registry_, "metrics");
    metrics_options.metrics = &*metrics_port_metrics_;
    absl::StatusOr<std::unique_ptr<http::Server>> metrics_server = http::Server::Start(
        metrics_options, [this](http::Request& request) { return RouteOperations(request); });
    if (!metrics_server.ok()) return metrics_server.status();
    metrics_server_ = std::move(*metrics_server);
    LOG(INFO) << "serving /metrics, /healthz and /readyz on http://" << metrics_options.host << ":"
              << metrics_server_->port();
    return absl::OkStatus();
  }

  http::ServerOptions ServerOptionsFromConfig() const {
    const config::ServerConfig& c = config_.server();
    http::ServerOptions options;
    options.max_body_bytes = max_request_bytes_;
    options.max_body_bytes_in_flight = c.has_max_body_bytes_in_flight()
                                           ? c.max_body_bytes_in_flight()
                                           : std::max<uint64_t>(kDefaultMaxBodyBytesInFlight, max_request_bytes_);
    options.max_idle_connections =
        c.has_max_idle_connections() ? c.max_idle_connections() : kDefaultMaxIdleConnections;
    options.header_timeout = absl::Seconds(
        c.has_header_timeout_seconds() ? c.header_timeout_seconds() : kDefaultHeaderTimeoutSeconds);
    options.body_timeout =
        absl::Seconds(c.has_body_timeout_seconds() ? c.body_timeout_seconds() : kDefaultBodyTimeoutSeconds);
    options.idle_timeout =
        absl::Seconds(c.has_idle_timeout_seconds() ? c.idle_timeout_seconds() : kDefaultIdleTimeoutSeconds);
    options.shutdown_grace = shutdown_grace_;
    options.threads = options_.threads;
    return options;
  }

  // The main port: the components' routes, and the operations routes unless
  // they have a port of their own.
  http::Response RouteMain(http::Request& request) {
    absl::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    for (const std::unique_ptr<Component>& component : components_) {
      for (const std::string& prefix : component->RoutePrefixes()) {
        if (absl::StartsWith(path, prefix)) return component->Handle(request);
      }
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

  // Each component's readiness, for the admin API (components_ is fixed
  // once created, so gRPC threads may read it).
  std::vector<admin::v1::ComponentStatus> ComponentStates() const {
    std::vector<admin::v1::ComponentStatus> states;
    const bool synced = informers_ == nullptr || informers_->HasSynced();
    for (size_t i = 0; i < components_.size(); ++i) {
      admin::v1::ComponentStatus& state = states.emplace_back();
      state.set_name(descriptors_[i]->name);
      std::string why = synced || !descriptors_[i]->needs.cluster ? components_[i]->NotReady()
                                                                  : "the cluster caches are not synced yet";
      state.set_ready(why.empty());
      state.set_not_ready(std::move(why));
    }
    return states;
  }

  // Why the process cannot answer correctly yet; "" when ready.
  std::string NotReady() const {
    if (informers_ != nullptr && !informers_->HasSynced()) {
      return "the cluster caches are not synced yet (nodes, namespaces, and what the components watch)";
    }
    for (const std::unique_ptr<Component>& component : components_) {
      std::string why = component->NotReady();
      if (!why.empty()) return why;
    }
    return "";
  }

  http::Response RouteOperations(http::Request& request) {
    absl::string_view path = request.target;
    path = path.substr(0, path.find('?'));
    http::Response response;
    response.content_type = "text/plain; charset=utf-8";
    if (path == "/healthz" || path == "/livez") {
      response.body = "ok\n";
    } else if (path == "/readyz") {
      const std::string why = NotReady();
      response.status = why.empty() ? 200 : 503;
      if (!why.empty()) {
        response.body = why + "\n";
      } else {
        response.body = informers_ == nullptr ? absl::StrCat("ok (", kStandalone, ")\n") : "ok\n";
      }
    } else if (path == "/metrics") {
      UpdateCacheAges();
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      std::vector<prometheus::MetricFamily> families = registry_.Collect();
      for (prometheus::MetricFamily& family : process_metrics_.Collect()) families.push_back(std::move(family));
      response.body = prometheus::TextSerializer().Serialize(families);
    } else {
      response.status = 404;
      response.body = absl::StrCat("no route for ", path, "; try /extender/filter, /metrics, /healthz, /readyz\n");
    }
    return response;
  }

  const ServeOptions options_;
  const config::SpillwayConfig config_;
  prometheus::Registry registry_;
  http::ServerMetrics main_port_metrics_{registry_, "main"};
  std::optional<http::ServerMetrics> metrics_port_metrics_;
  // Always 1; the labels say which build this is (Prometheus' build_info
  // convention, so dashboards can show versions during a rollout).
  prometheus::Gauge& build_info_ = [this]() -> prometheus::Gauge& {
    prometheus::Gauge& gauge = prometheus::BuildGauge()
                                   .Name("spillway_build_info")
                                   .Help("A metric with a constant 1 whose labels say which Spillway build runs")
                                   .Register(registry_)
                                   .Add({{"version", kVersion}, {"compiler", kCompiler}});
    gauge.Set(1);
    return gauge;
  }();
  prometheus::Family<prometheus::Gauge>* cache_age_ =
      &prometheus::BuildGauge()
           .Name("spillway_cache_last_sync_age_seconds")
           .Help("Seconds since the cache was last known to be current with the API server (0 "
                 "while its watch is open); Spillway keeps serving from the cache meanwhile")
           .Register(registry_);
  burst::VirtualNodeRule rule_;
  burst::EciProfileStore eci_profile_;
  burst::IntentResolver resolver_;
  absl::Mutex stop_mu_;
  std::optional<kube::RestClientMetrics> rest_client_metrics_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<kube::ClusterInformers> informers_;
  std::unique_ptr<kube::EventRecorder> events_;
  std::unique_ptr<cluster_state::ProfileWatcher> profile_watcher_;
  std::unique_ptr<burst::EciQuota> quota_;
  std::unique_ptr<burst::StockCoolDowns> stock_;
  std::unique_ptr<cluster_state::QuotaAccountant> accountant_;
  ProcessParts parts_;
  ProcessMetrics process_metrics_;
  std::vector<const ComponentDescriptor*> descriptors_;
  // Destroyed before the informers their handlers are registered on.
  std::vector<std::unique_ptr<Component>> components_;
  uint64_t max_request_bytes_ = 0;
  absl::Duration shutdown_grace_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Server> metrics_server_;
};

const std::vector<std::string>& AvailableComponents() {
  static const auto* const kNames = [] {
    auto* names = new std::vector<std::string>();
    for (const ComponentDescriptor& descriptor : ComponentList()) names->push_back(descriptor.name);
    return names;
  }();
  return *kNames;
}

absl::StatusOr<std::unique_ptr<ServeApp>> ServeApp::Start(const ServeOptions& options,
                                                          const config::SpillwayConfig& config) {
  if (absl::Status s = ValidateConfig(config); !s.ok()) return s;
  for (const ComponentDescriptor& descriptor : ComponentList()) {
    if (std::find(options.components.begin(), options.components.end(), descriptor.name) ==
        options.components.end()) {
      continue;
    }
    if (descriptor.needs.cluster && !options.cluster.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ", descriptor.name, " needs cluster access: pass --kubeconfig, set $KUBECONFIG or run in a pod"));
    }
    if (descriptor.check) {
      if (absl::Status s = descriptor.check(options); !s.ok()) return s;
    }
  }
  auto impl = std::make_unique<Impl>(options, config);
  if (absl::Status s = impl->CreateComponents(); !s.ok()) return s;
  if (absl::Status s = impl->Start(); !s.ok()) {
    impl->Stop();
    return s;
  }
  return std::unique_ptr<ServeApp>(new ServeApp(std::move(impl)));
}

ServeApp::ServeApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServeApp::~ServeApp() { impl_->Stop(); }
uint16_t ServeApp::port() const { return impl_->port(); }
uint16_t ServeApp::metrics_port() const { return impl_->metrics_port(); }
std::vector<std::pair<std::string, uint16_t>> ServeApp::component_ports() const {
  return impl_->component_ports();
}
void ServeApp::Wait() { impl_->Wait(); }
void ServeApp::Stop() { impl_->Stop(); }

}  // namespace spillway::app
