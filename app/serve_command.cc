#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/commands.h"
#include "common/log_format.h"
#include "app/config_loader.h"
#include "app/flags.h"
#include "app/serve_app.h"
#include "kube/connection.h"
#include "glog/logging.h"

namespace spillway::app {

namespace {

// What `spillway serve`'s flags set, before they become ServeOptions.
struct ServeFlags {
  ServeOptions options;
  std::string components = absl::StrJoin(DefaultComponents(), ",");
  std::string config_path;
  std::string kubeconfig;
  std::string kube_context;
  std::string eci_profile = "kube-system/eci-profile";
  bool standalone = false;
  int verbosity = 0;
  std::string logging_format = "text";
  std::string vmodule;
};

void DeclareFlags(FlagSet& flags, ServeFlags* f) {
  flags.String("listen", &f->options.listen, "Address to serve on, HOST:PORT (port 0 picks one)");
  flags.String("components", &f->components,
               "Comma-separated components to run; this build has: " +
                   absl::StrJoin(AvailableComponents(), ", ") +
                   " (the autoscaler needs cluster access and is leader-elected; admin serves the gRPC "
                   "admin API on --admin-listen)");
  flags.String("config", &f->config_path,
               "Policy file, YAML or JSON (schema: proto/config.proto): virtual-node rule, "
               "scores, body limit. Empty uses the defaults");
  flags.String("tls-cert-file", &f->options.tls_cert_file,
               "PEM certificate chain; with --tls-key-file serves HTTPS (kube-scheduler "
               "enableHTTPS)");
  flags.String("tls-key-file", &f->options.tls_key_file, "PEM private key for --tls-cert-file");
  flags.String("client-ca-file", &f->options.client_ca_file,
               "PEM CA bundle; with TLS, only clients presenting a certificate issued by one of "
               "these CAs are served (kube-scheduler's tlsConfig.certFile/keyFile). Empty: any "
               "client");
  flags.String("metrics-listen", &f->options.metrics_listen,
               "HOST:PORT of a plain-HTTP port for /metrics, /healthz and /readyz, which then "
               "leave the main port (for Prometheus and kubelet probes when the main port "
               "requires client certificates). Empty: the main port serves them");
  flags.String("webhook-listen", &f->options.webhook_listen,
               "Webhook: HTTPS address of POST /mutate/pods (AdmissionReview v1), HOST:PORT");
  flags.String("webhook-cert-dir", &f->options.webhook_cert_dir,
               "Webhook: directory with tls.crt and tls.key (e.g. a cert-manager Secret), re-read "
               "when they change");
  flags.String("webhook-self-managed-secret", &f->options.webhook_self_managed_secret,
               "Webhook: NAMESPACE/NAME of a Secret holding a CA and serving certificate that "
               "Spillway creates, shares between replicas, writes into --webhook-cert-dir and renews; "
               "the CA goes into the caBundle of --webhook-configuration. Empty: the files in "
               "--webhook-cert-dir come from elsewhere (cert-manager)");
  flags.String("webhook-service", &f->options.webhook_service,
               "Webhook: NAMESPACE/NAME of the Service the API server calls (the certificate's names)");
  flags.String("webhook-configuration", &f->options.webhook_configuration,
               "Webhook: the MutatingWebhookConfiguration whose caBundle self-managed certificates set");
  flags.String("admin-listen", &f->options.admin_listen,
               "Admin: gRPC address of the admin API (spillway explain / status; grpc.health.v1; "
               "reflection), HOST:PORT. Plaintext: keep it on loopback and use kubectl port-forward");
  flags.String("kubeconfig", &f->kubeconfig,
               "Kubeconfig file of the cluster to watch (nodes, namespaces); empty tries "
               "$KUBECONFIG, then the in-cluster service account");
  flags.String("context", &f->kube_context, "Kubeconfig context to use instead of current-context");
  flags.Bool("standalone", &f->standalone, "Do not connect to any cluster");
  flags.Bool("leader-elect", &f->options.leader_election.enabled,
             "Autoscaler: act only while holding the Lease (run several replicas safely)");
  flags.String("lease-namespace", &f->options.leader_election.lease_namespace,
               "Autoscaler: namespace of the coordination.k8s.io/v1 Lease");
  flags.String("lease-name", &f->options.leader_election.lease_name, "Autoscaler: name of the Lease");
  flags.String("eci-profile", &f->eci_profile,
               "NAMESPACE/NAME of the eci-profile ConfigMap whose selectors send pods to ECI "
               "(watched with cluster access; changes apply without a restart)");
  flags.Int("threads", &f->options.threads, 1, 256, "I/O and request threads");
  flags.Int("v", &f->verbosity, 0, 10, "Log verbosity; 1 logs every decision (pod=, node=, reason=)");
  flags.String("vmodule", &f->vmodule,
               "Per-file log verbosity above --v, glog's PATTERN=LEVEL list (a source file's base name, * and ? "
               "allowed), e.g. extender_service=2,rescuer=1");
  flags.String("logging-format", &f->logging_format,
               "text (glog lines; values logfmt-quoted) or json (one JSON object per line on stderr, the "
               "key=value pairs of each message as fields)");
}

// Turns the flags into options and the config: components, addresses, the
// config file, cluster access, identity. Errors are usage errors (exit 2).
absl::Status Resolve(ServeFlags* f, config::SpillwayConfig* config) {
  ServeOptions& options = f->options;
  const std::string& components = f->components;
  const std::string& config_path = f->config_path;
  const std::string& kubeconfig = f->kubeconfig;
  const std::string& kube_context = f->kube_context;
  const std::string& eci_profile = f->eci_profile;
  const bool standalone = f->standalone;
  absl::StatusOr<std::vector<std::string>> parsed_components = ParseComponents(components);
  if (!parsed_components.ok()) return parsed_components.status();
  options.components = *parsed_components;
  if (size_t slash = eci_profile.find('/');
      slash == std::string::npos || slash == 0 || slash + 1 == eci_profile.size() ||
      eci_profile.find('/', slash + 1) != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--eci-profile='", eci_profile, "': expected NAMESPACE/NAME"));
  } else {
    options.eci_profile_namespace = eci_profile.substr(0, slash);
    options.eci_profile_name = eci_profile.substr(slash + 1);
  }
  std::string host;
  uint16_t port = 0;
  if (absl::Status s = ParseListenAddress(options.listen, &host, &port); !s.ok()) return s;
  if (!config_path.empty()) {
    absl::StatusOr<config::SpillwayConfig> loaded = LoadConfigFile(config_path);
    if (!loaded.ok()) return loaded.status();
    *config = *loaded;
  }

  if (!standalone) {
    absl::StatusOr<kube::Connection> connection = kube::ResolveConnection(kubeconfig, kube_context);
    if (connection.ok()) {
      options.cluster = *connection;
    } else if (!kubeconfig.empty() || connection.status().code() != absl::StatusCode::kFailedPrecondition) {
      return connection.status();
    } else {
      LOG(INFO) << "no kubeconfig and not running in a pod: serving standalone";
    }
  }

  if (const char* ns = std::getenv("POD_NAMESPACE"); ns != nullptr && ns[0] != '\0') {
    options.own_namespace = ns;
  }
  char hostname[256] = {0};
  gethostname(hostname, sizeof(hostname) - 1);
  options.leader_election.identity =
      absl::StrCat(hostname, "_", absl::Hex(absl::Uniform<uint64_t>(absl::BitGen()), absl::kZeroPad16));

  return absl::OkStatus();
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  ServeFlags f;
  FlagSet flags("spillway serve [flags]",
                "Serves the kube-scheduler extender (POST /extender/filter, /extender/prioritize,\n"
                "/extender/preempt), /metrics, /healthz and /readyz on one port (or the last\n"
                "three on --metrics-listen). Limits (body sizes, connections, deadlines,\n"
                "shutdown grace) are in the config file's server section. The webhook component\n"
                "serves POST /mutate/pods (AdmissionReview v1) on its own HTTPS --webhook-listen.\n"
                "Cluster access (for nodeCacheCapable: true and namespace opt-in labels) comes\n"
                "from --kubeconfig, else $KUBECONFIG, else the in-cluster service account;\n"
                "with none of them (or --standalone) the extender runs standalone: full-node\n"
                "requests (nodeCacheCapable: false) need no cluster access.");
  DeclareFlags(flags, &f);
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::cerr << "spillway serve: " << s.message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  FLAGS_v = f.verbosity;
  if (absl::Status s = SetVModule(f.vmodule); !s.ok()) {
    std::cerr << "spillway serve: " << s.message() << "\n";
    return 2;
  }
  if (absl::Status s = SetLoggingFormat(f.logging_format); !s.ok()) {
    std::cerr << "spillway serve: " << s.message() << "\n";
    return 2;
  }
  config::SpillwayConfig config;
  if (absl::Status s = Resolve(&f, &config); !s.ok()) {
    std::cerr << "spillway serve: " << s.message() << "\n";
    return 2;
  }
  const ServeOptions& options = f.options;
  BlockTerminationSignals();

  TuneAllocatorForServing();
  absl::StatusOr<std::unique_ptr<ServeApp>> app = ServeApp::Start(options, config);
  if (!app.ok()) {
    std::cerr << "spillway serve: " << app.status().message() << "\n";
    return 1;
  }
  // Tests and scripts that pass port 0 read the chosen port from this line.
  std::cout << "spillway: listening on port " << (*app)->port() << std::endl;
  for (const auto& [name, port] : (*app)->component_ports()) {
    std::cout << "spillway: " << name << " on port " << port << std::endl;
  }
  if ((*app)->metrics_port() != 0) {
    std::cout << "spillway: metrics on port " << (*app)->metrics_port() << std::endl;
  }
  StopOnTerminationSignal([&app] { (*app)->Stop(); });
  (*app)->Wait();
  return 0;
}

}  // namespace spillway::app
