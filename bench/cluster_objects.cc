#include "bench/cluster_objects.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>

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

std::string ListedPodJson(int index, int nodes) {
  const int app = index % 400;
  const std::string ns = absl::StrCat("team-", index % 50);
  const std::string hash = absl::StrFormat("%09x", app * 2654435761u % 0xfffffffffULL);
  const std::string name = absl::StrFormat("svc-%d-%s-%05x", app, hash.substr(0, 9), index);
  const std::string node = NodeName(index % nodes, 0);
  const std::string time = "2026-11-20T08:15:02Z";
  return absl::StrFormat(
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"%1$s","generateName":"svc-%2$d-%3$s-",)"
      R"("namespace":"%4$s","uid":"%5$08x-5154-4c1b-9a7e-0c5e8f1d2b3a","resourceVersion":"%6$d",)"
      R"("creationTimestamp":"%7$s","labels":{"app":"svc-%2$d","pod-template-hash":"%3$s",)"
      R"("app.kubernetes.io/part-of":"shop","version":"v%8$d"},)"
      R"("annotations":{"kubernetes.io/psp":"ack.privileged","prometheus.io/scrape":"true",)"
      R"("prometheus.io/port":"9090","k8s.aliyun.com/eci-use-specs":"2-4Gi"},)"
      R"("ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"svc-%2$d-%3$s",)"
      R"("uid":"0b7e6d2c-1f3a-4e8b-9c5d-7a6b5c4d3e2f","controller":true,"blockOwnerDeletion":true}],)"
      R"("managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1",)"
      R"("time":"%7$s","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":)"
      R"({".":{},"f:app":{},"f:pod-template-hash":{},"f:version":{}},"f:ownerReferences":{".":{},)"
      R"("k:{\"uid\":\"0b7e6d2c-1f3a-4e8b-9c5d-7a6b5c4d3e2f\"}":{}}},"f:spec":{"f:containers":{)"
      R"("k:{\"name\":\"app\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"JAVA_OPTS\"}":{".":{},)"
      R"("f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:livenessProbe":{},)"
      R"("f:name":{},"f:ports":{},"f:readinessProbe":{},"f:resources":{},"f:volumeMounts":{}},)"
      R"("k:{\"name\":\"sidecar\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}},)"
      R"("f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},)"
      R"("f:securityContext":{},"f:terminationGracePeriodSeconds":{},"f:volumes":{}}}},)"
      R"({"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"%7$s","fieldsType":"FieldsV1",)"
      R"("fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"ContainersReady\"}":{".":{},)"
      R"("f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},)"
      R"("k:{\"type\":\"Initialized\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},)"
      R"("f:status":{},"f:type":{}},"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},)"
      R"("f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},)"
      R"("f:hostIP":{},"f:phase":{},"f:podIP":{},"f:podIPs":{},"f:startTime":{}}},"subresource":"status"}]},)"
      R"("spec":{"volumes":[{"name":"config","configMap":{"name":"svc-%2$d-config","defaultMode":420}},)"
      R"({"name":"kube-api-access-x7k2p","projected":{"sources":[{"serviceAccountToken":)"
      R"({"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":)"
      R"([{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":)"
      R"({"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],)"
      R"("containers":[{"name":"app","image":"registry.cn-hangzhou.aliyuncs.com/shop/svc-%2$d:v%8$d.4.2",)"
      R"("ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics",)"
      R"("containerPort":9090,"protocol":"TCP"}],"env":[{"name":"JAVA_OPTS","value":"-Xmx1536m -XX:+UseG1GC"},)"
      R"({"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],)"
      R"("resources":{"limits":{"cpu":"2","memory":"2Gi"},"requests":{"cpu":"500m","memory":"1Gi"}},)"
      R"("volumeMounts":[{"name":"config","mountPath":"/etc/svc"},{"name":"kube-api-access-x7k2p",)"
      R"("readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],)"
      R"("livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP"},"initialDelaySeconds":30,)"
      R"("timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},)"
      R"("readinessProbe":{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,)"
      R"("periodSeconds":5,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":)"
      R"("/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"},)"
      R"({"name":"sidecar","image":"registry.cn-hangzhou.aliyuncs.com/acs/log-agent:v1.2.3",)"
      R"("resources":{"requests":{"cpu":"50m","memory":"64Mi"}},"terminationMessagePath":"/dev/termination-log",)"
      R"("terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always",)"
      R"("terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default",)"
      R"("serviceAccount":"default","nodeName":"%9$s","securityContext":{},"schedulerName":"default-scheduler",)"
      R"("tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute",)"
      R"("tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists",)"
      R"("effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,)"
      R"("preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[)"
      R"({"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"%7$s"},)"
      R"({"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"%7$s"},)"
      R"({"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"%7$s"},)"
      R"({"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"%7$s"}],)"
      R"("hostIP":"10.%10$d.%11$d.%12$d","podIP":"172.20.%11$d.%12$d","podIPs":[{"ip":"172.20.%11$d.%12$d"}],)"
      R"("startTime":"%7$s","containerStatuses":[{"name":"app","state":{"running":{"startedAt":"%7$s"}},)"
      R"("lastState":{},"ready":true,"restartCount":0,"image":"registry.cn-hangzhou.aliyuncs.com/shop/svc-%2$d:v%8$d.4.2",)"
      R"("imageID":"registry.cn-hangzhou.aliyuncs.com/shop/svc-%2$d@sha256:%13$064x",)"
      R"("containerID":"containerd://%13$064x","started":true},{"name":"sidecar","state":{"running":)"
      R"({"startedAt":"%7$s"}},"lastState":{},"ready":true,"restartCount":0,)"
      R"("image":"registry.cn-hangzhou.aliyuncs.com/acs/log-agent:v1.2.3","imageID":)"
      R"("registry.cn-hangzhou.aliyuncs.com/acs/log-agent@sha256:%14$064x","containerID":"containerd://%14$064x",)"
      R"("started":true}],"qosClass":"Burstable"}})",
      name, app, hash, ns, index, 1000000 + index, time, index % 7, node, index % 4,
      (index / 250) % 250, index % 250 + 1, static_cast<unsigned long long>(index) * 2654435761ULL,
      static_cast<unsigned long long>(index) * 40503ULL + 7);
}

std::vector<int> ParallelFilterOrder(int nodes, uint64_t seed) {
  constexpr int kWorkers = 16;  // kube-scheduler's default parallelism.
  const int chunk = std::max(1, std::min(static_cast<int>(std::sqrt(nodes)), nodes / kWorkers + 1));
  std::deque<int> chunks;  // First node of each chunk not yet taken.
  for (int first = 0; first < nodes; first += chunk) chunks.push_back(first);
  struct Worker {
    int next = 0;
    int end = 0;
  };
  std::vector<Worker> busy;
  std::mt19937_64 random(seed);
  std::vector<int> order;
  order.reserve(nodes);
  auto take = [&](Worker& worker) {
    if (chunks.empty()) return false;
    worker.next = chunks.front();
    worker.end = std::min(nodes, worker.next + chunk);
    chunks.pop_front();
    return true;
  };
  for (int i = 0; i < kWorkers; ++i) {
    Worker worker;
    if (take(worker)) busy.push_back(worker);
  }
  while (!busy.empty()) {  // Whichever worker finishes a node next appends it.
    const size_t w = std::uniform_int_distribution<size_t>(0, busy.size() - 1)(random);
    order.push_back(busy[w].next++);
    if (busy[w].next == busy[w].end && !take(busy[w])) busy.erase(busy.begin() + static_cast<long>(w));
  }
  return order;
}

namespace {

int Nth(const std::vector<int>& order, int i) { return order.empty() ? i : order[i]; }

}  // namespace

std::string FullFilterRequest(const std::string& pod, int nodes, int virtual_every, const std::vector<int>& order) {
  std::string out = absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":{"metadata":{},"items":[)");
  for (int i = 0; i < nodes; ++i) {
    if (i > 0) out += ",";
    out += NodeJson(Nth(order, i), virtual_every);
  }
  out += R"(]},"NodeNames":null})";
  return out;
}

std::string NamesFilterRequest(const std::string& pod, int nodes, int virtual_every, const std::vector<int>& order) {
  std::string out = absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":null,"NodeNames":[)");
  for (int i = 0; i < nodes; ++i) {
    if (i > 0) out += ",";
    absl::StrAppend(&out, "\"", NodeName(Nth(order, i), virtual_every), "\"");
  }
  out += "]}";
  return out;
}

}  // namespace spillway::bench
