// The ElasticWorkload spec (docs/eci-rules.md §8) and how it splits replicas:
// parsing with readable errors for bad specs, and the pure split function the
// controller applies. No I/O.
#ifndef SPILLWAY_AUTOSCALER_ELASTIC_SPEC_H_
#define SPILLWAY_AUTOSCALER_ELASTIC_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json.hpp"

namespace spillway::autoscaler {

struct ElasticUnitSpec {
  std::string name;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  boost::json::object labels;
  boost::json::object annotations;
  boost::json::object node_selector;
  boost::json::array tolerations;
  std::optional<boost::json::value> affinity;
};

struct ElasticWorkloadSpec {
  std::string source_name;
  std::string source_kind;  // "Deployment" or "StatefulSet"
  std::string source_api_version = "apps/v1";
  int64_t min = 0;
  std::optional<int64_t> max;  // Unset: the source takes everything.
  int64_t replicas = 0;
  std::vector<ElasticUnitSpec> units;
};

// Reads `spec` of an ElasticWorkload. InvalidArgument with a message for the
// user: unknown source kind, missing source name, negative counts, min > max,
// duplicate or empty unit names, wrong types.
absl::StatusOr<ElasticWorkloadSpec> ParseElasticWorkloadSpec(const boost::json::value& spec);

struct ReplicaSplit {
  int64_t source = 0;
  std::vector<int64_t> units;  // In spec order.
  // Replicas the last unit holds beyond its max (they stay pending there).
  int64_t over_last_unit_max = 0;
};

// The source keeps between min and max replicas (never below min, even when
// the desired total is lower: min is the baseline kept on regular nodes);
// the rest fills the units in order, each up to its max; what exceeds every
// max goes to the last unit. A unit's min is likewise its floor. With no
// unit, the source takes all.
ReplicaSplit SplitReplicas(const ElasticWorkloadSpec& spec);

// The replicas each unit is set to now, given the split and what runs:
// make-before-break — while the source has fewer available replicas than its
// share, the units keep (in order) up to that shortfall beyond their own
// share, so moving replicas back to regular nodes never drops capacity.
// `current_units[i]` is unit i's present replica count (0 when it does not
// exist yet).
std::vector<int64_t> UnitTargets(const ReplicaSplit& split, const std::vector<int64_t>& current_units,
                                 int64_t source_available);

// What runs under the split (source and units): what status.replicas says,
// which an HPA computes from (more than spec.replicas when a min floor holds).
int64_t RunningReplicas(const ReplicaSplit& split);

// <source-name>-unit-<unit-name>, e.g. nginx-deployment-basic-unit-virtual-kubelet.
std::string UnitWorkloadName(const std::string& source, const std::string& unit);

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_ELASTIC_SPEC_H_
