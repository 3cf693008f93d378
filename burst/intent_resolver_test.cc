#include "burst/intent_resolver.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::burst {
namespace {

using ::testing::HasSubstr;

class IntentResolverTest : public ::testing::Test {
 protected:
  IntentResolverTest() : resolver_(rule_) {
    pod_.metadata.namespace_ = "default";
    pod_.metadata.name = "web-1";
  }
  absl::StatusOr<PodPolicy> Resolve() const { return resolver_.Resolve(PodContext{pod_}); }
  absl::StatusOr<PodPolicy> ResolveIn(const kube::Namespace& ns) const {
    return resolver_.Resolve(PodContext{pod_, &ns});
  }

  VirtualNodeRule rule_;
  IntentResolver resolver_;
  kube::Pod pod_;
};

TEST_F(IntentResolverTest, APodThatAskedForNothingMayNotUseVirtualNodes) {
  absl::StatusOr<PodPolicy> policy = Resolve();
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->intent, Intent::kNone);
  EXPECT_FALSE(policy->MayUseVirtualNodes());
  EXPECT_TRUE(policy->MayUseRegularNodes());
  EXPECT_THAT(policy->reason, HasSubstr("no ECI request"));
}

TEST_F(IntentResolverTest, EciLabelsMeanEciOnly) {
  for (const char* key : {"alibabacloud.com/eci", "eci"}) {
    pod_.metadata.labels = {};
    pod_.metadata.labels.Set(key, "true");
    absl::StatusOr<PodPolicy> policy = Resolve();
    ASSERT_TRUE(policy.ok());
    EXPECT_EQ(policy->intent, Intent::kEciOnly) << key;
    EXPECT_EQ(policy->reason, std::string("pod label ") + key + "=true");
    EXPECT_FALSE(policy->MayUseRegularNodes());
  }
  pod_.metadata.labels = {};
  pod_.metadata.labels.Set("alibabacloud.com/eci", "false");
  EXPECT_EQ(Resolve()->intent, Intent::kNone);
}

TEST_F(IntentResolverTest, BurstResourceAnnotationValues) {
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "eci");
  EXPECT_EQ(Resolve()->intent, Intent::kBurst);
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "eci_only");
  EXPECT_EQ(Resolve()->intent, Intent::kEciOnly);
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "ecs");
  EXPECT_EQ(Resolve()->intent, Intent::kEcs);
  EXPECT_FALSE(Resolve()->MayUseVirtualNodes());
}

TEST_F(IntentResolverTest, UnknownBurstResourceValueIsAReadableError) {
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "ECI");
  absl::StatusOr<PodPolicy> policy = Resolve();
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policy.status().message(),
            "pod default/web-1 has annotation alibabacloud.com/burst-resource=\"ECI\"; request "
            "type must be eci, eci_only or ecs");
}

TEST_F(IntentResolverTest, EcsContradictedByEciLabelIsAnError) {
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "ecs");
  pod_.metadata.labels.Set("alibabacloud.com/eci", "true");
  absl::StatusOr<PodPolicy> policy = Resolve();
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(), HasSubstr("remove one of them"));
}

TEST_F(IntentResolverTest, EciLabelOutranksBurstAnnotation) {
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "eci");
  pod_.metadata.labels.Set("eci", "true");
  EXPECT_EQ(Resolve()->intent, Intent::kEciOnly);
}

TEST_F(IntentResolverTest, ExplicitVirtualNodeSelectorsMeanEciOnly) {
  pod_.node_selector.Set("type", "virtual-kubelet");
  EXPECT_EQ(Resolve()->intent, Intent::kEciOnly);

  pod_.node_selector = {};
  kube::NodeSelectorTerm virtual_term;
  virtual_term.match_expressions.push_back({"type", "In", {"virtual-kubelet"}});
  kube::NodeSelectorTerm other_term;
  other_term.match_expressions.push_back({"zone", "In", {"a"}});
  pod_.required_node_affinity = {virtual_term};
  EXPECT_EQ(Resolve()->intent, Intent::kEciOnly);
  pod_.required_node_affinity = {virtual_term, other_term};
  EXPECT_EQ(Resolve()->intent, Intent::kNone) << "an ORed regular term leaves regular nodes open";

  pod_.required_node_affinity = {};
  pod_.node_name = "virtual-kubelet";
  EXPECT_EQ(Resolve()->intent, Intent::kEciOnly);
}

TEST_F(IntentResolverTest, EciCannotRunNamesEveryOffender) {
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "eci");
  pod_.volumes.push_back({"logs", true, "/var/log"});
  pod_.containers.push_back({"sidecar", true, {}});
  pod_.containers.push_back({"web", false, {8080}});
  pod_.host_network = true;
  absl::StatusOr<PodPolicy> policy = Resolve();
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->MayUseVirtualNodes());
  EXPECT_EQ(policy->eci_runnable.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(policy->eci_runnable.message(),
            "pod default/web-1 uses hostPath volume 'logs'; elastic container instances cannot "
            "mount host paths; and uses hostNetwork; elastic container instances have no host "
            "network; and runs privileged container 'sidecar'; elastic container instances "
            "refuse privileged mode; and container 'web' binds hostPort 8080; elastic container "
            "instances have no host ports");
}

TEST_F(IntentResolverTest, DaemonSetPodsNeverRunOnEci) {
  pod_.metadata.labels.Set("alibabacloud.com/eci", "true");
  pod_.metadata.owner_references.push_back({"apps/v1", "DaemonSet", "fluentd", "u", true});
  absl::StatusOr<PodPolicy> policy = Resolve();
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->MayUseVirtualNodes());
  EXPECT_THAT(policy->eci_runnable.message(), HasSubstr("belongs to DaemonSet 'fluentd'"));
}

class AlwaysBurst : public IntentSource {
 public:
  absl::StatusOr<std::optional<IntentVote>> Vote(const PodContext&) const override {
    return IntentVote{Intent::kBurst, "test source"};
  }
};

TEST_F(IntentResolverTest, NamespaceLabelsOptEveryPodIn) {
  const std::vector<std::pair<std::string, std::string>> opt_ins = {
      {"alibabacloud.com/eci", "true"}, {"eci", "true"}, {"virtual-node-affinity-injection", "enabled"}};
  for (const auto& [key, value] : opt_ins) {
    kube::Namespace ns;
    ns.metadata.name = "default";
    ns.metadata.labels.Set(key, value);
    absl::StatusOr<PodPolicy> policy = ResolveIn(ns);
    ASSERT_TRUE(policy.ok()) << key;
    EXPECT_EQ(policy->intent, Intent::kEciOnly) << key;
    EXPECT_EQ(policy->reason, "namespace default label " + key + "=" + value);
  }
  kube::Namespace plain;
  plain.metadata.name = "default";
  plain.metadata.labels.Set("eci", "false");
  plain.metadata.labels.Set("virtual-node-affinity-injection", "true");  // Wants "enabled".
  EXPECT_EQ(ResolveIn(plain)->intent, Intent::kNone);
}

// Issue 22.6: the webhook adds a required affinity for virtual nodes to a
// pod of a namespace labelled for ECI; explain and the extender then name
// the namespace label, where the intent came from, not the affinity.
TEST_F(IntentResolverTest, TheDeclaredSourceIsReportedOverThePlacementTheWebhookWrote) {
  kube::Namespace ns;
  ns.metadata.name = "default";
  ns.metadata.labels.Set("alibabacloud.com/eci", "true");
  kube::NodeSelectorTerm virtual_term;
  virtual_term.match_expressions.push_back({"type", "In", {"virtual-kubelet"}});
  pod_.required_node_affinity = {virtual_term};
  absl::StatusOr<PodPolicy> policy = ResolveIn(ns);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->intent, Intent::kEciOnly);
  EXPECT_EQ(policy->reason, "namespace default label alibabacloud.com/eci=true");
  // Without the declaration, the placement is the reason.
  EXPECT_EQ(Resolve()->reason, "a required node affinity for virtual nodes");
}

TEST_F(IntentResolverTest, AnEcsPodInAnEciNamespaceIsAContradiction) {
  kube::Namespace ns;
  ns.metadata.name = "default";
  ns.metadata.labels.Set("alibabacloud.com/eci", "true");
  pod_.metadata.annotations.Set("alibabacloud.com/burst-resource", "ecs");
  EXPECT_EQ(ResolveIn(ns).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(IntentResolverTest, AddedSourcesJoinTheVote) {
  resolver_.AddSource(std::make_unique<AlwaysBurst>());
  absl::StatusOr<PodPolicy> policy = Resolve();
  EXPECT_EQ(policy->intent, Intent::kBurst);
  EXPECT_EQ(policy->reason, "test source");
}

}  // namespace
}  // namespace spillway::burst
