// Applying and deleting YAML manifests (one or more documents) on an API
// server over the REST client, as `kubectl apply -f` / `delete -f` would:
// the resource path from each document's apiVersion and kind.
// Thread-compatible.
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

// What ApplyManifests does to an object that exists already.
enum class Existing { kLeave, kMerge };

// Creates every document of the YAML `text` (namespace "default" when a
// namespaced document names none); an object that exists already is left
// alone or gets the document merged in (merge patch). A document the API
// server refuses does not stop the others; the error lists each refusal on
// a line, naming `source`, the kind and the name.
absl::Status ApplyManifests(kube::RestClient& client, const std::string& text, const std::string& source,
                            Existing existing = Existing::kLeave);

// Deletes the object of every document of `text` (one already gone is
// fine); errors as ApplyManifests.
absl::Status DeleteManifests(kube::RestClient& client, const std::string& text, const std::string& source);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_MANIFESTS_H_
