// The admission webhook's HTTP endpoint: POST /mutate/pods with an
// AdmissionReview (admission.k8s.io/v1), answered from memory — the
// namespace from the shared informer cache, the eci-profile from its store —
// never with an API call on the admission path.
//
//   spillway_webhook_admissions_total{outcome}   mutated | unchanged | denied | bad_request
//   spillway_webhook_admission_duration_seconds  (histogram)
//
// Thread-safe: Handle() runs on the HTTP server's threads.
#ifndef SPILLWAY_WEBHOOK_WEBHOOK_SERVICE_H_
#define SPILLWAY_WEBHOOK_WEBHOOK_SERVICE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/http/server.h"
#include "kube/objects.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace spillway::webhook {

inline constexpr char kMutatePodsPath[] = "/mutate/pods";

// The cached namespace by name, or null.
using NamespaceLookup = std::function<std::shared_ptr<const kube::Namespace>(const std::string& name)>;
// The NodePort Services ("namespace/name") of a namespace selecting labels.
using NodePortLookup =
    std::function<std::vector<std::string>(const std::string& ns, const kube::StringMap& labels)>;

class WebhookService {
 public:
  // Every reference must outlive the service.
  WebhookService(const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                 const burst::EciProfileStore& profile, NamespaceLookup namespaces,
                 prometheus::Registry& registry, NodePortLookup node_ports = nullptr);

  http::Response Handle(http::Request& request);

 private:
  http::Response Review(http::Request& request);

  const burst::IntentResolver& resolver_;
  const burst::VirtualNodeRule& rule_;
  const burst::EciProfileStore& profile_;
  NamespaceLookup namespaces_;
  NodePortLookup node_ports_;
  prometheus::Counter& mutated_;
  prometheus::Counter& unchanged_;
  prometheus::Counter& denied_;
  prometheus::Counter& bad_request_;
  prometheus::Histogram& duration_;
};

}  // namespace spillway::webhook

#endif  // SPILLWAY_WEBHOOK_WEBHOOK_SERVICE_H_
