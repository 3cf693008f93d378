// PodDisruptionBudgets as the eviction subresource honours them. A real
// cluster splits this between the disruption controller (which computes a
// budget's status from the pods it selects) and the eviction REST handler
// (which refuses with 429 when the budget allows no disruption); the
// embedded server has no controller, so it computes the status on each
// eviction (docs/embedded-api-server.md, "Evictions").
#ifndef SPILLWAY_SIM_APISERVER_DISRUPTION_H_
#define SPILLWAY_SIM_APISERVER_DISRUPTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "boost/json.hpp"

namespace spillway::sim {

struct BudgetStatus {
  int64_t expected_pods = 0;
  int64_t desired_healthy = 0;
  int64_t current_healthy = 0;
  int64_t disruptions_allowed = 0;
};

// The status a policy/v1 PodDisruptionBudget would have over `pods` (those
// of its namespace): expected = the non-terminal pods it selects, healthy =
// those Ready and not being deleted; minAvailable or maxUnavailable as a
// count or a percentage (rounded up, as the controller rounds).
BudgetStatus StatusOfBudget(const boost::json::object& budget, const std::vector<boost::json::object>& pods);

// Whether a policy/v1 budget selects a pod with these labels: an empty
// selector selects every pod of the namespace, a missing one none.
bool BudgetSelects(const boost::json::object& budget, const boost::json::object& pod);

struct EvictionVerdict {
  int code = 201;       // 201: delete the pod; 429 or 500: refused.
  std::string reason;   // "TooManyRequests", "InternalError".
  std::string message;
  std::string cause;    // The DisruptionBudget cause's message on a 429.
};

// The eviction of `pod`, given the budgets and pods of its namespace.
EvictionVerdict DecideEviction(const boost::json::object& pod, const std::vector<boost::json::object>& budgets,
                               const std::vector<boost::json::object>& pods);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_DISRUPTION_H_
