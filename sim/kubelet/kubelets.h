// The node agents of the simulated cluster. One kubelet stand-in per ECS
// node: registers the Node (allocatable, Ready, zone labels), renews its
// Lease, and runs each pod bound to it after the scenario's start-up delay
// (Running, Ready, IPs, container statuses). One virtual-kubelet stand-in
// per virtual node (label type=virtual-kubelet, taint
// virtual-kubelet.io/provider=alibabacloud:NoSchedule, allocatable from
// ECI_QUOTA_*): every bound pod becomes an "ECI" that starts after its own
// delay and gets k8s.aliyun.com/eci-instance-id and eci-instance-spec; while
// its zone is out of stock the pod stays Pending and a Warning NoStock
// Event says so, worded as the virtual kubelet words it
// (docs/eci-rules.md §6, docs/simulated-cluster.md).
// Admission of resources is the scheduler's; the kubelets trust bindings.
// Not thread-safe: one caller. A pass writes the statuses of the pods it
// starts several at a time (sim/cluster/parallel_writes.h), as separate
// kubelets would, and records the outcomes in pod order.
#ifndef SPILLWAY_SIM_KUBELET_KUBELETS_H_
#define SPILLWAY_SIM_KUBELET_KUBELETS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "common/clock.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/object_memo.h"
#include "sim/cluster/stand_in.h"

namespace spillway::sim {

struct SimNode {
  std::string name;
  std::string zone;  // topology.kubernetes.io/zone
  bool is_virtual = false;
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 110;
  // Labels beyond the hostname, OS and zone ones (a node pool's
  // alibabacloud.com/nodepool-id).
  std::map<std::string, std::string> labels = {};
};

// The label of a node pool's nodes (ACK's); the kubelets stand-in adopts every
// Node that carries it (the cluster-autoscaler stand-in registers them).
inline constexpr char kNodePoolLabel[] = "alibabacloud.com/nodepool-id";

// The Node a kubelet registers for `node` at `now` (virtual-kubelet's labels
// and taint for a virtual node).
boost::json::object SimNodeObject(const SimNode& node, absl::Time now);

// A zone whose ECI stock is gone in [from, until).
struct StockOut {
  std::string zone;
  absl::Time from;
  absl::Time until;
};

struct KubeletOptions {
  absl::Duration ecs_startup = absl::Seconds(2);
  absl::Duration eci_startup_min = absl::Seconds(5);
  absl::Duration eci_startup_max = absl::Seconds(10);
  std::vector<StockOut> stock_outs;
  uint64_t seed = 1;
};

// The text virtual-kubelet puts in `k8s.aliyun.com/eci-instance-spec` for a
// pod requesting `cpu_milli` and `memory_bytes`: "<cores>-<GiB>Gi" with one
// decimal (at least 0.25 vCPU and 0.5 GiB, ECI's smallest).
std::string EciInstanceSpec(int64_t cpu_milli, int64_t memory_bytes);

// The address of the n-th pod the kubelets start (n from 1), on a virtual
// node or not: 10.<100|200>.x.y, 250 to an x, the second octet growing once
// x would pass 255 (the first 64,000 as they always were).
std::string SimPodIp(bool on_virtual_node, int64_t n);
// The address of the n-th ECS node the kubelets know (n from 0):
// 192.168.x.y, 240 to an x, the second octet growing once x would pass 255.
std::string SimHostIp(int64_t n);

class Kubelets : public StandIn {
 public:
  // Writes through `client`, reads pods through `reader`; all must outlive
  // this object.
  Kubelets(kube::RestClient& client, ClusterReader& reader, Clock& clock, std::vector<SimNode> nodes,
           KubeletOptions options);

  // Creates the Nodes (and the kube-node-lease namespace) once.
  absl::Status Register();

  // One pass: adopts the Nodes of node pools registered since (and forgets
  // those deleted), starts the pods whose delay has passed, reports
  // stock-outs, renews the Leases every 10 s.
  absl::Status Sync() override;

  // Whether `zone` is out of ECI stock at `at`.
  bool OutOfStock(const std::string& zone, absl::Time at) const;

 private:
  // A pod whose start is due this pass, with what its status will say
  // (addresses drawn in pod order, so a run does not depend on which write
  // finishes first).
  struct PodStart {
    const boost::json::object* pod;
    const SimNode* node;
    std::string uid;
    std::string pod_ip;
  };
  // Whether `pod` starts this pass; reports a stock-out on the way.
  absl::StatusOr<bool> Due(const boost::json::object& pod, const SimNode& node, const std::string& uid);
  absl::Status ReportNoStock(const boost::json::object& pod, const SimNode& node);
  // Writes the pod's Running status (thread-safe: reads only what the pass
  // does not change).
  absl::Status StartPod(const PodStart& start, const std::string& stamp) const;
  // Gives a node first seen now the next SimHostIp.
  void AddHost(const std::string& name);
  absl::Status RenewLeases();
  absl::Status AdoptNodePoolNodes();

  kube::RestClient& client_;
  ClusterReader& reader_;
  Clock& clock_;
  std::map<std::string, SimNode, std::less<>> nodes_;
  KubeletOptions options_;
  std::map<std::string, absl::Time> eligible_since_;  // pod uid -> when it could start
  std::set<std::string> reported_;                     // pod uids told NoStock
  std::set<std::string, std::less<>> started_;                      // pod uids started
  int ip_counter_ = 0;
  std::map<std::string, std::string, std::less<>> host_ips_;  // node -> its address
  int hosts_ = 0;
  // What a pass reads of a pod, once per pod version (ObjectMemo).
  struct PodFacts {
    bool waiting = false;  // Pending (or no phase yet) and not terminating.
    std::string node;      // spec.nodeName, when waiting.
    std::string uid;       // When waiting.
  };
  ObjectMemo<PodFacts> pods_;
  std::map<std::string, absl::Time> lease_due_;  // node -> next renewal
  std::set<std::string> adopted_;                 // Node pool nodes, by name.
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_KUBELET_KUBELETS_H_
