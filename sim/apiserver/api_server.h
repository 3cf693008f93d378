// The embedded Kubernetes API server (`spillway apiserver`): in memory, plain
// HTTP, no authentication, for tests and the demo. It speaks the real REST API
// closely enough that the real `kubectl` and the official Python client work
// against it with only --server: discovery (/api, /apis, group versions),
// /version, health, OpenAPI v2 and v3, and every verb on the resources in
// resources.h, with Kubernetes' Status error bodies and status codes.
//
// Served: watches (newline-delimited, with bookmarks, timeoutSeconds and 410
// for a resourceVersion too old); the status and scale subresources;
// pods/binding and pods/eviction (with PodDisruptionBudgets); merge, JSON and
// strategic-merge patches (k8s.io/api's own strategies, patch.h) and
// server-side apply (field managers); CustomResourceDefinitions and their
// custom resources with validation rules (a CEL subset, cel.h); garbage
// collection by ownerReferences; mutating admission webhooks (by URL or by
// Service through its EndpointSlices); Tables for kubectl; protobuf request
// bodies; lists in pages; server-side dry run; canonical quantities; per-kind
// field selectors; Event expiry; autoscaling/v1 HorizontalPodAutoscalers over
// v2's storage (hpa_v1.h). What kube-apiserver does and this does not (RBAC,
// per-element ownership in server-side apply, ...) is listed in
// docs/embedded-api-server.md ("Not served").
//
// Each built-in kind's rules (defaults, validation, printer, field
// selectors) are its strategy (strategy.h, kinds/); the server's own code is
// split by role: api_server.cc routes and serves the verbs, and
// api_server_admission.cc, api_server_discovery.cc, api_server_pods.cc,
// api_server_namespaces.cc and api_server_housekeeping.cc hold the rest.
//
// Thread-safe; all state is in the ObjectStore.
#ifndef SPILLWAY_SIM_APISERVER_API_SERVER_H_
#define SPILLWAY_SIM_APISERVER_API_SERVER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "common/http/server.h"
#include "common/clock.h"
#include "sim/apiserver/admission.h"
#include "sim/apiserver/field_manager.h"
#include "sim/apiserver/list_pages.h"
#include "sim/apiserver/object_store.h"
#include "sim/apiserver/resources.h"
#include "sim/apiserver/watch_stream.h"
#include "sim/apiserver/webhook_clients.h"
#include "sim/apiserver/write_rules.h"

namespace spillway::sim {

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port.
  int threads = 2;
  // Events kept for watches (ObjectStore::Options::watch_window).
  size_t watch_window = 10000;
  // Time of objects (creation, deletion, conditions), Table ages and list
  // snapshot expiry, so the simulated cluster can drive it; the real clock
  // when null. Transport deadlines (watch timeouts, bookmarks) use real time.
  Clock* clock = nullptr;
  // Events (core and events.k8s.io) go this long after their last write, as
  // kube-apiserver's --event-ttl (its default: one hour).
  absl::Duration event_ttl = absl::Hours(1);
  // Seeds generated names and uids: each a function of the seed and the
  // object alone (ObjectStore::Options::seed), so the simulated cluster's
  // same seed tells the same story; unpredictable when unset.
  std::optional<uint64_t> seed;
};

// Limits of a real API server (and etcd): request bodies, stored objects,
// ConfigMap and Secret data.
inline constexpr size_t kMaxRequestBytes = 3 * 1024 * 1024;
inline constexpr size_t kMaxObjectBytes = 1536 * 1024;
inline constexpr size_t kMaxDataBytes = 1024 * 1024;

class ApiServer {
 public:
  // Starts serving with the namespaces a new cluster has (default,
  // kube-system, kube-public, kube-node-lease).
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options);

  uint16_t port() const { return server_->port(); }
  ObjectStore& store() { return store_; }
  // Watches currently streaming.
  int active_watches() const { return active_watches_.load(); }
  // What each client's watches were sent (by User-Agent), for the simulated
  // cluster's tick barrier.
  WatchDeliveries& watch_deliveries() { return watch_deliveries_; }
  // For fault-injection tests: called before every request is served; an
  // answer it returns is sent instead (an error, a delay taken inside it, a
  // concurrent write made through store() first). Null removes it.
  using Interceptor = std::function<std::optional<http::Response>(const http::Request&)>;
  void SetInterceptor(Interceptor interceptor);

  // Ends every open watch with an ERROR event carrying a 410 "too old
  // resource version" Status, as kube-apiserver does to a watcher its watch
  // cache dropped; clients must relist. Watches opened later are unaffected.
  void ExpireWatches();
  void Wait() { server_->Wait(); }
  void Stop() { server_->Stop(); }

  // Handles one request (exposed for the HTTP server's handler).
  http::Response Handle(http::Request& request);

 private:
  // One request to a resource path, parsed: what every verb handler reads.
  struct ResourceCall {
    http::Request& request;
    const std::map<std::string, std::string>& query;
    std::shared_ptr<const ResourceInfo> info;
    std::string ns;
    std::string name;  // Empty: the collection.
    std::string sub;   // Subresource; empty: the object.
    std::string version;
    bool is_crd;
    bool wants_table;
    FieldValidation field_validation;
    // Warnings for the response's Warning headers (unknown fields under
    // Warn, admission webhooks' warnings).
    std::vector<std::string> warnings = {};
    // ?dryRun=All (or a DeleteOptions body's dryRun): checked, admitted and
    // answered as if done; nothing stored.
    Persist persist = Persist::kYes;
  };
  std::optional<http::Response> WellKnown(std::string_view path, std::string_view accept,
                                          const std::vector<std::string>& segments,
                                          const std::vector<std::shared_ptr<const ResourceInfo>>& all);
  // Where a request below /api/<version> or /apis/<group>/<version> points.
  struct ApiPath {
    std::string group;
    std::string version;
    size_t rest = 0;  // The index of the first segment after the version.
  };
  std::optional<http::Response> GroupDiscovery(const std::vector<std::string>& segments,
                                               const std::vector<std::shared_ptr<const ResourceInfo>>& all,
                                               ApiPath* where);
  http::Response Route(ResourceCall& call);
  http::Response List(ResourceCall& call);
  http::Response Create(ResourceCall& call);
  std::optional<http::Response> Intercept(http::Request& request);
  http::Response Watch(const ResourceCall& call, const kube::LabelSelector& labels, const FieldSelector& fields);
  http::Response BindOrEvict(ResourceCall& call);
  http::Response Apply(ResourceCall& call);
  http::Response CreateObject(ResourceCall& call, boost::json::object object, bool applied);
  WriteContext ContextOf(const ResourceCall& call);
  // `uid_precondition`: the Eviction's deleteOptions.preconditions.uid ("" none).
  http::Response Evict(const ResourceType& type, const std::string& ns, const std::string& name,
                       const std::string& uid_precondition);
  http::Response Read(ResourceCall& call);
  http::Response Write(ResourceCall& call);
  http::Response Remove(ResourceCall& call);
  http::Response RemoveCollection(ResourceCall& call);
  http::Response TerminateNamespace(const std::string& name);
  bool NamespaceTerminating(const std::string& ns);
  void FinishNamespaceIfEmpty(const std::string& ns);
  static absl::Status ParseBody(const http::Request& request, boost::json::value* out);
  absl::Status NamespaceExists(const ResourceCall& call);
  explicit ApiServer(const ApiServerOptions& options);
  // Admission for a create or update of `object` (a `info` resource):
  // prunes fields the kind does not declare (built-ins from their schema,
  // custom resources from their CRD's: an error under
  // fieldValidation=Strict, a warning appended to `warnings` under Warn),
  // validates metadata, required fields, CustomResourceDefinitions (and
  // fills their status) and custom resources against their schema and
  // validation rules (`old`: the stored object on an update, for transition
  // rules; null on create).
  absl::Status Admit(const ResourceInfo& info, FieldValidation validation, boost::json::object& object,
                     std::vector<std::string>& warnings, const boost::json::object* old = nullptr);
  // Calls the registered mutating admission webhooks on a CREATE.
  absl::Status CallMutatingWebhooks(const ResourceType& type, const std::string& ns, Persist persist,
                                    boost::json::object& object, std::vector<std::string>* warnings);
  // clientConfig.service's endpoint from the Service and its EndpointSlices.
  absl::StatusOr<ServiceEndpoint> ResolveService(const std::string& ns, const std::string& name, int port);
  // Logs a webhook call failurePolicy: Ignore let through and records a
  // Warning Event (FailedCallingWebhook) unless a dry run.
  void ReportIgnoredWebhookFailure(const IgnoredWebhookFailure& failure, Persist persist);
  // Re-reads every CRD into the registry after a CRD was written.
  void RefreshCustomResources();

  Clock& clock_;
  const absl::Duration event_ttl_;
  absl::BitGen random_;
  ObjectStore store_;
  ListPager pager_;
  WebhookClients webhook_clients_;
  absl::Mutex eviction_mu_;
  ResourceRegistry registry_;
  std::atomic<uint64_t> crd_generation_{0};
  // Deletes the Events whose time is up (ApiServerOptions::event_ttl), at most
  // once a minute of the server's clock; called on every request.
  void ExpireEvents();
  absl::Mutex event_sweep_mu_;
  absl::Time last_event_sweep_ ABSL_GUARDED_BY(event_sweep_mu_) = absl::InfinitePast();
  absl::Mutex interceptor_mu_;
  Interceptor interceptor_ ABSL_GUARDED_BY(interceptor_mu_);
  std::atomic<int> active_watches_{0};
  // Bumped by ExpireWatches(); a watch older than the current value expires.
  std::atomic<uint64_t> watch_generation_{0};
  WatchDeliveries watch_deliveries_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_API_SERVER_H_
