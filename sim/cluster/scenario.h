// A scenario of the simulated cluster (testdata/scenarios/*.yaml): the
// nodes and zones, the start-up delays, stock-outs and Spillway outages, the
// manifests to apply (workloads, HPAs), each HPA's load curve, the
// cluster-autoscaler's node groups, a user's
// actions (scale, apply, delete, patch), the workloads to report on and what
// they asked for, prices, the checks' bounds and goals, duration and seed.
// Read strictly: an unknown key is an error, and sizes are bounded. Format
// in docs/simulated-cluster.md. Plain data; thread-compatible.
#ifndef SPILLWAY_SIM_CLUSTER_SCENARIO_H_
#define SPILLWAY_SIM_CLUSTER_SCENARIO_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sim/kubelet/kubelets.h"
#include "sim/nodeautoscaler/scale_plan.h"

namespace spillway::sim {

struct LoadPoint {
  absl::Duration at;
  double cores = 0;
};

// A workload the report follows: its pods are those `selector` picks.
struct ReportedWorkload {
  std::string name;
  std::string ns = "default";
  std::string selector;  // k=v[,k=v]
  // What its pods asked for, each checked by an invariant (invariants.h):
  // "nothing" or "ecs" (never on a virtual node), "burst" (ECI only while
  // ECS is full), "eci" (never on a regular node), "elastic" (an
  // ElasticWorkload: its source on ECS up to a max, the rest on ECI).
  std::string asked = "nothing";
};

struct StockOutWindow {
  std::string zone;
  absl::Duration from;
  absl::Duration until;
};

// What a user does at a point in time: `kubectl scale` of any object with a
// scale subresource, `kubectl apply -f` or `delete -f` of a manifest, or a
// merge patch of one object.
struct ScenarioAction {
  enum class Kind { kScale, kApply, kDelete, kPatch };
  Kind kind = Kind::kScale;
  absl::Duration at;
  // kScale and kPatch: the object.
  std::string api_version;  // apps/v1, autoscaling.alibabacloud.com/v1beta1
  std::string object_kind;
  std::string ns = "default";
  std::string name;
  int replicas = 0;        // kScale
  std::string manifest;    // kApply, kDelete: a path, relative to the scenario
  std::string patch_json;  // kPatch: a JSON merge patch
};

struct Prices {
  double eci_vcpu_second = 0;  // pay-as-you-go ECI, per vCPU-second
  double eci_gib_second = 0;   // per GiB-second
  double ecs_vcpu_hour = 0;    // an always-on ECS vCPU, per hour
};

// The bounds of the invariants and what a scenario expects of itself.
struct ScenarioChecks {
  absl::Duration converge_within = absl::Seconds(30);
  absl::Duration eci_while_ecs_room_within = absl::Seconds(60);
  absl::Duration run_within = absl::Seconds(60);
  int eci_pods_at_most = -1;  // -1: no ECI quota to check.
  struct Reach {
    std::string workload;
    int pods = 0;
    absl::Duration by;
  };
  std::vector<Reach> reach;
  std::map<std::string, int> max_pods_created;  // By workload name.
};

struct Scenario {
  std::string name;
  std::string directory;  // Where the scenario file is; relative paths start here.
  uint64_t seed = 1;
  absl::Duration duration = absl::Seconds(90);
  absl::Duration tick = absl::Milliseconds(250);
  // The speed `spillway sim` runs it at unless --speed says otherwise: a
  // scenario whose spillwayConfig divides its durations by it (Spillway's
  // timers run on real time) names it here.
  double speed = 1.0;
  std::vector<SimNode> nodes;
  absl::Duration ecs_startup = absl::Seconds(2);
  absl::Duration eci_startup_min = absl::Seconds(5);
  absl::Duration eci_startup_max = absl::Seconds(10);
  absl::Duration hpa_sync_period = absl::Seconds(15);
  std::vector<StockOutWindow> stock_outs;
  // When `spillway serve` is stopped (a crash, a bad rollout): its ports
  // refuse connections, as a Service with no ready endpoint does.
  struct Outage {
    absl::Duration from;
    absl::Duration until;
  };
  std::vector<Outage> spillway_outages;
  std::vector<std::string> manifests;       // Paths, applied in order.
  std::string spillway_config;              // `spillway serve --config`
  std::string scheduler_config;             // A KubeSchedulerConfiguration
  std::map<std::string, std::vector<LoadPoint>> load;  // HPA namespace/name -> curve
  std::vector<ReportedWorkload> workloads;
  std::vector<ScenarioAction> actions;
  Prices prices;
  ScenarioChecks checks;
  NodeAutoscaling node_autoscaling;
};

// Reads and checks a scenario. `ecs_nodes` > 0 replaces the number of ECS
// nodes (spread over the zones of the file's ECS node groups). Errors name
// the file and field.
absl::StatusOr<Scenario> LoadScenario(const std::string& path, int ecs_nodes = 0);

// The curve's value at `t`: linear between points, flat outside them.
double LoadAt(const std::vector<LoadPoint>& curve, absl::Duration t);

// How an action reads in the report: "apply web-v2.yaml", "scale
// Deployment default/web to 4".
std::string DescribeAction(const ScenarioAction& action);

// A path of the scenario resolved against its directory (absolute kept).
std::string ScenarioPath(const Scenario& scenario, const std::string& path);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_CLUSTER_SCENARIO_H_
