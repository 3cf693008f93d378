// The informers a Spillway process shares between its components: one watch
// per resource however many components read it. Nodes and namespaces publish
// snapshots (the extender reads them per request, never waiting on a watch
// thread); pods are cached as compact PodRecords.
//
// Lifecycle: construct, let components AddHandler() on the informers they
// use, Start(), Stop() (or destroy). Thread-safe after Start().
#ifndef SPILLWAY_KUBE_CLUSTER_INFORMERS_H_
#define SPILLWAY_KUBE_CLUSTER_INFORMERS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kube/decode.h"
#include "kube/informer.h"
#include "kube/objects.h"
#include "kube/pod_record.h"
#include "kube/rest_client.h"

namespace spillway::kube {

class ClusterInformers {
 public:
  // `client` must outlive the informers. `watch_pods`: whether anyone needs
  // the pod cache (the autoscaler and the ECI quota do; the extender alone
  // does not). `watch_warning_events`: Warning Events (the stock watcher).
  ClusterInformers(RestClient& client, bool watch_pods, bool watch_warning_events = false)
      : client_(client),
        nodes_(client, OptionsFor<Node>("nodes", true), &DecodeNode),
        namespaces_(client, OptionsFor<Namespace>("namespaces", true), &DecodeNamespace),
        pods_(client, OptionsFor<PodRecord>("pods", false), &DecodePodRecord),
        warning_events_(client, OptionsFor<Event>("events", false, "type=Warning"), &DecodeEvent),
        watch_pods_(watch_pods),
        watch_warning_events_(watch_warning_events) {}
  ~ClusterInformers() { Stop(); }

  Informer<Node>& nodes() { return nodes_; }
  Informer<Namespace>& namespaces() { return namespaces_; }
  Informer<PodRecord>& pods() { return pods_; }
  Informer<Event>& warning_events() { return warning_events_; }
  bool watches_pods() const { return watch_pods_; }
  bool watches_warning_events() const { return watch_warning_events_; }

  // Also watches the one ConfigMap `ns`/`name` (the eci-profile). Before
  // Start(); then eci_profile() is not null.
  void WatchEciProfile(const std::string& ns, const std::string& name) {
    typename Informer<ConfigMap>::Options options;
    options.reflector.path = ResourcePath{"", "v1", "configmaps", ns, "", ""};
    options.reflector.field_selector = "metadata.name=" + name;
    eci_profile_ = std::make_unique<Informer<ConfigMap>>(client_, options, &DecodeConfigMap);
  }
  Informer<ConfigMap>* eci_profile() { return eci_profile_.get(); }

  // Also watches Services (the webhook warns about NodePort ones). Before
  // Start(); then services() is not null.
  void WatchServices() {
    services_ = std::make_unique<Informer<Service>>(client_, OptionsFor<Service>("services", false),
                                                    &DecodeService);
  }
  Informer<Service>* services() { return services_.get(); }

  void Start() {
    nodes_.Start();
    namespaces_.Start();
    if (watch_pods_) pods_.Start();
    if (watch_warning_events_) warning_events_.Start();
    if (eci_profile_ != nullptr) eci_profile_->Start();
    if (services_ != nullptr) services_->Start();
  }
  void Stop() {
    nodes_.Stop();
    namespaces_.Stop();
    pods_.Stop();
    warning_events_.Stop();
    if (eci_profile_ != nullptr) eci_profile_->Stop();
    if (services_ != nullptr) services_->Stop();
  }
  bool HasSynced() const {
    return nodes_.HasSynced() && namespaces_.HasSynced() && (!watch_pods_ || pods_.HasSynced()) &&
           (!watch_warning_events_ || warning_events_.HasSynced()) &&
           (eci_profile_ == nullptr || eci_profile_->HasSynced()) &&
           (services_ == nullptr || services_->HasSynced());
  }

  // Each running cache's resource ("nodes", ...) and how long it has not
  // been known to be current (Reflector::SyncAge).
  std::vector<std::pair<std::string, absl::Duration>> SyncAges(absl::Time now) const {
    std::vector<std::pair<std::string, absl::Duration>> ages = {
        {"nodes", nodes_.SyncAge(now)}, {"namespaces", namespaces_.SyncAge(now)}};
    if (watch_pods_) ages.emplace_back("pods", pods_.SyncAge(now));
    if (watch_warning_events_) ages.emplace_back("events", warning_events_.SyncAge(now));
    if (eci_profile_ != nullptr) ages.emplace_back("eci-profile", eci_profile_->SyncAge(now));
    if (services_ != nullptr) ages.emplace_back("services", services_->SyncAge(now));
    return ages;
  }

 private:
  template <typename T>
  static typename Informer<T>::Options OptionsFor(const char* plural, bool snapshots,
                                                  const char* field_selector = "") {
    typename Informer<T>::Options options;
    options.reflector.path = ResourcePath{"", "v1", plural, "", "", ""};
    options.reflector.field_selector = field_selector;
    options.publish_snapshots = snapshots;
    return options;
  }

  RestClient& client_;
  Informer<Node> nodes_;
  Informer<Namespace> namespaces_;
  Informer<PodRecord> pods_;
  Informer<Event> warning_events_;
  const bool watch_pods_;
  const bool watch_warning_events_;
  std::unique_ptr<Informer<ConfigMap>> eci_profile_;
  std::unique_ptr<Informer<Service>> services_;
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_CLUSTER_INFORMERS_H_
