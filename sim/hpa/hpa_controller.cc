#include "sim/hpa/hpa_controller.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "kube/decode.h"
#include "kube/json_string_map.h"
#include "kube/label_selector.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

HpaScalingRules RulesOf(const json::object* behavior, const char* direction, HpaScalingRules rules) {
  const json::object* given = behavior == nullptr ? nullptr : json_fields::ObjectAt(*behavior, {direction});
  if (given == nullptr) return rules;
  if (const json::value* window = given->if_contains("stabilizationWindowSeconds");
      window != nullptr && window->is_int64()) {
    rules.stabilization_window_seconds = static_cast<int>(window->get_int64());
  }
  if (std::string select = json_fields::String(*given, "selectPolicy"); !select.empty()) {
    rules.select_policy = select;
  }
  if (const json::value* policies = given->if_contains("policies"); policies != nullptr && policies->is_array()) {
    rules.policies.clear();
    for (const json::value& p : policies->get_array()) {
      if (!p.is_object()) continue;
      const std::string type = json_fields::String(p.get_object(), "type");
      rules.policies.push_back({type == "Percent" ? HpaRule::Type::kPercent : HpaRule::Type::kPods,
                                static_cast<int>(json_fields::Int(p.get_object(), "value")),
                                static_cast<int>(json_fields::Int(p.get_object(), "periodSeconds"))});
    }
  }
  return rules;
}

// averageUtilization of the CPU Resource metric; 0 when there is none.
int CpuTarget(const json::object& hpa) {
  const json::value* metrics = json_fields::At(hpa, {"spec", "metrics"});
  if (metrics == nullptr || !metrics->is_array()) return 0;
  for (const json::value& metric : metrics->get_array()) {
    const json::value* name = json_fields::At(metric, {"resource", "name"});
    if (name != nullptr && name->is_string() && name->get_string() == "cpu") {
      return static_cast<int>(json_fields::IntAt(metric, {"resource", "target", "averageUtilization"}));
    }
  }
  return 0;
}

// The scale subresource of scaleTargetRef.
kube::ResourcePath ScalePath(const json::object& hpa) {
  const json::object* ref = json_fields::ObjectAt(hpa, {"spec", "scaleTargetRef"});
  const std::string api_version = ref == nullptr ? "" : json_fields::String(*ref, "apiVersion");
  std::vector<std::string> parts = absl::StrSplit(api_version, '/');
  const std::string group = parts.size() == 2 ? parts[0] : "";
  const std::string version = parts.empty() ? "v1" : parts.back();
  const std::string plural = absl::AsciiStrToLower(ref == nullptr ? "" : json_fields::String(*ref, "kind")) + "s";
  return PathOf(group, version, plural, NamespaceOf(hpa), ref == nullptr ? "" : json_fields::String(*ref, "name"),
                "scale");
}

using kube::LabelsOf;

}  // namespace

absl::Status HpaController::Sync() {
  const absl::Time now = clock_.Now();
  if (now - last_sync_ < options_.sync_period) return absl::OkStatus();
  last_sync_ = now;
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> hpas,
                            reader_.List(PathOf("autoscaling", "v2", "horizontalpodautoscalers")));
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> pods, reader_.List(PathOf("", "v1", "pods")));
  absl::Status first;
  for (const ObjectRef& hpa : hpas) {
    if (absl::Status s = SyncOne(*hpa, pods, now); !s.ok() && first.ok()) first = s;
  }
  return first;
}

absl::Status HpaController::SyncOne(const json::object& hpa, const std::vector<ObjectRef>& pods, absl::Time now) {
  const std::string key = absl::StrCat(NamespaceOf(hpa), "/", NameOf(hpa));
  const int target = CpuTarget(hpa);
  if (target <= 0) return absl::OkStatus();
  const kube::ResourcePath scale_path = ScalePath(hpa);
  SPILLWAY_ASSIGN_OR_RETURN(json::object scale, client_.Get(scale_path));
  const int current = static_cast<int>(json_fields::IntAt(scale, {"spec", "replicas"}));
  const json::object* scale_status = json_fields::ObjectAt(scale, {"status"});
  const std::string selector = scale_status == nullptr ? "" : json_fields::String(*scale_status, "selector");
  if (current == 0 || selector.empty()) return absl::OkStatus();  // Scaling is off, or no pods to measure yet.
  SPILLWAY_ASSIGN_OR_RETURN(const kube::LabelSelector matcher, kube::LabelSelector::Parse(selector));
  std::vector<int64_t> requests;
  int unready = 0;
  for (const ObjectRef& pod : pods) {
    const json::object& object = *pod;
    if (Terminating(object) || NamespaceOf(object) != NamespaceOf(hpa) || !matcher.Matches(LabelsOf(object))) continue;
    if (!ConditionTrue(object, "Ready")) {
      ++unready;
      continue;
    }
    absl::StatusOr<kube::Pod> parsed = kube::ParsePod(json::serialize(object));
    requests.push_back(parsed.ok() ? parsed->EffectiveRequests().cpu_milli : 0);
  }
  // The demand spreads evenly over the Ready pods.
  const double per_pod = requests.empty() ? 0 : load_(key, now) / requests.size();
  std::vector<double> usage;
  double total = 0;
  for (int64_t request : requests) {
    usage.push_back(request > 0 ? per_pod / request * 100 : 0);
    total += usage.back();
  }
  const int raw = ReplicasForUtilization(current, usage, unready, target);
  const json::object* behavior = json_fields::ObjectAt(hpa, {"spec", "behavior"});
  const int min_replicas = std::max<int>(1, json_fields::IntAt(hpa, {"spec", "minReplicas"}));
  const int max_replicas = static_cast<int>(json_fields::IntAt(hpa, {"spec", "maxReplicas"}));
  const int desired = NormalizeReplicas(current, raw, min_replicas, max_replicas,
                                        RulesOf(behavior, "scaleUp", DefaultScaleUp()),
                                        RulesOf(behavior, "scaleDown", DefaultScaleDown()), now, history_[key]);
  const int utilization = usage.empty() ? 0 : static_cast<int>(std::lround(total / usage.size()));
  samples_[key] = HpaSample{current, desired, utilization};
  json::object status{{"currentReplicas", current},
                      {"desiredReplicas", desired},
                      {"currentMetrics", json::array{json::object{
                                             {"type", "Resource"},
                                             {"resource", json::object{{"name", "cpu"},
                                                                       {"current", json::object{{"averageUtilization",
                                                                                                 utilization}}}}}}}}};
  if (desired != current) {
    SPILLWAY_RETURN_IF_ERROR(client_
                                 .Patch(scale_path, kube::PatchType::kMerge,
                                        json::object{{"spec", json::object{{"replicas", desired}}}})
                                 .status());
    status["lastScaleTime"] = KubeTime(now);
  }
  return client_
      .Patch(PathOf("autoscaling", "v2", "horizontalpodautoscalers", NamespaceOf(hpa), NameOf(hpa), "status"),
             kube::PatchType::kMerge, json::object{{"status", status}})
      .status();
}

}  // namespace spillway::sim
