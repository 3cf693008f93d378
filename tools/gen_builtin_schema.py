#!/usr/bin/python3
"""Generates sim/apiserver/builtin_schema_data.inc: the field names of every
built-in kind the embedded API server serves, for unknown-field detection
(fieldValidation=Strict|Warn) and pruning, as kube-apiserver's strict JSON
decoding does (docs/embedded-api-server.md, "Validation").

Source: the models of the official Python client, Debian's python3-kubernetes
(openapi_types / attribute_map of each class), which describe Kubernetes 1.22.
Fields added to k8s.io/api between 1.23 and 1.32 (the kubectl on these
machines) and one removed are applied from OVERLAY below, each with the
release that added it.

Usage: /usr/bin/python3 tools/gen_builtin_schema.py > sim/apiserver/builtin_schema_data.inc
The test //sim/apiserver:builtin_schema_test regenerates it and compares.
"""
import re
import sys

import kubernetes.client.models as models

# group/version/Kind served by the embedded API server -> root model.
ROOTS = {
    "v1/Namespace": "V1Namespace",
    "v1/Node": "V1Node",
    "v1/Pod": "V1Pod",
    "v1/ConfigMap": "V1ConfigMap",
    "v1/Secret": "V1Secret",
    "v1/Event": "CoreV1Event",
    "v1/Service": "V1Service",
    "v1/ServiceAccount": "V1ServiceAccount",
    "apps/v1/Deployment": "V1Deployment",
    "apps/v1/ReplicaSet": "V1ReplicaSet",
    "apps/v1/StatefulSet": "V1StatefulSet",
    "apps/v1/DaemonSet": "V1DaemonSet",
    "coordination.k8s.io/v1/Lease": "V1Lease",
    "batch/v1/Job": "V1Job",
    "batch/v1/CronJob": "V1CronJob",
    "policy/v1/PodDisruptionBudget": "V1PodDisruptionBudget",
    "rbac.authorization.k8s.io/v1/Role": "V1Role",
    "rbac.authorization.k8s.io/v1/RoleBinding": "V1RoleBinding",
    "rbac.authorization.k8s.io/v1/ClusterRole": "V1ClusterRole",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": "V1ClusterRoleBinding",
    "events.k8s.io/v1/Event": "EventsV1Event",
    # autoscaling/v2 (1.23) has v2beta2's schema field for field.
    "autoscaling/v2/HorizontalPodAutoscaler": "V2beta2HorizontalPodAutoscaler",
    # Served over v2's storage (sim/apiserver/hpa_v1.h); `kubectl autoscale` writes it.
    "autoscaling/v1/HorizontalPodAutoscaler": "V1HorizontalPodAutoscaler",
    "apiextensions.k8s.io/v1/CustomResourceDefinition": "V1CustomResourceDefinition",
    "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": "V1MutatingWebhookConfiguration",
    "discovery.k8s.io/v1/EndpointSlice": "V1EndpointSlice",
    # Capacity-request placeholders' PriorityClass (deploy/spillway.yaml).
    "scheduling.k8s.io/v1/PriorityClass": "V1PriorityClass",
}

# Fields added to k8s.io/api after 1.22, up to 1.32: model -> {jsonName: type}.
# New models are declared the same way. Types use the client's notation.
OVERLAY = {
    # core/v1
    "V1PodSpec": {
        "os": "V1PodOS",  # 1.23
        "hostUsers": "bool",  # 1.25
        "schedulingGates": "list[V1PodSchedulingGate]",  # 1.26
        "resourceClaims": "list[V1PodResourceClaim]",  # 1.26
        "resources": "V1ResourceRequirements",  # 1.32 (pod-level resources)
    },
    "V1PodOS": {"name": "str"},
    "V1PodSchedulingGate": {"name": "str"},
    "V1PodResourceClaim": {
        "name": "str",
        "source": "V1ClaimSource",  # 1.26-1.30
        "resourceClaimName": "str",  # 1.31
        "resourceClaimTemplateName": "str",  # 1.31
    },
    "V1ClaimSource": {"resourceClaimName": "str", "resourceClaimTemplateName": "str"},
    "V1Container": {
        "resizePolicy": "list[V1ContainerResizePolicy]",  # 1.27
        "restartPolicy": "str",  # 1.28 (sidecar containers)
    },
    "V1EphemeralContainer": {
        "resizePolicy": "list[V1ContainerResizePolicy]",
        "restartPolicy": "str",
    },
    "V1ContainerResizePolicy": {"resourceName": "str", "restartPolicy": "str"},
    "V1ResourceRequirements": {"claims": "list[V1ResourceClaim]"},  # 1.26
    "V1ResourceClaim": {"name": "str", "request": "str"},  # request: 1.31
    "V1TopologySpreadConstraint": {
        "minDomains": "int",  # 1.24
        "nodeAffinityPolicy": "str",  # 1.25
        "nodeTaintsPolicy": "str",  # 1.25
        "matchLabelKeys": "list[str]",  # 1.25
    },
    "V1PodAffinityTerm": {"matchLabelKeys": "list[str]", "mismatchLabelKeys": "list[str]"},  # 1.29
    "V1Probe": {"grpc": "V1GRPCAction"},  # 1.23
    "V1GRPCAction": {"port": "int", "service": "str"},
    "V1Handler": {"sleep": "V1SleepAction"},  # 1.29 (LifecycleHandler)
    "V1SleepAction": {"seconds": "int"},
    "V1SecurityContext": {"appArmorProfile": "V1AppArmorProfile"},  # 1.30
    "V1PodSecurityContext": {
        "appArmorProfile": "V1AppArmorProfile",  # 1.30
        "supplementalGroupsPolicy": "str",  # 1.31
        "seLinuxChangePolicy": "str",  # 1.32
    },
    "V1AppArmorProfile": {"type": "str", "localhostProfile": "str"},
    "V1VolumeMount": {"recursiveReadOnly": "str"},  # 1.30
    "V1Volume": {"image": "V1ImageVolumeSource"},  # 1.31
    "V1ImageVolumeSource": {"reference": "str", "pullPolicy": "str"},
    "V1PersistentVolumeClaimSpec": {"volumeAttributesClassName": "str"},  # 1.29
    "V1PodStatus": {
        "hostIPs": "list[V1HostIP]",  # 1.28
        "resize": "str",  # 1.27
        "resourceClaimStatuses": "list[V1PodResourceClaimStatus]",  # 1.28
    },
    "V1HostIP": {"ip": "str"},
    "V1PodResourceClaimStatus": {"name": "str", "resourceClaimName": "str"},
    "V1ContainerStatus": {
        "allocatedResources": "dict(str, str)",  # 1.27
        "resources": "V1ResourceRequirements",  # 1.27
        "volumeMounts": "list[V1VolumeMountStatus]",  # 1.30
        "user": "V1ContainerUser",  # 1.31
        "allocatedResourcesStatus": "list[V1ResourceStatus]",  # 1.31
    },
    "V1VolumeMountStatus": {"name": "str", "mountPath": "str", "readOnly": "bool", "recursiveReadOnly": "str"},
    "V1ContainerUser": {"linux": "V1LinuxContainerUser"},
    "V1LinuxContainerUser": {"uid": "int", "gid": "int", "supplementalGroups": "list[int]"},
    "V1ResourceStatus": {"name": "str", "resources": "list[V1ResourceHealth]"},
    "V1ResourceHealth": {"resourceID": "str", "health": "str"},
    "V1ServiceSpec": {"trafficDistribution": "str"},  # 1.30
    "V1LoadBalancerIngress": {"ipMode": "str"},  # 1.29
    "V1NodeStatus": {
        "runtimeHandlers": "list[V1NodeRuntimeHandler]",  # 1.30
        "features": "V1NodeFeatures",  # 1.31
    },
    "V1NodeRuntimeHandler": {"name": "str", "features": "V1NodeRuntimeHandlerFeatures"},
    "V1NodeRuntimeHandlerFeatures": {"recursiveReadOnlyMounts": "bool", "userNamespaces": "bool"},
    "V1NodeFeatures": {"supplementalGroupsPolicy": "bool"},
    # apps/v1
    "V1StatefulSetSpec": {
        "persistentVolumeClaimRetentionPolicy": "V1StatefulSetPersistentVolumeClaimRetentionPolicy",  # 1.23
        "ordinals": "V1StatefulSetOrdinals",  # 1.26
    },
    "V1StatefulSetPersistentVolumeClaimRetentionPolicy": {"whenDeleted": "str", "whenScaled": "str"},
    "V1StatefulSetOrdinals": {"start": "int"},
    "V1RollingUpdateStatefulSetStrategy": {"maxUnavailable": "object"},  # 1.24
    # batch/v1
    "V1JobSpec": {
        "podFailurePolicy": "V1PodFailurePolicy",  # 1.25
        "backoffLimitPerIndex": "int",  # 1.28
        "maxFailedIndexes": "int",  # 1.28
        "podReplacementPolicy": "str",  # 1.28
        "successPolicy": "V1SuccessPolicy",  # 1.30
        "managedBy": "str",  # 1.30
    },
    "V1PodFailurePolicy": {"rules": "list[V1PodFailurePolicyRule]"},
    "V1PodFailurePolicyRule": {
        "action": "str",
        "onExitCodes": "V1PodFailurePolicyOnExitCodesRequirement",
        "onPodConditions": "list[V1PodFailurePolicyOnPodConditionsPattern]",
    },
    "V1PodFailurePolicyOnExitCodesRequirement": {"containerName": "str", "operator": "str", "values": "list[int]"},
    "V1PodFailurePolicyOnPodConditionsPattern": {"type": "str", "status": "str"},
    "V1SuccessPolicy": {"rules": "list[V1SuccessPolicyRule]"},
    "V1SuccessPolicyRule": {"succeededIndexes": "str", "succeededCount": "int"},
    "V1JobStatus": {
        "ready": "int",  # 1.23
        "failedIndexes": "str",  # 1.28
        "terminating": "int",  # 1.28
    },
    "V1CronJobSpec": {"timeZone": "str"},  # 1.24
    # policy/v1
    "V1PodDisruptionBudgetSpec": {"unhealthyPodEvictionPolicy": "str"},  # 1.26
    # coordination.k8s.io/v1
    "V1LeaseSpec": {"strategy": "str", "preferredHolder": "str"},  # 1.31
    # admissionregistration.k8s.io/v1
    "V1MutatingWebhook": {"matchConditions": "list[V1MatchCondition]"},  # 1.27
    "V1MatchCondition": {"name": "str", "expression": "str"},
    # apiextensions.k8s.io/v1
    "V1JSONSchemaProps": {"x-kubernetes-validations": "list[V1ValidationRule]"},  # 1.23
    "V1ValidationRule": {
        "rule": "str",
        "message": "str",
        "messageExpression": "str",  # 1.26
        "reason": "str",  # 1.28
        "fieldPath": "str",  # 1.28
        "optionalOldSelf": "bool",  # 1.29
    },
    "V1CustomResourceDefinitionVersion": {"selectableFields": "list[V1SelectableField]"},  # 1.30
    "V1SelectableField": {"jsonPath": "str"},
}

# Fields k8s.io/api removed after 1.22.
REMOVED = {
    "V1ObjectMeta": ["clusterName"],  # 1.25
}

SCALARS = {"str", "int", "bool", "float", "datetime", "date", "object"}


def fields_of(name):
    """{jsonName: type} of a model, with the overlay applied."""
    fields = {}
    cls = getattr(models, name, None)
    if cls is not None:
        for attr, kind in cls.openapi_types.items():
            fields[cls.attribute_map[attr]] = kind
    elif name not in OVERLAY:
        sys.exit("unknown model " + name)
    fields.update(OVERLAY.get(name, {}))
    for removed in REMOVED.get(name, []):
        fields.pop(removed, None)
    return fields


def shape(kind):
    """The schema notation of a client type: '' for a leaf, 'T', '[]T' or '{}T'."""
    match = re.fullmatch(r"list\[(.+)\]", kind)
    if match:
        inner = shape(match.group(1))
        return "[]" + inner if inner else ""
    match = re.fullmatch(r"dict\(str, (.+)\)", kind)
    if match:
        inner = shape(match.group(1))
        return "{}" + inner if inner else ""
    return "" if kind in SCALARS else kind


def main():
    seen = {}
    pending = sorted(set(ROOTS.values()))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        fields = fields_of(name)
        seen[name] = fields
        for kind in fields.values():
            target = shape(kind).lstrip("[]{}")
            if target and target not in seen:
                pending.append(target)
    print("// Generated by tools/gen_builtin_schema.py; do not edit. Each line: a model,")
    print("// then its fields: `name` for a leaf, `name=T`, `name=[]T` (list), `name={}T` (map).")
    print("// Roots: \"group/version/Kind model\".")
    for gvk, root in sorted(ROOTS.items()):
        print('"@%s %s",' % (gvk, root))
    for name in sorted(seen):
        parts = [name]
        for field, kind in sorted(seen[name].items()):
            s = shape(kind)
            parts.append(field + ("=" + s if s else ""))
        print('"%s",' % " ".join(parts))


if __name__ == "__main__":
    main()
