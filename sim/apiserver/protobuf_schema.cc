#include "sim/apiserver/protobuf_schema.h"

#include <map>
#include <string>
#include <utility>

namespace spillway::sim::protobuf_schema {
namespace {

// Field helpers: S string, I int, B bool, M message, and their repeated
// forms; Z marks a pointer field that keeps its zero value.
Field S(std::string name) { return Field{std::move(name), Kind::kString, false, false, ""}; }
Field Ss(std::string name) { return Field{std::move(name), Kind::kString, true, false, ""}; }
Field I(std::string name) { return Field{std::move(name), Kind::kInt, false, false, ""}; }
Field B(std::string name) { return Field{std::move(name), Kind::kBool, false, false, ""}; }
Field M(std::string name, std::string message) {
  return Field{std::move(name), Kind::kMessage, false, false, std::move(message)};
}
Field Ms(std::string name, std::string message) {
  return Field{std::move(name), Kind::kMessage, true, false, std::move(message)};
}
Field Of(Kind kind, std::string name) { return Field{std::move(name), kind, false, false, ""}; }
Field Z(Field field) {
  field.keep_zero = true;
  return field;
}

}  // namespace

const std::map<std::string, Message>& Messages() {
  static const auto* const kMessages = new std::map<std::string, Message>{
      // apimachinery meta/v1
      {"ObjectMeta",
       {{1, S("name")}, {2, S("generateName")}, {3, S("namespace")}, {5, S("uid")}, {6, S("resourceVersion")},
        {7, I("generation")}, {8, Of(Kind::kTime, "creationTimestamp")}, {11, Of(Kind::kStringMap, "labels")},
        {12, Of(Kind::kStringMap, "annotations")}, {13, Ms("ownerReferences", "OwnerReference")},
        {14, Ss("finalizers")}}},
      {"OwnerReference",
       {{1, S("kind")}, {3, S("name")}, {4, S("uid")}, {5, S("apiVersion")}, {6, Z(B("controller"))},
        {7, Z(B("blockOwnerDeletion"))}}},
      {"LabelSelector", {{1, Of(Kind::kStringMap, "matchLabels")},
                         {2, Ms("matchExpressions", "LabelSelectorRequirement")}}},
      {"LabelSelectorRequirement", {{1, S("key")}, {2, S("operator")}, {3, Ss("values")}}},
      // core/v1
      {"Namespace", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "NamespaceSpec")}, {3, M("status", "")}}},
      {"NamespaceSpec", {{1, Ss("finalizers")}}},
      {"ConfigMap",
       {{1, M("metadata", "ObjectMeta")}, {2, Of(Kind::kStringMap, "data")}, {3, Of(Kind::kBytesMap, "binaryData")},
        {4, Z(B("immutable"))}}},
      {"Secret",
       {{1, M("metadata", "ObjectMeta")}, {2, Of(Kind::kBytesMap, "data")}, {3, S("type")},
        {4, Of(Kind::kStringMap, "stringData")}, {5, Z(B("immutable"))}}},
      {"Pod", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "PodSpec")}, {3, M("status", "")}}},
      // kubectl create serviceaccount sets the metadata only; secrets (2) and
      // imagePullSecrets (3) with a value are refused by number.
      {"ServiceAccount", {{1, M("metadata", "ObjectMeta")}, {4, Z(B("automountServiceAccountToken"))}}},
      {"PodTemplateSpec", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "PodSpec")}}},
      {"PodSpec",
       {{2, Ms("containers", "Container")}, {3, S("restartPolicy")}, {4, Z(I("terminationGracePeriodSeconds"))},
        {5, Z(I("activeDeadlineSeconds"))}, {6, S("dnsPolicy")}, {7, Of(Kind::kStringMap, "nodeSelector")},
        {8, S("serviceAccountName")}, {9, S("serviceAccount")}, {10, S("nodeName")}, {11, B("hostNetwork")},
        {16, S("hostname")}, {17, S("subdomain")}, {19, S("schedulerName")}, {20, Ms("initContainers", "Container")},
        {21, Z(B("automountServiceAccountToken"))}, {22, Ms("tolerations", "Toleration")},
        {24, S("priorityClassName")}, {25, Z(I("priority"))}, {29, Z(S("runtimeClassName"))},
        {30, Z(B("enableServiceLinks"))}}},
      {"Container",
       {{1, S("name")}, {2, S("image")}, {3, Ss("command")}, {4, Ss("args")}, {5, S("workingDir")},
        {6, Ms("ports", "ContainerPort")}, {7, Ms("env", "EnvVar")}, {8, M("resources", "ResourceRequirements")},
        {13, S("terminationMessagePath")}, {14, S("imagePullPolicy")}, {16, B("stdin")}, {17, B("stdinOnce")},
        {18, B("tty")}, {20, S("terminationMessagePolicy")}}},
      {"ContainerPort",
       {{1, S("name")}, {2, I("hostPort")}, {3, I("containerPort")}, {4, S("protocol")}, {5, S("hostIP")}}},
      {"EnvVar", {{1, S("name")}, {2, S("value")}}},
      {"ResourceRequirements", {{1, Of(Kind::kQuantityMap, "limits")}, {2, Of(Kind::kQuantityMap, "requests")}}},
      {"Toleration",
       {{1, S("key")}, {2, S("operator")}, {3, S("value")}, {4, S("effect")}, {5, Z(I("tolerationSeconds"))}}},
      {"Service", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "ServiceSpec")}, {3, M("status", "")}}},
      {"ServiceSpec",
       {{1, Ms("ports", "ServicePort")}, {2, Of(Kind::kStringMap, "selector")}, {3, S("clusterIP")}, {4, S("type")},
        {5, Ss("externalIPs")}, {7, S("sessionAffinity")}, {8, S("loadBalancerIP")}, {10, S("externalName")},
        {11, S("externalTrafficPolicy")}, {18, Ss("clusterIPs")}}},
      {"ServicePort",
       {{1, S("name")}, {2, S("protocol")}, {3, I("port")}, {4, Of(Kind::kIntOrString, "targetPort")},
        {5, I("nodePort")}, {6, Z(S("appProtocol"))}}},
      // apps/v1
      {"Deployment", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "DeploymentSpec")}, {3, M("status", "")}}},
      {"DeploymentSpec",
       {{1, Z(I("replicas"))}, {2, M("selector", "LabelSelector")}, {3, M("template", "PodTemplateSpec")},
        {4, M("strategy", "DeploymentStrategy")}, {5, I("minReadySeconds")}, {6, Z(I("revisionHistoryLimit"))},
        {7, B("paused")}, {9, Z(I("progressDeadlineSeconds"))}}},
      {"DeploymentStrategy", {{1, S("type")}, {2, M("rollingUpdate", "RollingUpdateDeployment")}}},
      // batch/v1
      {"Job", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "JobSpec")}, {3, M("status", "")}}},
      {"JobSpec",
       {{1, Z(I("parallelism"))}, {2, Z(I("completions"))}, {3, Z(I("activeDeadlineSeconds"))},
        {4, M("selector", "LabelSelector")}, {5, Z(B("manualSelector"))}, {6, M("template", "PodTemplateSpec")},
        {7, Z(I("backoffLimit"))}, {8, Z(I("ttlSecondsAfterFinished"))}, {9, Z(S("completionMode"))},
        {10, Z(B("suspend"))}}},
      {"CronJob", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "CronJobSpec")}, {3, M("status", "")}}},
      {"CronJobSpec",
       {{1, S("schedule")}, {2, Z(I("startingDeadlineSeconds"))}, {3, S("concurrencyPolicy")},
        {4, Z(B("suspend"))}, {5, M("jobTemplate", "JobTemplateSpec")}, {6, Z(I("successfulJobsHistoryLimit"))},
        {7, Z(I("failedJobsHistoryLimit"))}, {8, Z(S("timeZone"))}}},
      {"JobTemplateSpec", {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "JobSpec")}}},
      // autoscaling/v1 (`kubectl autoscale` sends it in protobuf)
      {"HorizontalPodAutoscalerV1",
       {{1, M("metadata", "ObjectMeta")}, {2, M("spec", "HorizontalPodAutoscalerSpecV1")}, {3, M("status", "")}}},
      {"HorizontalPodAutoscalerSpecV1",
       {{1, M("scaleTargetRef", "CrossVersionObjectReference")}, {2, Z(I("minReplicas"))}, {3, I("maxReplicas")},
        {4, Z(I("targetCPUUtilizationPercentage"))}}},
      {"CrossVersionObjectReference", {{1, S("kind")}, {2, S("name")}, {3, S("apiVersion")}}},
      {"RollingUpdateDeployment",
       {{1, Of(Kind::kIntOrString, "maxUnavailable")}, {2, Of(Kind::kIntOrString, "maxSurge")}}},
  };
  return *kMessages;
}

std::string MessageFor(const std::string& api_version, const std::string& kind) {
  // The kinds kubectl's generators send in protobuf, keyed "apiVersion/Kind".
  static const auto* const kRoots = new std::map<std::string, std::string>{
      {"v1/Namespace", "Namespace"},
      {"v1/ConfigMap", "ConfigMap"},
      {"v1/Secret", "Secret"},
      {"v1/Pod", "Pod"},
      {"v1/Service", "Service"},
      {"v1/ServiceAccount", "ServiceAccount"},
      {"apps/v1/Deployment", "Deployment"},
      {"batch/v1/Job", "Job"},
      {"batch/v1/CronJob", "CronJob"},
      {"autoscaling/v1/HorizontalPodAutoscaler", "HorizontalPodAutoscalerV1"},
  };
  auto it = kRoots->find(api_version + "/" + kind);
  return it == kRoots->end() ? "" : it->second;
}

}  // namespace spillway::sim::protobuf_schema
