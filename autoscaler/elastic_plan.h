// What the ElasticWorkload controller does in one pass, decided by pure
// functions over what it read (docs/eci-rules.md §8): which units to create
// or update (replicas by the split and make-before-break, a template that
// changed) with the Events users match on, and the unit objects themselves,
// built from typed structs. ElasticWorkloadController reads, plans with these,
// and applies.
#ifndef SPILLWAY_AUTOSCALER_ELASTIC_PLAN_H_
#define SPILLWAY_AUTOSCALER_ELASTIC_PLAN_H_

#include <string>
#include <vector>

#include "autoscaler/elastic_spec.h"
#include "boost/json.hpp"

namespace spillway::autoscaler {

// The labels that make a unit's selector its own.
inline constexpr char kElasticWorkloadLabel[] = "autoscaling.alibabacloud.com/elastic-workload";
inline constexpr char kElasticUnitLabel[] = "autoscaling.alibabacloud.com/elastic-unit";

// A unit workload as read.
struct UnitObserved {
  bool exists = false;
  int64_t replicas = 0;
  bool template_matches = false;  // Its pod template is the desired one.
};

struct UnitChange {
  enum class Kind { kNone, kCreate, kUpdate };
  Kind kind = Kind::kNone;
  std::string unit;      // The elasticUnit's name, e.g. virtual-kubelet.
  std::string workload;  // Its Deployment/StatefulSet, <source>-unit-<unit>.
  int64_t from = 0;      // Replicas now (0 when created).
  int64_t to = 0;        // Replicas to set.
  bool template_changed = false;
  // The Event it records (empty reason: none), worded as the documentation
  // shows ("ElasticWorkloadUnit <unit> created", "... has been updated").
  std::string event_reason;
  std::string event_message;
};

struct ElasticPlan {
  std::vector<UnitChange> units;  // In spec order, one per unit.
  int64_t running = 0;            // status.replicas (RunningReplicas).
  // "source 4, units [2] of 6[; N replicas exceed ...]": the Ready message.
  std::string summary;
};

// `observed` is parallel to spec.units.
ElasticPlan PlanElasticWorkload(const ElasticWorkloadSpec& spec, const ReplicaSplit& split,
                                const std::vector<UnitObserved>& observed, int64_t source_available);

// A unit workload to create.
struct UnitWorkload {
  std::string api_version;  // The source's, e.g. apps/v1.
  std::string kind;         // Deployment or StatefulSet.
  std::string namespace_;
  std::string name;             // <source>-unit-<unit>
  std::string elastic_workload;  // The owner's name.
  std::string owner_uid;
  std::string unit;  // The elasticUnit's name.
  int64_t replicas = 0;
  boost::json::object source_spec;   // The source's spec (strategy, serviceName, ...).
  boost::json::object pod_template;  // The unit's template (UnitTemplate).
};

// The unit's object: the source's spec with its replicas, template and a
// selector of its own (the workload and unit labels), owned by the
// ElasticWorkload (controller, blockOwnerDeletion).
boost::json::object BuildUnitObject(const UnitWorkload& unit);

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_ELASTIC_PLAN_H_
