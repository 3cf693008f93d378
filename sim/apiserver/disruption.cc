#include "sim/apiserver/disruption.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/json_fields.h"
#include "sim/apiserver/selectors.h"

namespace spillway::sim {
namespace json = boost::json;

namespace {

std::string PhaseOf(const json::object& pod) {
  const json::object* status = json_fields::ObjectAt(pod, {"status"});
  return status == nullptr ? "" : json_fields::String(*status, "phase");
}

bool BeingDeleted(const json::object& pod) {
  const json::object* meta = json_fields::ObjectAt(pod, {"metadata"});
  return meta != nullptr && meta->contains("deletionTimestamp");
}

bool Terminal(const json::object& pod) {
  const std::string phase = PhaseOf(pod);
  return phase == "Succeeded" || phase == "Failed";
}

bool Healthy(const json::object& pod) {
  if (BeingDeleted(pod)) return false;
  const json::object* status = json_fields::ObjectAt(pod, {"status"});
  const json::value* conditions = status == nullptr ? nullptr : status->if_contains("conditions");
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const json::value& condition : conditions->get_array()) {
    if (condition.is_object() && json_fields::String(condition.get_object(), "type") == "Ready") {
      return json_fields::String(condition.get_object(), "status") == "True";
    }
  }
  return false;
}

// An IntOrString of a budget: a count, or a percentage of `total` rounded up.
int64_t Resolve(const json::value& value, int64_t total) {
  if (value.is_int64() || value.is_uint64()) return value.to_number<int64_t>();
  if (!value.is_string()) return 0;
  const std::string owned(value.get_string());
  absl::string_view text = owned;
  int64_t percent = 0;
  if (!absl::ConsumeSuffix(&text, "%") || !absl::SimpleAtoi(text, &percent)) return 0;
  return (percent * total + 99) / 100;
}

}  // namespace

bool BudgetSelects(const json::object& budget, const json::object& pod) {
  const json::object* spec = json_fields::ObjectAt(budget, {"spec"});
  const json::value* selector = spec == nullptr ? nullptr : spec->if_contains("selector");
  if (selector == nullptr || !selector->is_object()) return false;
  absl::StatusOr<kube::LabelSelector> parsed = SelectorOf(selector);
  if (!parsed.ok()) return false;
  const json::object* labels = json_fields::ObjectAt(pod, {"metadata", "labels"});
  return parsed->Matches(labels == nullptr ? kube::StringMap() : LabelsIn(*labels));
}

BudgetStatus StatusOfBudget(const json::object& budget, const std::vector<json::object>& pods) {
  BudgetStatus status;
  for (const json::object& pod : pods) {
    if (Terminal(pod) || !BudgetSelects(budget, pod)) continue;
    ++status.expected_pods;
    if (Healthy(pod)) ++status.current_healthy;
  }
  const json::object* spec = json_fields::ObjectAt(budget, {"spec"});
  const json::value* min_available = spec == nullptr ? nullptr : spec->if_contains("minAvailable");
  const json::value* max_unavailable = spec == nullptr ? nullptr : spec->if_contains("maxUnavailable");
  if (max_unavailable != nullptr && !max_unavailable->is_null()) {
    status.desired_healthy = std::max<int64_t>(0, status.expected_pods - Resolve(*max_unavailable, status.expected_pods));
  } else if (min_available != nullptr && !min_available->is_null()) {
    status.desired_healthy = Resolve(*min_available, status.expected_pods);
  }
  status.disruptions_allowed = std::max<int64_t>(0, status.current_healthy - status.desired_healthy);
  return status;
}

EvictionVerdict DecideEviction(const json::object& pod, const std::vector<json::object>& budgets,
                               const std::vector<json::object>& pods) {
  EvictionVerdict verdict;
  // Pods that are not running yet, finished or already going need no budget.
  const std::string phase = PhaseOf(pod);
  if (phase == "Pending" || Terminal(pod) || BeingDeleted(pod)) return verdict;
  const json::object* budget = nullptr;
  for (const json::object& candidate : budgets) {
    if (!BudgetSelects(candidate, pod)) continue;
    if (budget != nullptr) {
      verdict.code = 500;
      verdict.reason = "InternalError";
      verdict.message = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
      return verdict;
    }
    budget = &candidate;
  }
  if (budget == nullptr) return verdict;
  const BudgetStatus status = StatusOfBudget(*budget, pods);
  if (!Healthy(pod)) {
    // An unready pod may go while the budget is met (IfHealthyBudget, the
    // default) or always (AlwaysAllow).
    const json::object* spec = json_fields::ObjectAt(*budget, {"spec"});
    if (spec != nullptr && json_fields::String(*spec, "unhealthyPodEvictionPolicy") == "AlwaysAllow") return verdict;
    if (status.current_healthy >= status.desired_healthy && status.desired_healthy > 0) return verdict;
  }
  if (status.disruptions_allowed > 0) return verdict;
  const json::object* meta = json_fields::ObjectAt(*budget, {"metadata"});
  verdict.code = 429;
  verdict.reason = "TooManyRequests";
  verdict.message = "Cannot evict pod as it would violate the pod's disruption budget.";
  verdict.cause = absl::StrCat("The disruption budget ", meta == nullptr ? "" : json_fields::String(*meta, "name"),
                               " needs ", status.desired_healthy, " healthy pods and has ", status.current_healthy,
                               " currently");
  return verdict;
}

}  // namespace spillway::sim
