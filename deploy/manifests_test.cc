// Keeps deploy/ true: the policy in the ConfigMap is a valid Spillway config,
// and kube-scheduler's extender entry names exactly the verbs Spillway serves.
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "app/config_loader.h"
#include "burst/eci_profile.h"
#include "absl/strings/ascii.h"
#include "common/testing/testdata.h"
#include "common/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/scheduler/scheduler_config.h"
#include "scheduler/extender_service.h"
#include "yaml-cpp/yaml.h"

namespace spillway {
namespace {

using ::testing::EndsWith;

TEST(ManifestsTest, ConfigMapPolicyLoads) {
  bool found = false;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    if (doc["kind"].as<std::string>() != "ConfigMap") continue;
    found = true;
    absl::StatusOr<config::SpillwayConfig> config =
        app::ParseConfig(doc["data"]["config.yaml"].as<std::string>(), "deploy/spillway.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->extender().max_request_bytes(), app::kDefaultMaxRequestBytes);
  }
  EXPECT_TRUE(found);
}

TEST(ManifestsTest, SchedulerConfigCallsTheServedVerbs) {
  YAML::Node config = YAML::Load(testing::ReadRunfile("deploy/kube-scheduler-config.yaml"));
  EXPECT_EQ(config["apiVersion"].as<std::string>(), "kubescheduler.config.k8s.io/v1");
  const YAML::Node extender = config["extenders"][0];
  const std::string prefix(scheduler::kExtenderPathPrefix);
  EXPECT_THAT(extender["urlPrefix"].as<std::string>() + "/",
              EndsWith(":10262" + prefix));
  EXPECT_EQ(extender["filterVerb"].as<std::string>(), "filter");
  EXPECT_EQ(extender["prioritizeVerb"].as<std::string>(), "prioritize");
  EXPECT_EQ(extender["preemptVerb"].as<std::string>(), "preempt");
  EXPECT_FALSE(extender["bindVerb"].IsDefined()) << "kube-scheduler binds; Spillway has no bind verb";
}

TEST(ManifestsTest, TheExtenderMayWatchNodesAndNamespacesForNamesMode) {
  YAML::Node scheduler = YAML::Load(testing::ReadRunfile("deploy/kube-scheduler-config.yaml"));
  EXPECT_TRUE(scheduler["extenders"][0]["nodeCacheCapable"].as<bool>());
  bool granted = false;
  bool bound = false;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    const std::string kind = doc["kind"].as<std::string>();
    if (kind == "ServiceAccount") {
      EXPECT_FALSE(doc["automountServiceAccountToken"].IsDefined() &&
                   !doc["automountServiceAccountToken"].as<bool>())
          << "the in-cluster connection needs the token";
    }
    if (kind == "ClusterRole") {
      for (const YAML::Node& rule : doc["rules"]) {
        std::string resources, verbs;
        for (const YAML::Node& r : rule["resources"]) resources += r.as<std::string>() + ",";
        for (const YAML::Node& v : rule["verbs"]) verbs += v.as<std::string>() + ",";
        granted = granted || (resources.find("nodes,") != std::string::npos &&
                              resources.find("namespaces,") != std::string::npos &&
                              verbs.find("list,") != std::string::npos &&
                              verbs.find("watch,") != std::string::npos);
      }
    }
    if (kind == "ClusterRoleBinding") {
      bound = doc["subjects"][0]["name"].as<std::string>() == "spillway" &&
              doc["roleRef"]["name"].as<std::string>() == "spillway-extender";
    }
  }
  EXPECT_TRUE(granted);
  EXPECT_TRUE(bound);
}

TEST(ManifestsTest, ElasticWorkloadCrdHasScaleStatusAndShortName) {
  YAML::Node crd = YAML::Load(testing::ReadRunfile("deploy/elasticworkload-crd.yaml"));
  EXPECT_EQ(crd["metadata"]["name"].as<std::string>(), "elasticworkloads.autoscaling.alibabacloud.com");
  EXPECT_EQ(crd["spec"]["names"]["shortNames"][0].as<std::string>(), "ew");
  const YAML::Node version = crd["spec"]["versions"][0];
  EXPECT_EQ(version["name"].as<std::string>(), "v1beta1");
  EXPECT_TRUE(version["subresources"]["status"].IsDefined());
  EXPECT_EQ(version["subresources"]["scale"]["specReplicasPath"].as<std::string>(), ".spec.replicas");
  EXPECT_EQ(version["subresources"]["scale"]["statusReplicasPath"].as<std::string>(), ".status.replicas");
  EXPECT_EQ(version["subresources"]["scale"]["labelSelectorPath"].as<std::string>(), ".status.selector");
}

TEST(ManifestsTest, TheAutoscalerMayDoWhatItDoes) {
  // Every (group, resource, verb) the autoscaler's controllers use.
  const std::vector<std::tuple<std::string, std::string, std::string>> needed = {
      {"", "pods", "patch"},          {"", "pods", "watch"},
      {"", "events", "create"},       {"", "events", "patch"},
      {"", "events", "watch"},        {"", "pods", "delete"},
      {"coordination.k8s.io", "leases", "update"}, {"coordination.k8s.io", "leases", "create"},
      {"apps", "deployments/scale", "update"}, {"apps", "deployments", "create"},
      {"apps", "deployments", "delete"}, {"apps", "statefulsets/scale", "update"},
      {"autoscaling.alibabacloud.com", "elasticworkloads", "patch"},
      {"autoscaling.alibabacloud.com", "elasticworkloads/status", "update"},
      // The eci-profile and the webhook's self-managed certificates.
      {"", "configmaps", "watch"}, {"", "secrets", "create"}, {"", "secrets", "update"},
      {"", "services", "watch"},
      {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", "update"},
      // The admin API's reads: the pod, its Events, the Lease's holder, ElasticWorkloads.
      {"", "pods", "get"}, {"", "events", "list"}, {"coordination.k8s.io", "leases", "get"},
      {"autoscaling.alibabacloud.com", "elasticworkloads", "list"},
      // Repatriation and its capacity-request placeholders.
      {"", "pods/eviction", "create"}, {"", "pods", "create"}};
  std::set<std::string> granted;
  bool runs_autoscaler = false;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    const std::string kind = doc["kind"].as<std::string>();
    if (kind == "ClusterRole" || kind == "Role") {
      for (const YAML::Node& rule : doc["rules"]) {
        for (const YAML::Node& group : rule["apiGroups"]) {
          for (const YAML::Node& resource : rule["resources"]) {
            for (const YAML::Node& verb : rule["verbs"]) {
              granted.insert(group.as<std::string>() + "|" + resource.as<std::string>() + "|" + verb.as<std::string>());
            }
          }
        }
      }
    }
    if (kind == "Deployment") {
      for (const YAML::Node& arg : doc["spec"]["template"]["spec"]["containers"][0]["args"]) {
        runs_autoscaler = runs_autoscaler || arg.as<std::string>() == "--components=extender,autoscaler,webhook,admin";
      }
    }
  }
  EXPECT_TRUE(runs_autoscaler);
  for (const auto& [group, resource, verb] : needed) {
    EXPECT_TRUE(granted.count(group + "|" + resource + "|" + verb)) << group << " " << resource << " " << verb;
  }
}

// The pod's grace period covers Spillway's own bounded shutdown, and the
// probes reach the port that serves them.
TEST(ManifestsTest, TheGracePeriodCoversShutdownAndProbesUseTheMetricsPort) {
  int64_t shutdown_grace = 0;
  YAML::Node deployment;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    const std::string kind = doc["kind"].as<std::string>();
    if (kind == "ConfigMap") {
      absl::StatusOr<config::SpillwayConfig> config =
          app::ParseConfig(doc["data"]["config.yaml"].as<std::string>(), "deploy/spillway.yaml");
      ASSERT_TRUE(config.ok()) << config.status();
      shutdown_grace = config->server().has_shutdown_grace_seconds()
                           ? config->server().shutdown_grace_seconds()
                           : app::kDefaultShutdownGraceSeconds;
    }
    if (kind == "Deployment") deployment = doc;
  }
  ASSERT_TRUE(deployment.IsDefined());
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  ASSERT_TRUE(pod["terminationGracePeriodSeconds"].IsDefined());
  EXPECT_GE(pod["terminationGracePeriodSeconds"].as<int64_t>(), shutdown_grace + 5);
  bool metrics_listen = false;
  for (const YAML::Node& arg : pod["containers"][0]["args"]) {
    metrics_listen = metrics_listen || arg.as<std::string>() == "--metrics-listen=0.0.0.0:10263";
  }
  EXPECT_TRUE(metrics_listen);
  EXPECT_EQ(pod["containers"][0]["readinessProbe"]["httpGet"]["port"].as<std::string>(), "metrics");
  EXPECT_EQ(pod["containers"][0]["livenessProbe"]["httpGet"]["port"].as<std::string>(), "metrics");
}

TEST(ManifestsTest, TheWebhookIsConfiguredAsTheIssueAsksAndTheExampleProfileParses) {
  YAML::Node webhook_configuration;
  YAML::Node webhook_service;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    if (doc["kind"].as<std::string>() == "MutatingWebhookConfiguration") webhook_configuration = doc;
    if (doc["kind"].as<std::string>() == "Service" && doc["metadata"]["name"].as<std::string>() == "spillway-webhook") {
      webhook_service = doc;
    }
  }
  ASSERT_TRUE(webhook_configuration.IsDefined());
  ASSERT_TRUE(webhook_service.IsDefined());
  EXPECT_EQ(webhook_configuration["metadata"]["name"].as<std::string>(), "spillway");
  const YAML::Node webhook = webhook_configuration["webhooks"][0];
  EXPECT_EQ(webhook["failurePolicy"].as<std::string>(), "Ignore");
  EXPECT_EQ(webhook["timeoutSeconds"].as<int>(), 2);
  EXPECT_EQ(webhook["sideEffects"].as<std::string>(), "None");
  EXPECT_EQ(webhook["reinvocationPolicy"].as<std::string>(), "IfNeeded");
  EXPECT_EQ(webhook["clientConfig"]["service"]["name"].as<std::string>(), "spillway-webhook");
  EXPECT_EQ(webhook["clientConfig"]["service"]["path"].as<std::string>(), "/mutate/pods");
  EXPECT_EQ(webhook["namespaceSelector"]["matchExpressions"][0]["values"][0].as<std::string>(), "kube-system");
  EXPECT_EQ(webhook["rules"][0]["operations"][0].as<std::string>(), "CREATE");
  EXPECT_EQ(webhook["rules"][0]["resources"][0].as<std::string>(), "pods");
  EXPECT_EQ(webhook_service["spec"]["ports"][0]["targetPort"].as<std::string>(), "webhook");

  const YAML::Node profile = YAML::Load(testing::ReadRunfile("deploy/eci-profile-example.yaml"));
  kube::StringMap data;
  data.Set("selectors", profile["data"]["selectors"].as<std::string>());
  absl::StatusOr<burst::EciProfile> parsed = burst::ParseEciProfile(data);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->selectors.size(), 6u);
  // Issue 22.4: the defaults as the eci-profile document writes them
  // ("Configure an eci-profile"), selector by selector, effects included.
  kube::StringMap documented;
  documented.Set("selectors", R"([
    {"name": "default-selector-1", "objectSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
    {"name": "default-selector-2", "objectSelector": {"matchLabels": {"eci": "true"}}},
    {"name": "default-selector-3", "namespaceSelector": {"matchLabels": {"alibabacloud.com/eci": "true"}}},
    {"name": "default-selector-4", "namespaceSelector": {"matchLabels": {"eci": "true"}}},
    {"name": "default-selector-5", "namespaceSelector": {"matchLabels": {"virtual-node-affinity-injection": "enabled"}},
     "effect": {"annotations": {"k8s.aliyun.com/eci-image-cache": "true"}, "labels": {"created-by-eci": "true"}}}])");
  absl::StatusOr<burst::EciProfile> defaults = burst::ParseEciProfile(documented);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  ASSERT_EQ(defaults->selectors.size(), 5u);
  for (size_t i = 0; i < defaults->selectors.size(); ++i) {
    const burst::ProfileSelector& want = defaults->selectors[i];
    const burst::ProfileSelector& have = parsed->selectors[i];
    EXPECT_EQ(have.name, want.name);
    EXPECT_EQ(have.namespace_selector.has_value(), want.namespace_selector.has_value()) << want.name;
    EXPECT_EQ(have.object_selector.has_value(), want.object_selector.has_value()) << want.name;
    EXPECT_EQ(have.effect_annotations, want.effect_annotations) << want.name;
    EXPECT_EQ(have.effect_labels, want.effect_labels) << want.name;
  }
  EXPECT_EQ(parsed->selectors[4].effect_annotations,
            (std::vector<std::pair<std::string, std::string>>{{"k8s.aliyun.com/eci-image-cache", "true"}}));
}

}  // namespace
}  // namespace spillway

namespace spillway {
namespace {

YAML::Node DocumentOfKind(const std::string& kind) {
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    if (doc["kind"].as<std::string>() == kind) return doc;
  }
  return YAML::Node();
}

// The Pod Security Standards' "restricted" profile, as the PodSecurity
// admission plugin checks it, for every container; and availability: two
// replicas, apart, with a budget.
// Issue 23.2: deploy/ runs the released image, never `latest`; the tag is the
// repository's VERSION, which is the binary's (`spillway version`).
TEST(ManifestsTest, TheImageIsTheVersionedRelease) {
  const std::string version(absl::StripAsciiWhitespace(testing::ReadRunfile("VERSION")));
  EXPECT_EQ(version, kVersion);
  const YAML::Node deployment = DocumentOfKind("Deployment");
  ASSERT_TRUE(deployment);
  for (const YAML::Node& container : deployment["spec"]["template"]["spec"]["containers"]) {
    EXPECT_EQ(container["image"].as<std::string>(), "spillway:" + version) << container["name"];
  }
}

TEST(ManifestsTest, TheDeploymentMeetsTheRestrictedProfileAndStaysAvailable) {
  const YAML::Node deployment = DocumentOfKind("Deployment");
  ASSERT_TRUE(deployment);
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_GT(pod["securityContext"]["runAsUser"].as<int>(), 0);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  EXPECT_FALSE(pod["hostNetwork"]);
  for (const YAML::Node& container : pod["containers"]) {
    const YAML::Node security = container["securityContext"];
    EXPECT_FALSE(security["allowPrivilegeEscalation"].as<bool>(true)) << container["name"];
    EXPECT_TRUE(security["readOnlyRootFilesystem"].as<bool>(false)) << container["name"];
    ASSERT_EQ(security["capabilities"]["drop"].size(), 1u);
    EXPECT_EQ(security["capabilities"]["drop"][0].as<std::string>(), "ALL");
    EXPECT_FALSE(security["privileged"].as<bool>(false));
  }
  for (const YAML::Node& volume : pod["volumes"]) {
    EXPECT_FALSE(volume["hostPath"]) << volume["name"] << ": restricted allows no hostPath";
  }
  EXPECT_GE(deployment["spec"]["replicas"].as<int>(), 2);
  EXPECT_EQ(pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
                ["podAffinityTerm"]["topologyKey"]
                    .as<std::string>(),
            "kubernetes.io/hostname");
  const YAML::Node budget = DocumentOfKind("PodDisruptionBudget");
  ASSERT_TRUE(budget);
  EXPECT_EQ(budget["spec"]["minAvailable"].as<int>(), 1);
  EXPECT_EQ(budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>(),
            deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>());
}

}  // namespace
}  // namespace spillway

namespace spillway {
namespace {

// Users reach ElasticWorkloads through the built-in view/edit/admin roles,
// and the autoscaler may set blockOwnerDeletion on the units it owns.
TEST(ManifestsTest, RbacAggregatesElasticWorkloadsAndCoversFinalizers) {
  std::set<std::string> aggregated;
  bool finalizers = false;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/spillway.yaml"))) {
    if (doc["kind"].as<std::string>() != "ClusterRole") continue;
    for (const auto& label : doc["metadata"]["labels"]) aggregated.insert(label.first.as<std::string>());
    if (doc["metadata"]["name"].as<std::string>() != "spillway-autoscaler") continue;
    for (const YAML::Node& rule : doc["rules"]) {
      for (const YAML::Node& resource : rule["resources"]) {
        finalizers = finalizers || resource.as<std::string>() == "elasticworkloads/finalizers";
      }
    }
  }
  EXPECT_TRUE(finalizers);
  for (const char* label : {"rbac.authorization.k8s.io/aggregate-to-view", "rbac.authorization.k8s.io/aggregate-to-edit",
                            "rbac.authorization.k8s.io/aggregate-to-admin"}) {
    EXPECT_EQ(aggregated.count(label), 1u) << label;
  }
}

// `kubectl explain ew.spec` helps: every field of the CRD's schema says what
// it is for; the source's kind is an enum and min <= max a CEL rule.
void ExpectDescribed(const YAML::Node& schema, const std::string& path) {
  for (const auto& property : schema["properties"]) {
    const std::string name = property.first.as<std::string>();
    if (name == "metadata") continue;
    EXPECT_TRUE(property.second["description"]) << path << "." << name << " has no description";
    ExpectDescribed(property.second, path + "." + name);
  }
  if (schema["items"]) ExpectDescribed(schema["items"], path + "[]");
}

TEST(ManifestsTest, TheCrdDescribesEveryFieldAndValidatesTheSource) {
  const YAML::Node crd = YAML::Load(testing::ReadRunfile("deploy/elasticworkload-crd.yaml"));
  const YAML::Node schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
  ExpectDescribed(schema, "");
  const YAML::Node source = schema["properties"]["spec"]["properties"]["sourceTarget"];
  EXPECT_EQ(source["properties"]["kind"]["enum"].size(), 2u);
  EXPECT_EQ(source["x-kubernetes-validations"][0]["rule"].as<std::string>(),
            "!has(self.min) || !has(self.max) || self.min <= self.max");
}

// The second scheduler (for control planes whose kube-scheduler cannot be
// configured) calls Spillway exactly as deploy/kube-scheduler-config.yaml
// does, under a profile of its own, and the config parses as
// KubeSchedulerConfiguration (the simulated cluster's reader).
TEST(ManifestsTest, TheSecondSchedulerCallsTheExtenderLikeTheFirst) {
  std::string embedded;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/second-scheduler/scheduler.yaml"))) {
    if (doc["kind"].as<std::string>() == "ConfigMap") embedded = doc["data"]["config.yaml"].as<std::string>();
  }
  ASSERT_FALSE(embedded.empty());
  absl::StatusOr<sim::SchedulerConfig> second = sim::ParseSchedulerConfig(embedded);
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<sim::SchedulerConfig> first =
      sim::ParseSchedulerConfig(testing::ReadRunfile("deploy/kube-scheduler-config.yaml"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(second->scheduler_name, "spillway-scheduler");
  ASSERT_EQ(second->extenders.size(), 1u);
  ASSERT_EQ(first->extenders.size(), 1u);
  const sim::ExtenderConfig& a = first->extenders[0];
  const sim::ExtenderConfig& b = second->extenders[0];
  EXPECT_EQ(a.url_prefix, b.url_prefix);
  EXPECT_EQ(std::tie(a.filter_verb, a.prioritize_verb, a.preempt_verb, a.bind_verb),
            std::tie(b.filter_verb, b.prioritize_verb, b.preempt_verb, b.bind_verb));
  EXPECT_EQ(std::tie(a.weight, a.enable_https, a.node_cache_capable, a.ignorable, a.http_timeout),
            std::tie(b.weight, b.enable_https, b.node_cache_capable, b.ignorable, b.http_timeout));
  // Scheduling must not depend on Spillway being up (issue 19.8).
  EXPECT_TRUE(a.ignorable);
}

// system:kube-scheduler's lease rules name only "kube-scheduler": the second
// scheduler needs its own Lease (spillway-scheduler), or a real API server
// refuses its leader election.
TEST(ManifestsTest, TheSecondSchedulerMayHoldItsOwnLease) {
  std::set<std::string> granted;
  std::string role_bound_to;
  for (const YAML::Node& doc : YAML::LoadAll(testing::ReadRunfile("deploy/second-scheduler/scheduler.yaml"))) {
    const std::string kind = doc["kind"].as<std::string>();
    if (kind == "Role" && doc["metadata"]["name"].as<std::string>() == "spillway-scheduler-lease") {
      for (const YAML::Node& rule : doc["rules"]) {
        const bool named = rule["resourceNames"].IsDefined();
        for (const YAML::Node& verb : rule["verbs"]) {
          granted.insert(verb.as<std::string>() + (named ? ":" + rule["resourceNames"][0].as<std::string>() : ""));
        }
      }
    }
    if (kind == "RoleBinding" && doc["roleRef"]["name"].as<std::string>() == "spillway-scheduler-lease") {
      role_bound_to = doc["subjects"][0]["name"].as<std::string>();
    }
  }
  EXPECT_EQ(granted, (std::set<std::string>{"create", "get:spillway-scheduler", "update:spillway-scheduler"}));
  EXPECT_EQ(role_bound_to, "spillway-scheduler");
}

}  // namespace
}  // namespace spillway
