// Defaulting as kube-apiserver applies it to built-in kinds when an object is
// created or replaced, for the fields controllers and kubectl read
// (k8s.io/api defaults: SetDefaults_Deployment, SetDefaults_PodSpec, ...).
// Only absent fields are set, but for a namespace's kubernetes.io/metadata.name
// label, which always carries its name. Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_DEFAULTS_H_
#define SPILLWAY_SIM_APISERVER_DEFAULTS_H_

#include "boost/json.hpp"
#include "sim/apiserver/resources.h"

namespace spillway::sim {

// Applies the defaults of `type` (a no-op for kinds without any here).
void ApplyDefaults(const ResourceType& type, boost::json::object& object);

// What the pod strategy's PrepareForCreate does to a new Pod: whatever status
// the client sent is replaced by {phase: Pending, qosClass} (Guaranteed when
// every container limits cpu and memory with requests equal to limits,
// BestEffort when none requests or limits anything, else Burstable). A no-op
// for other kinds.
void PrepareForCreate(const ResourceType& type, boost::json::object& object);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_DEFAULTS_H_
