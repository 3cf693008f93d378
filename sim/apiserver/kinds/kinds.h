// The strategies of the built-in kinds with rules of their own, one file
// each (pod.cc, service.cc, ...), as kube-apiserver keeps one
// pkg/registry/<group>/<kind>/strategy.go per kind. resources.cc registers
// each with its resource; a kind without rules uses DefaultStrategy().
// Adding a kind: docs/embedded-api-server.md, "Adding a built-in kind".
#ifndef SPILLWAY_SIM_APISERVER_KINDS_KINDS_H_
#define SPILLWAY_SIM_APISERVER_KINDS_KINDS_H_

#include "sim/apiserver/strategy.h"

namespace spillway::sim::kinds {

// core/v1
const KindStrategy& PodStrategy();
const KindStrategy& NodeStrategy();
const KindStrategy& NamespaceStrategy();
const KindStrategy& ServiceStrategy();
const KindStrategy& ConfigMapStrategy();
const KindStrategy& SecretStrategy();
const KindStrategy& EventStrategy();
// events.k8s.io/v1
const KindStrategy& EventsV1EventStrategy();
// apps/v1
const KindStrategy& DeploymentStrategy();
const KindStrategy& ReplicaSetStrategy();
const KindStrategy& StatefulSetStrategy();
const KindStrategy& DaemonSetStrategy();
// batch/v1
const KindStrategy& JobStrategy();
// apiextensions.k8s.io/v1
const KindStrategy& CustomResourceDefinitionStrategy();

}  // namespace spillway::sim::kinds

#endif  // SPILLWAY_SIM_APISERVER_KINDS_KINDS_H_
