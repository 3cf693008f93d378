// Reading the few facts the simulated cluster's stand-ins need from API
// objects (Boost.JSON, as the REST client returns them): names, owners,
// conditions, times. Kubernetes' leniency: absent or mistyped reads as empty.
// Pure functions; thread-compatible.
#ifndef SPILLWAY_SIM_CLUSTER_OBJECT_FACTS_H_
#define SPILLWAY_SIM_CLUSTER_OBJECT_FACTS_H_

#include <optional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "boost/json.hpp"
#include "kube/rest_client.h"
#include "sim/controllers/replica_set_plan.h"

namespace spillway::sim {

// A resource path with every part named (unnamed parts empty).
inline kube::ResourcePath PathOf(std::string group, std::string version, std::string plural, std::string ns = "",
                                 std::string name = "", std::string subresource = "") {
  return kube::ResourcePath{std::move(group), std::move(version), std::move(plural),
                            std::move(ns),    std::move(name),    std::move(subresource)};
}

std::string NameOf(const boost::json::object& object);
// A string field at `keys` as a view into `object` ("" when absent): for hot
// loops over whole caches, where a copy per object per pass adds up.
std::string_view StringView(const boost::json::object& object, std::initializer_list<std::string_view> keys);
std::string NamespaceOf(const boost::json::object& object);
std::string UidOf(const boost::json::object& object);
// The uid of the ownerReference with controller: true; "" when none.
std::string ControllerUid(const boost::json::object& object);
// The kind and name of the controlling owner; empty strings when none.
std::pair<std::string, std::string> ControllerOf(const boost::json::object& object);
bool Terminating(const boost::json::object& object);
std::string Label(const boost::json::object& object, const std::string& key);
std::string Annotation(const boost::json::object& object, const std::string& key);

// RFC 3339 text as Kubernetes writes it ("2026-12-01T10:00:00Z").
std::string KubeTime(absl::Time time);
std::optional<absl::Time> ParseTime(const std::string& text);

// status.conditions[type=`type`], or nullptr.
const boost::json::object* Condition(const boost::json::object& object, const std::string& type);
bool ConditionTrue(const boost::json::object& object, const std::string& type);

// What the ReplicaSet controller's ranking reads of a pod.
OwnedPod OwnedPodOf(const boost::json::object& pod);

// The items of a List response, moved out of it.
std::vector<boost::json::object> ItemsOf(boost::json::object list);

// A core/v1 Event about `object` (of `api_version`/`kind`), as a component
// records it (`host`: the node reporting it, or empty).
boost::json::object EventAbout(const boost::json::object& object, const std::string& api_version,
                               const std::string& kind, const std::string& type, const std::string& reason,
                               const std::string& message, const std::string& component, const std::string& host,
                               absl::Time at);
// EventAbout a Pod.
boost::json::object PodEvent(const boost::json::object& pod, const std::string& type, const std::string& reason,
                             const std::string& message, const std::string& component, const std::string& host,
                             absl::Time at);

// A label selector's matchLabels as "k=v,k2=v2" (what the scale
// subresource's status.selector holds); matchExpressions are not supported.
std::string MatchLabelsSelector(const boost::json::object& selector);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_OBJECT_FACTS_H_
