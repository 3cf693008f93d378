// Applying YAML manifests (one or more documents) to an API server over the
// REST client, as `kubectl create -f` would: the resource path from each
// document's apiVersion and kind. Thread-compatible.
#ifndef SPILLWAY_SIM_CLUSTER_MANIFESTS_H_
#define SPILLWAY_SIM_CLUSTER_MANIFESTS_H_

#include <string>

#include "absl/status/status.h"
#include "kube/rest_client.h"

namespace spillway::sim {

// The REST plural of a kind ("ElasticWorkload" -> "elasticworkloads",
// "NetworkPolicy" -> "networkpolicies").
std::string PluralOf(const std::string& kind);

// Whether `kind` is cluster-scoped (Namespace, Node, CRDs, ClusterRoles,
// webhook configurations, PriorityClass).
bool ClusterScoped(const std::string& kind);

// Creates every document of the YAML `text` (namespace "default" when a
// namespaced document names none); an object that exists already is left
// alone. Errors name `source` and the document.
absl::Status ApplyManifests(kube::RestClient& client, const std::string& text, const std::string& source);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_MANIFESTS_H_
