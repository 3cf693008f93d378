// The simulated cluster's HorizontalPodAutoscaler controller: every sync
// period, for each autoscaling/v2 HPA with a CPU Utilization target, it
// reads the target's scale subresource (a Deployment, StatefulSet or any
// custom resource with one, such as an ElasticWorkload), the pods its
// status.selector picks, and their CPU use from the scenario's load curve
// (the workload's demand divided evenly over its Ready pods), then sets
// replicas with hpa_algorithm.h and writes the HPA's status
// (docs/simulated-cluster.md). Not thread-safe: one caller.
#ifndef SPILLWAY_SIM_HPA_HPA_CONTROLLER_H_
#define SPILLWAY_SIM_HPA_HPA_CONTROLLER_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "common/clock.h"
#include "kube/rest_client.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/stand_in.h"
#include "sim/hpa/hpa_algorithm.h"

namespace spillway::sim {

// CPU demand, in millicores, of the workload the HPA `namespace/name`
// scales, at a time.
using LoadFunction = std::function<double(const std::string& hpa_key, absl::Time at)>;

// What one sync decided for one HPA (for the progress view and the report).
struct HpaSample {
  int current = 0;
  int desired = 0;
  int utilization = 0;  // Average over Ready pods, percent of requests.
};

class HpaController : public StandIn {
 public:
  struct Options {
    absl::Duration sync_period = absl::Seconds(15);  // --horizontal-pod-autoscaler-sync-period
  };

  // Writes (and reads scale subresources) through `client`, reads HPAs and
  // pods through `reader`; all must outlive the controller.
  HpaController(kube::RestClient& client, ClusterReader& reader, Clock& clock, LoadFunction load, Options options)
      : client_(client), reader_(reader), clock_(clock), load_(std::move(load)), options_(options) {}

  // Syncs every HPA when a sync period has passed since the last sync.
  absl::Status Sync() override;

  // The last sync's view of each HPA, by namespace/name.
  const std::map<std::string, HpaSample>& samples() const { return samples_; }

 private:
  absl::Status SyncOne(const boost::json::object& hpa, const std::vector<ObjectRef>& pods, absl::Time now);

  kube::RestClient& client_;
  ClusterReader& reader_;
  Clock& clock_;
  LoadFunction load_;
  Options options_;
  absl::Time last_sync_ = absl::InfinitePast();
  std::map<std::string, HpaHistory> history_;
  std::map<std::string, HpaSample> samples_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_HPA_HPA_CONTROLLER_H_
