#include "kube/decode.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace spillway::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DecodeTest : public ::testing::Test {
 protected:
  absl::Status Pod(const std::string& text, kube::Pod* pod) {
    json_ = simdjson::padded_string(text);
    simdjson::ondemand::document doc;
    if (auto err = parser_.iterate(json_).get(doc)) return json::Error(err, json::Path("Pod"));
    simdjson::ondemand::value v;
    if (auto err = doc.get_value().get(v)) return json::Error(err, json::Path("Pod"));
    return DecodePod(v, json::Path("Pod"), pod);
  }
  // The informer's On-Demand Node decoder.
  absl::Status NodeRecord(const std::string& text, kube::Node* node) {
    json_ = simdjson::padded_string(text);
    simdjson::ondemand::document doc;
    if (auto err = parser_.iterate(json_).get(doc)) return json::Error(err, json::Path("Node"));
    simdjson::ondemand::value v;
    if (auto err = doc.get_value().get(v)) return json::Error(err, json::Path("Node"));
    return DecodeNode(v, json::Path("Node"), node);
  }
  absl::Status Node(const std::string& text, kube::Node* node) {
    simdjson::dom::element element;
    if (auto err = dom_parser_.parse(text).get(element)) return json::Error(err, json::Path("Node"));
    return DecodeNode(element, json::Path("Node"), node);
  }

  simdjson::ondemand::parser parser_;
  simdjson::dom::parser dom_parser_;
  simdjson::padded_string json_;
};

TEST_F(DecodeTest, ReadsThePodFieldsTheBurstPolicyUses) {
  kube::Pod pod;
  ASSERT_TRUE(Pod(R"({
    "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1",
                 "labels": {"app": "web", "alibabacloud.com/eci": "true"},
                 "annotations": {"alibabacloud.com/burst-resource": "eci"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                      "name": "web-abc", "uid": "rs-1", "controller": true}],
                 "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]},
    "spec": {"nodeSelector": {"type": "virtual-kubelet"},
             "hostNetwork": true,
             "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists"}],
             "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
               {"nodeSelectorTerms": [{"matchExpressions":
                 [{"key": "type", "operator": "In", "values": ["virtual-kubelet"]}]}]},
               "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "preference":
                 {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}}]}},
             "initContainers": [{"name": "init", "securityContext": {"privileged": true}}],
             "containers": [{"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 8080}]}],
             "volumes": [{"name": "cfg", "configMap": {"name": "x"}},
                         {"name": "logs", "hostPath": {"path": "/var/log"}}]},
    "status": {"phase": "Pending"}})",
                  &pod)
                  .ok());
  EXPECT_EQ(pod.Key(), "shop/web-1");
  EXPECT_EQ(pod.metadata.uid, "u-1");
  EXPECT_TRUE(pod.metadata.labels.Has("alibabacloud.com/eci", "true"));
  EXPECT_TRUE(pod.metadata.annotations.Has("alibabacloud.com/burst-resource", "eci"));
  ASSERT_NE(pod.ControllerRef(), nullptr);
  EXPECT_EQ(pod.ControllerRef()->kind, "ReplicaSet");
  EXPECT_TRUE(pod.node_selector.Has("type", "virtual-kubelet"));
  EXPECT_TRUE(pod.host_network);
  ASSERT_EQ(pod.tolerations.size(), 1u);
  EXPECT_EQ(pod.tolerations[0].operator_, "Exists");
  ASSERT_EQ(pod.required_node_affinity.size(), 1u);
  EXPECT_THAT(pod.required_node_affinity[0].match_expressions[0].values,
              ElementsAre("virtual-kubelet"));
  ASSERT_EQ(pod.preferred_node_affinity.size(), 1u);
  ASSERT_EQ(pod.preferred_node_affinity[0].match_expressions.size(), 1u);
  EXPECT_EQ(pod.preferred_node_affinity[0].match_expressions[0].key, "kubernetes.io/arch");
  EXPECT_THAT(pod.preferred_node_affinity[0].match_expressions[0].values, ElementsAre("arm64"));
  ASSERT_EQ(pod.containers.size(), 2u);
  EXPECT_TRUE(pod.containers[0].privileged);
  EXPECT_THAT(pod.containers[1].host_ports, ElementsAre(8080));
  ASSERT_EQ(pod.volumes.size(), 2u);
  EXPECT_FALSE(pod.volumes[0].host_path);
  EXPECT_TRUE(pod.volumes[1].host_path);
  EXPECT_EQ(pod.volumes[1].host_path_path, "/var/log");
}

TEST_F(DecodeTest, ReadsRequestsStatusAndOnlyTheAnnotationsSpillwayUses) {
  kube::Pod pod;
  ASSERT_TRUE(Pod(R"({
    "metadata": {"name": "web-1", "resourceVersion": "42",
                 "deletionTimestamp": "2026-11-22T08:00:00Z",
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}",
                                 "k8s.aliyun.com/eci-use-specs": "2-4Gi",
                                 "controller.kubernetes.io/pod-deletion-cost": "-1000"}},
    "spec": {"initContainers": [{"name": "init", "resources": {"requests": {"cpu": "2", "memory": "64Mi"}}}],
             "containers": [{"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                                        "limits": {"cpu": "4"}}},
                            {"name": "b", "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}},
                            {"name": "c"}]},
    "status": {"phase": "Pending", "reason": "ProviderFailed",
               "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                               "message": "0/3 nodes are available: 3 Insufficient cpu.",
                               "lastTransitionTime": "2026-11-22T07:59:00Z"}]}
  })", &pod).ok());
  EXPECT_EQ(pod.metadata.resource_version, "42");
  EXPECT_TRUE(pod.metadata.deleting);
  EXPECT_EQ(pod.metadata.annotations.size(), 2u);
  EXPECT_EQ(pod.metadata.annotations.Find("kubectl.kubernetes.io/last-applied-configuration"),
            std::nullopt);
  EXPECT_EQ(pod.container_requests.cpu_milli, 750);
  EXPECT_EQ(pod.container_requests.memory_bytes, 1536LL << 20);
  EXPECT_EQ(pod.EffectiveRequests().cpu_milli, 2000);  // The init container needs more.
  EXPECT_EQ(pod.EffectiveRequests().memory_bytes, 1536LL << 20);
  EXPECT_EQ(pod.phase, "Pending");
  EXPECT_EQ(pod.status_reason, "ProviderFailed");
  EXPECT_TRUE(pod.unschedulable);
  EXPECT_EQ(pod.scheduling_message, "0/3 nodes are available: 3 Insufficient cpu.");
  EXPECT_EQ(pod.unschedulable_since, "2026-11-22T07:59:00Z");
}

TEST_F(DecodeTest, ABadQuantityNamesTheField) {
  kube::Pod pod;
  absl::Status status = Pod(
      R"({"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "lots"}}}]}})",
      &pod);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("Pod.spec.containers[0].resources.requests.cpu: invalid quantity \"lots\""));
}

TEST_F(DecodeTest, NodeRecordReadsAllocatableAndReadiness) {
  kube::Node node;
  ASSERT_TRUE(NodeRecord(R"({
    "metadata": {"name": "n1", "resourceVersion": "7", "labels": {"type": "virtual-kubelet"}},
    "spec": {"unschedulable": true,
             "taints": [{"key": "virtual-kubelet.io/provider", "value": "alibabacloud", "effect": "NoSchedule"}]},
    "status": {"allocatable": {"cpu": "3920m", "memory": "14Gi", "pods": "110", "ephemeral-storage": "100Gi"},
               "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}]}
  })", &node).ok());
  EXPECT_EQ(node.metadata.resource_version, "7");
  EXPECT_TRUE(node.unschedulable);
  ASSERT_EQ(node.taints.size(), 1u);
  EXPECT_EQ(node.taints[0].key, "virtual-kubelet.io/provider");
  EXPECT_EQ(node.taints[0].effect, "NoSchedule");
  EXPECT_EQ(node.allocatable.cpu_milli, 3920);
  EXPECT_EQ(node.allocatable.memory_bytes, 14LL << 30);
  EXPECT_EQ(node.allocatable_pods, 110);
  EXPECT_TRUE(node.ready);
}

TEST_F(DecodeTest, NullFieldsReadAsEmpty) {
  kube::Pod pod;
  ASSERT_TRUE(Pod(R"({"metadata": {"name": "a", "labels": null, "annotations": null},
                      "spec": {"nodeSelector": null, "tolerations": null, "volumes": null,
                               "hostNetwork": null, "affinity": null}})",
                  &pod)
                  .ok());
  EXPECT_TRUE(pod.metadata.labels.empty());
  EXPECT_FALSE(pod.host_network);
}

TEST_F(DecodeTest, WrongTypesNameTheField) {
  kube::Pod pod;
  absl::Status status = Pod(R"({"spec": {"hostNetwork": "yes"}})", &pod);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "Pod.spec.hostNetwork: expected boolean, got string");

  kube::Pod pod2;
  status = Pod(R"({"metadata": {"labels": {"app": 7}}})", &pod2);
  EXPECT_EQ(status.message(), "Pod.metadata.labels.app: expected string, got number");

  kube::Pod pod3;
  status = Pod(R"({"spec": {"volumes": [{"name": "a"}, {"name": "b", "hostPath": "oops"}]}})",
               &pod3);
  EXPECT_EQ(status.message(), "Pod.spec.volumes[1].hostPath: expected object, got string");
}

TEST_F(DecodeTest, TruncatedJsonIsAnError) {
  kube::Pod pod;
  absl::Status status = Pod(R"({"metadata": {"name": "a", "labels": {"x": )", &pod);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("malformed JSON"));
}

TEST_F(DecodeTest, ReadsNodeLabelsAndTaints) {
  kube::Node node;
  ASSERT_TRUE(Node(R"({"metadata": {"name": "virtual-kubelet-cn-hangzhou-j",
                                    "labels": {"type": "virtual-kubelet"}},
                       "spec": {"unschedulable": true, "taints": [
                         {"key": "virtual-kubelet.io/provider", "value": "alibabacloud",
                          "effect": "NoSchedule"}]},
                       "status": {"images": [{"names": ["a"], "sizeBytes": 1}]}})",
                   &node)
                  .ok());
  EXPECT_EQ(node.metadata.name, "virtual-kubelet-cn-hangzhou-j");
  EXPECT_TRUE(node.metadata.labels.Has("type", "virtual-kubelet"));
  EXPECT_TRUE(node.unschedulable);
  ASSERT_EQ(node.taints.size(), 1u);
  EXPECT_EQ(node.taints[0].key, "virtual-kubelet.io/provider");
  EXPECT_EQ(node.taints[0].value, "alibabacloud");
  EXPECT_EQ(node.taints[0].effect, "NoSchedule");
}

TEST_F(DecodeTest, NodeWrongTypesNameTheField) {
  kube::Node node;
  EXPECT_EQ(Node(R"({"metadata": {"name": "n", "labels": {"type": 1}}})", &node).message(),
            "Node.metadata.labels.type: expected string");
  kube::Node node2;
  EXPECT_EQ(Node(R"({"metadata": {"name": "n"}, "spec": {"taints": [{"key": "k"}, "x"]}})", &node2)
                .message(),
            "Node.spec.taints[1]: expected object");
  kube::Node node3;
  EXPECT_EQ(Node(R"({"metadata": "n"})", &node3).message(), "Node.metadata: expected object");
  kube::Node node4;
  EXPECT_EQ(Node(R"({"spec": {"unschedulable": "yes"}})", &node4).message(),
            "Node.spec.unschedulable: expected boolean");
}

}  // namespace
}  // namespace spillway::kube
