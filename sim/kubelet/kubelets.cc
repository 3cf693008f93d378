#include "sim/kubelet/kubelets.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "absl/strings/numbers.h"
#include "kube/decode.h"
#include "kube/quantity.h"
#include "sim/cluster/object_facts.h"
#include "sim/cluster/parallel_writes.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

constexpr char kLeaseNamespace[] = "kube-node-lease";

// A stable 64-bit mix (splitmix64) for per-pod delays and ids.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t HashOf(const std::string& text, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : text) h = Mix(h ^ c);
  return h;
}

}  // namespace

json::object SimNodeObject(const SimNode& node, absl::Time now) {
  json::object labels{{"kubernetes.io/hostname", node.name}, {"kubernetes.io/os", "linux"},
                      {"topology.kubernetes.io/zone", node.zone}};
  for (const auto& [key, value] : node.labels) labels[key] = value;
  json::object spec;
  if (node.is_virtual) {
    labels["type"] = "virtual-kubelet";
    labels["kubernetes.io/role"] = "agent";
    labels["beta.kubernetes.io/os"] = "linux";
    spec["taints"] = json::array{
        json::object{{"key", "virtual-kubelet.io/provider"}, {"value", "alibabacloud"}, {"effect", "NoSchedule"}}};
  }
  const std::string cpu = absl::StrCat(node.cpu_milli, "m");
  const std::string memory = std::to_string(node.memory_bytes);
  json::object resources{{"cpu", cpu}, {"memory", memory}, {"pods", std::to_string(node.pods)}};
  const std::string stamp = KubeTime(now);
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", json::object{{"name", node.name}, {"labels", labels}}},
      {"spec", spec},
      {"status",
       json::object{{"capacity", resources},
                    {"allocatable", resources},
                    {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"},
                                                            {"reason", "KubeletReady"},
                                                            {"message", "kubelet is posting ready status"},
                                                            {"lastHeartbeatTime", stamp},
                                                            {"lastTransitionTime", stamp}}}},
                    {"nodeInfo", json::object{{"kubeletVersion", node.is_virtual ? "v1.32.0-vk" : "v1.32.0"},
                                              {"operatingSystem", "linux"},
                                              {"architecture", "amd64"}}}}}};
}

std::string EciInstanceSpec(int64_t cpu_milli, int64_t memory_bytes) {
  const double cores = std::max(0.25, cpu_milli / 1000.0);
  const double gib = std::max(0.5, memory_bytes / double(1LL << 30));
  return absl::StrFormat("%.1f-%.1fGi", cores, gib);
}

Kubelets::Kubelets(kube::RestClient& client, ClusterReader& reader, Clock& clock, std::vector<SimNode> nodes,
                   KubeletOptions options)
    : client_(client), reader_(reader), clock_(clock), options_(std::move(options)) {
  for (SimNode& node : nodes) {
    std::string name = node.name;
    nodes_.emplace(std::move(name), std::move(node));
  }
  for (const auto& [name, node] : nodes_) AddHost(name);
}

void Kubelets::AddHost(const std::string& name) { host_ips_[name] = SimHostIp(hosts_++); }

std::string SimPodIp(bool on_virtual_node, int64_t n) {
  const int64_t block = n / 250;
  return absl::StrCat("10.", (on_virtual_node ? 200 : 100) + block / 256, ".", block % 256, ".", n % 250 + 2);
}

std::string SimHostIp(int64_t n) {
  const int64_t block = n / 240;
  return absl::StrCat("192.", 168 + block / 256, ".", block % 256, ".", n % 240 + 10);
}

bool Kubelets::OutOfStock(const std::string& zone, absl::Time at) const {
  for (const StockOut& out : options_.stock_outs) {
    if (out.zone == zone && at >= out.from && at < out.until) return true;
  }
  return false;
}

absl::Status Kubelets::Register() {
  const json::object lease_ns{{"apiVersion", "v1"}, {"kind", "Namespace"},
                              {"metadata", json::object{{"name", kLeaseNamespace}}}};
  absl::Status ns = client_.Create(PathOf("", "v1", "namespaces"), lease_ns).status();
  if (!ns.ok() && !absl::IsAlreadyExists(ns)) return ns;
  for (const auto& [name, node] : nodes_) {
    absl::Status created =
        client_.Create(PathOf("", "v1", "nodes"), SimNodeObject(node, clock_.Now())).status();
    if (!created.ok() && !absl::IsAlreadyExists(created)) return created;
  }
  // Each node's Lease exists from the start.
  const absl::Time now = clock_.Now();
  for (const auto& [name, node] : nodes_) lease_due_[name] = now;
  return RenewLeases();
}

absl::Status Kubelets::RenewLeases() {
  // Every node renews every 10 s, as kubelets do; the nodes are spread over
  // the period so no pass renews them all at once.
  const absl::Time now = clock_.Now();
  const std::string renew = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now, absl::UTCTimeZone());
  size_t slot = 0;
  for (const auto& [name, node] : nodes_) {
    absl::Time& due = lease_due_[name];
    if (due == absl::Time()) due = now + absl::Seconds(10) * (static_cast<double>(slot) / nodes_.size());
    ++slot;
    if (now < due) continue;
    due = now + absl::Seconds(10);
    kube::ResourcePath path = PathOf("coordination.k8s.io", "v1", "leases", kLeaseNamespace, name);
    absl::Status renewed =
        client_.Patch(path, kube::PatchType::kMerge, json::object{{"spec", json::object{{"renewTime", renew}}}})
            .status();
    if (absl::IsNotFound(renewed)) {
      path.name.clear();
      renewed = client_
                    .Create(path, json::object{{"apiVersion", "coordination.k8s.io/v1"},
                                               {"kind", "Lease"},
                                               {"metadata", json::object{{"name", name}}},
                                               {"spec", json::object{{"holderIdentity", name},
                                                                     {"leaseDurationSeconds", 40},
                                                                     {"renewTime", renew}}}})
                    .status();
    }
    if (!renewed.ok()) return renewed;
  }
  return absl::OkStatus();
}

absl::Status Kubelets::AdoptNodePoolNodes() {
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> nodes, reader_.List(PathOf("", "v1", "nodes")));
  std::set<std::string> present;
  for (const ObjectRef& ref : nodes) {
    const json::object& node = *ref;
    const json::object* labels = json_fields::ObjectAt(node, {"metadata", "labels"});
    if (labels == nullptr || !labels->contains(kNodePoolLabel)) continue;
    const std::string name = NameOf(node);
    present.insert(name);
    if (nodes_.count(name) > 0) continue;
    const json::object* allocatable = json_fields::ObjectAt(node, {"status", "allocatable"});
    if (allocatable == nullptr) continue;
    SimNode sim;
    sim.name = name;
    sim.zone = json_fields::String(*labels, "topology.kubernetes.io/zone");
    absl::StatusOr<int64_t> cpu = kube::ParseQuantityMilli(json_fields::String(*allocatable, "cpu"));
    absl::StatusOr<int64_t> memory = kube::ParseQuantity(json_fields::String(*allocatable, "memory"));
    if (!cpu.ok() || !memory.ok()) continue;
    sim.cpu_milli = *cpu;
    sim.memory_bytes = *memory;
    int64_t pods = 110;
    if (absl::SimpleAtoi(json_fields::String(*allocatable, "pods"), &pods)) sim.pods = pods;
    nodes_[name] = sim;
    if (host_ips_.count(name) == 0) AddHost(name);
    adopted_.insert(name);
  }
  for (auto it = adopted_.begin(); it != adopted_.end();) {
    if (present.count(*it) > 0) {
      ++it;
      continue;
    }
    nodes_.erase(*it);
    host_ips_.erase(*it);
    lease_due_.erase(*it);
    it = adopted_.erase(it);
  }
  return absl::OkStatus();
}

absl::Status Kubelets::Sync() {
  absl::Status first = AdoptNodePoolNodes();
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> pods, reader_.List(PathOf("", "v1", "pods")));
  std::vector<PodStart> due;
  for (const ObjectRef& ref : pods) {
    // Read once per pod version: at scale nearly every pod is already
    // running, and a pass walks all of them.
    const PodFacts& facts = pods_.Get(ref, [](const json::object& pod) {
      const std::string_view phase = StringView(pod, {"status", "phase"});
      PodFacts read;
      read.waiting = (phase.empty() || phase == "Pending") && !Terminating(pod);
      if (read.waiting) {
        read.node = std::string(StringView(pod, {"spec", "nodeName"}));
        read.uid = std::string(StringView(pod, {"metadata", "uid"}));
      }
      return read;
    });
    if (!facts.waiting || facts.node.empty()) continue;
    auto node = nodes_.find(facts.node);
    if (node == nodes_.end() || started_.count(facts.uid) > 0) continue;
    absl::StatusOr<bool> starts = Due(*ref, node->second, facts.uid);
    if (!starts.ok() && first.ok()) first = starts.status();
    if (!starts.ok() || !*starts) continue;
    due.push_back({ref.get(), &node->second, facts.uid, SimPodIp(node->second.is_virtual, ++ip_counter_)});
  }
  // Each node's kubelet writes its own pods' status: the writes overlap.
  const std::string stamp = KubeTime(clock_.Now());
  const std::vector<absl::Status> started =
      WriteInParallel(due.size(), [&](size_t i) { return StartPod(due[i], stamp); });
  for (size_t i = 0; i < due.size(); ++i) {
    if (!started[i].ok()) {
      if (first.ok()) first = started[i];
      continue;
    }
    eligible_since_.erase(due[i].uid);
    started_.insert(due[i].uid);  // The reader may show it Pending a little longer.
  }
  pods_.EndPass();
  if (absl::Status s = RenewLeases(); !s.ok() && first.ok()) first = s;
  return first;
}

absl::StatusOr<bool> Kubelets::Due(const json::object& pod, const SimNode& node, const std::string& uid) {
  const absl::Time now = clock_.Now();
  if (node.is_virtual && OutOfStock(node.zone, now)) {
    eligible_since_.erase(uid);  // The delay starts once stock is back.
    if (reported_.insert(uid).second) SPILLWAY_RETURN_IF_ERROR(ReportNoStock(pod, node));
    return false;
  }
  auto [since, inserted] = eligible_since_.emplace(uid, now);
  absl::Duration delay = options_.ecs_startup;
  if (node.is_virtual) {
    const absl::Duration spread = options_.eci_startup_max - options_.eci_startup_min;
    const uint64_t roll = HashOf(uid, options_.seed) % 1000;
    delay = options_.eci_startup_min + spread * (static_cast<double>(roll) / 1000.0);
  }
  return now - since->second >= delay;
}

absl::Status Kubelets::ReportNoStock(const json::object& pod, const SimNode& node) {
  const std::string ns = NamespaceOf(pod);
  const std::string message = absl::StrCat(
      "Create ECI failed because the specified instance is out of stock. zone ", node.zone,
      " has no stock of the requested instance types");
  const json::object event = PodEvent(pod, "Warning", "NoStock", message, "virtual-kubelet", node.name, clock_.Now());
  SPILLWAY_RETURN_IF_ERROR(client_.Create(PathOf("", "v1", "events", ns), event).status());
  absl::Status marked =
      client_
          .Patch(PathOf("", "v1", "pods", ns, NameOf(pod), "status"), kube::PatchType::kMerge,
                 json::object{{"status", json::object{{"phase", "Pending"},
                                                      {"reason", "ProviderFailed"},
                                                      {"message", message}}}})
          .status();
  return absl::IsNotFound(marked) ? absl::OkStatus() : marked;
}

absl::Status Kubelets::StartPod(const PodStart& start, const std::string& stamp) const {
  const json::object& pod = *start.pod;
  const SimNode& node = *start.node;
  const std::string ns = NamespaceOf(pod);
  const std::string name = NameOf(pod);
  if (node.is_virtual) {
    absl::StatusOr<kube::Pod> parsed = kube::ParsePod(json::serialize(pod));
    const kube::Resources requests = parsed.ok() ? parsed->EffectiveRequests() : kube::Resources{};
    char id[32];
    std::snprintf(id, sizeof(id), "eci-%016llx",
                  static_cast<unsigned long long>(HashOf(UidOf(pod), options_.seed)));
    absl::Status annotated =
        client_
            .Patch(PathOf("", "v1", "pods", ns, name), kube::PatchType::kMerge,
                   json::object{{"metadata",
                                 json::object{{"annotations",
                                               json::object{{"k8s.aliyun.com/eci-instance-id", id},
                                                            {"k8s.aliyun.com/eci-instance-spec",
                                                             EciInstanceSpec(requests.cpu_milli,
                                                                             requests.memory_bytes)}}}}}})
            .status();
    if (absl::IsNotFound(annotated)) return absl::OkStatus();
    SPILLWAY_RETURN_IF_ERROR(annotated);
  }
  const std::string& pod_ip = start.pod_ip;
  json::array containers;
  if (const json::value* list = json_fields::At(pod, {"spec", "containers"}); list != nullptr && list->is_array()) {
    for (const json::value& c : list->get_array()) {
      if (!c.is_object()) continue;
      const std::string image = json_fields::String(c.get_object(), "image");
      containers.push_back(json::object{{"name", json_fields::String(c.get_object(), "name")},
                                        {"image", image},
                                        {"imageID", absl::StrCat(image, "@sha256:0")},
                                        {"containerID", absl::StrCat("containerd://", name)},
                                        {"ready", true},
                                        {"started", true},
                                        {"restartCount", 0},
                                        {"state", json::object{{"running", json::object{{"startedAt", stamp}}}}}});
    }
  }
  auto condition = [&](const char* type) {
    return json::object{{"type", type}, {"status", "True"}, {"lastTransitionTime", stamp}};
  };
  json::object status{
      {"phase", "Running"},
      {"reason", nullptr},
      {"message", nullptr},
      {"hostIP", node.is_virtual ? "10.200.255.1" : host_ips_.at(node.name)},
      {"podIP", pod_ip},
      {"podIPs", json::array{json::object{{"ip", pod_ip}}}},
      {"startTime", stamp},
      {"conditions", json::array{condition("PodReadyToStartContainers"), condition("Initialized"),
                                 condition("Ready"), condition("ContainersReady"), condition("PodScheduled")}},
      {"containerStatuses", containers}};
  absl::Status started = client_
                             .Patch(PathOf("", "v1", "pods", ns, name, "status"),
                                    kube::PatchType::kMerge, json::object{{"status", status}})
                             .status();
  return absl::IsNotFound(started) ? absl::OkStatus() : started;
}

}  // namespace spillway::sim
