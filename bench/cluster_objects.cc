#include "bench/cluster_objects.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace spillway::bench {
namespace {

const char* const kZones[] = {"cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"};

bool IsVirtual(int index, int virtual_every) {
  return virtual_every > 0 && index % virtual_every == virtual_every - 1;
}

std::string Images(int index) {
  std::string out = "[";
  for (int i = 0; i < 40; ++i) {
    if (i > 0) out += ",";
    absl::StrAppendFormat(
        &out,
        R"({"names":["registry.cn-hangzhou.aliyuncs.com/acs/comp-%d@sha256:%064x",)"
        R"("registry.cn-hangzhou.aliyuncs.com/acs/comp-%d:v1.%d.%d-aliyun.1"],"sizeBytes":%d})",
        i, static_cast<unsigned long long>(index) * 7919u + i * 104729u, i, i % 30, index % 9,
        20000000 + i * 1234567);
  }
  return out + "]";
}

}  // namespace

std::string NodeName(int index, int virtual_every) {
  if (IsVirtual(index, virtual_every)) {
    return absl::StrCat("virtual-kubelet-", kZones[index % 4], "-", index);
  }
  return absl::StrFormat("cn-hangzhou.10.%d.%d.%d", (index >> 16) & 255, (index >> 8) & 255,
                         index & 255);
}

std::string NodeJson(int index, int virtual_every) {
  const bool virtual_node = IsVirtual(index, virtual_every);
  const std::string name = NodeName(index, virtual_every);
  const char* zone = kZones[index % 4];
  std::string labels = absl::StrFormat(
      R"("beta.kubernetes.io/arch":"amd64","beta.kubernetes.io/instance-type":"ecs.g7.2xlarge",)"
      R"("beta.kubernetes.io/os":"linux","failure-domain.beta.kubernetes.io/region":"cn-hangzhou",)"
      R"("failure-domain.beta.kubernetes.io/zone":"%s","kubernetes.io/arch":"amd64",)"
      R"("kubernetes.io/hostname":"%s","kubernetes.io/os":"linux",)"
      R"("node.kubernetes.io/instance-type":"ecs.g7.2xlarge","topology.kubernetes.io/region":"cn-hangzhou",)"
      R"("topology.kubernetes.io/zone":"%s","alibabacloud.com/nodepool-id":"np%08x",)"
      R"("ack.aliyun.com":"c%08x","node-role.kubernetes.io/worker":"",)"
      R"("topology.diskplugin.csi.alibabacloud.com/zone":"%s")",
      zone, name, zone, index / 100, 0x5eed, zone);
  if (virtual_node) absl::StrAppend(&labels, R"(,"type":"virtual-kubelet","kubernetes.io/role":"agent")");
  std::string taints =
      virtual_node
          ? R"("taints":[{"key":"virtual-kubelet.io/provider","value":"alibabacloud","effect":"NoSchedule"}],)"
          : "";
  std::string conditions;
  const char* kinds[][3] = {{"MemoryPressure", "False", "KubeletHasSufficientMemory"},
                            {"DiskPressure", "False", "KubeletHasNoDiskPressure"},
                            {"PIDPressure", "False", "KubeletHasSufficientPID"},
                            {"Ready", "True", "KubeletReady"},
                            {"NetworkUnavailable", "False", "RouteCreated"}};
  for (int i = 0; i < 5; ++i) {
    if (i > 0) conditions += ",";
    absl::StrAppendFormat(
        &conditions,
        R"({"type":"%s","status":"%s","lastHeartbeatTime":"2026-11-20T08:14:51Z",)"
        R"("lastTransitionTime":"2026-10-01T02:04:10Z","reason":"%s","message":"kubelet is posting status %s"})",
        kinds[i][0], kinds[i][1], kinds[i][2], kinds[i][0]);
  }
  return absl::StrFormat(
      R"({"kind":"Node","apiVersion":"v1","metadata":{"name":"%s","uid":"%08x-1f3a-4e8b-9c5d-7a6b5c4d3e2f",)"
      R"("resourceVersion":"%d","creationTimestamp":"2026-10-01T02:03:04Z","labels":{%s},)"
      R"("annotations":{"node.alpha.kubernetes.io/ttl":"0","volumes.kubernetes.io/controller-managed-attach-detach":"true",)"
      R"("csi.volume.kubernetes.io/nodeid":"{\"diskplugin.csi.alibabacloud.com\":\"i-bp1%08x\"}"},)"
      R"("managedFields":[{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-20T08:14:51Z",)"
      R"("fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"DiskPressure\"}":{"f:lastHeartbeatTime":{}},)"
      R"("k:{\"type\":\"MemoryPressure\"}":{"f:lastHeartbeatTime":{}},"k:{\"type\":\"PIDPressure\"}":{"f:lastHeartbeatTime":{}},)"
      R"("k:{\"type\":\"Ready\"}":{"f:lastHeartbeatTime":{},"f:lastTransitionTime":{},"f:message":{},"f:reason":{},"f:status":{}}},)"
      R"("f:images":{},"f:nodeInfo":{"f:bootID":{}}}},"subresource":"status"},)"
      R"({"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-10-01T02:04:10Z",)"
      R"("fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{"f:node.alpha.kubernetes.io/ttl":{}}},"f:spec":{"f:podCIDR":{},"f:podCIDRs":{".":{},"v:\"172.20.%d.0/24\"":{}}}}}]},)"
      R"("spec":{"podCIDR":"172.20.%d.0/24","podCIDRs":["172.20.%d.0/24"],"providerID":"cn-hangzhou.i-bp1%08x",%s"unschedulable":false},)"
      R"("status":{"capacity":{"cpu":"8","ephemeral-storage":"123722704Ki","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"32386544Ki","pods":"64"},)"
      R"("allocatable":{"cpu":"7800m","ephemeral-storage":"114022843818","hugepages-1Gi":"0","hugepages-2Mi":"0","memory":"28815344Ki","pods":"64"},)"
      R"("conditions":[%s],"addresses":[{"type":"InternalIP","address":"10.%d.%d.%d"},{"type":"Hostname","address":"%s"}],)"
      R"("daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"%032x","systemUUID":"%08x-aaaa-bbbb-cccc-dddddddddddd",)"
      R"("bootID":"%08x-0000-4000-8000-000000000000","kernelVersion":"5.10.134-16.al8.x86_64","osImage":"Alibaba Cloud Linux 3.2104 U10 OpenAnolis Edition",)"
      R"("containerRuntimeVersion":"containerd://1.6.28","kubeletVersion":"v1.30.1-aliyun.1","kubeProxyVersion":"v1.30.1-aliyun.1",)"
      R"("operatingSystem":"linux","architecture":"amd64"},"images":%s}})",
      name, index, 900000 + index, labels, index, index & 255, index & 255, index & 255, index,
      taints, conditions, (index >> 16) & 255, (index >> 8) & 255, index & 255, name, index, index,
      index, Images(index));
}

std::string BurstPodJson(int index) {
  return absl::StrFormat(
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-7d9c6b5f4-%05d","generateName":"web-7d9c6b5f4-",)"
      R"("namespace":"shop","uid":"%08x-5154-4c1b-9a7e-0c5e8f1d2b3a","resourceVersion":"918273",)"
      R"("creationTimestamp":"2026-11-20T08:15:02Z","labels":{"app":"web","pod-template-hash":"7d9c6b5f4"},)"
      R"("annotations":{"alibabacloud.com/burst-resource":"eci"},"ownerReferences":[{"apiVersion":"apps/v1",)"
      R"("kind":"ReplicaSet","name":"web-7d9c6b5f4","uid":"0b7e6d2c-1f3a-4e8b-9c5d-7a6b5c4d3e2f","controller":true,)"
      R"("blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"kube-api-access-x7k2p","projected":{"sources":[)"
      R"({"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}],"defaultMode":420}}],)"
      R"("containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80,"protocol":"TCP"}],)"
      R"("resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}}}],)"
      R"("restartPolicy":"Always","schedulerName":"default-scheduler","tolerations":[{"key":"virtual-kubelet.io/provider",)"
      R"("operator":"Exists","effect":"NoSchedule"}],"priority":0},"status":{"phase":"Pending"}})",
      index, index);
}

std::string FullFilterRequest(const std::string& pod, int nodes, int virtual_every) {
  std::string out = absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":{"metadata":{},"items":[)");
  for (int i = 0; i < nodes; ++i) {
    if (i > 0) out += ",";
    out += NodeJson(i, virtual_every);
  }
  out += R"(]},"NodeNames":null})";
  return out;
}

std::string NamesFilterRequest(const std::string& pod, int nodes, int virtual_every) {
  std::string out = absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":null,"NodeNames":[)");
  for (int i = 0; i < nodes; ++i) {
    if (i > 0) out += ",";
    absl::StrAppend(&out, "\"", NodeName(i, virtual_every), "\"");
  }
  out += "]}";
  return out;
}

}  // namespace spillway::bench
