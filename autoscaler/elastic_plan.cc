#include "autoscaler/elastic_plan.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace spillway::autoscaler {

namespace json = boost::json;

ElasticPlan PlanElasticWorkload(const ElasticWorkloadSpec& spec, const ReplicaSplit& split,
                                const std::vector<UnitObserved>& observed, int64_t source_available) {
  ElasticPlan plan;
  std::vector<int64_t> current;
  for (const UnitObserved& unit : observed) current.push_back(unit.exists ? unit.replicas : 0);
  const std::vector<int64_t> targets = UnitTargets(split, current, source_available);
  for (size_t i = 0; i < spec.units.size(); ++i) {
    UnitChange change;
    change.unit = spec.units[i].name;
    change.workload = UnitWorkloadName(spec.source_name, spec.units[i].name);
    const UnitObserved seen = i < observed.size() ? observed[i] : UnitObserved();
    change.from = seen.exists ? seen.replicas : 0;
    change.to = seen.exists ? targets[i] : split.units[i];
    if (!seen.exists) {
      change.kind = UnitChange::Kind::kCreate;
      change.event_reason = "UnitCreation";
      // As the ElasticWorkload document's Event reads: the unit workload's
      // name, <source>-unit-<unit> ("ElasticWorkloadUnit
      // nginx-deployment-basic-unit-virtual-kubelet created").
      change.event_message = absl::StrCat("ElasticWorkloadUnit ", change.workload, " created");
    } else if (change.from != change.to || !seen.template_matches) {
      change.kind = UnitChange::Kind::kUpdate;
      change.template_changed = !seen.template_matches;
      change.event_reason = "UnitUpdate";
      // The documented message, then Spillway's detail.
      change.event_message = absl::StrCat(
          "ElasticWorkloadUnit ", change.unit, " has been updated: ",
          change.from != change.to ? absl::StrCat("scale from ", change.from, " to ", change.to)
                                   : std::string("pod template changed"),
          change.from != change.to && change.template_changed ? ", pod template changed" : "");
    }
    plan.units.push_back(std::move(change));
  }
  plan.running = RunningReplicas(split);
  plan.summary = absl::StrCat("source ", split.source, ", units [", absl::StrJoin(split.units, ", "), "] of ",
                              spec.replicas);
  if (split.over_last_unit_max > 0) {
    absl::StrAppend(&plan.summary, "; ", split.over_last_unit_max,
                    " replicas exceed the last unit's max and stay pending there");
  }
  return plan;
}

json::object BuildUnitObject(const UnitWorkload& unit) {
  json::object spec = unit.source_spec;
  spec["replicas"] = unit.replicas;
  spec["template"] = unit.pod_template;
  json::value& selector = spec["selector"];
  if (!selector.is_object()) selector = json::object();
  json::value& match = selector.get_object()["matchLabels"];
  if (!match.is_object()) match = json::object();
  match.get_object()[kElasticWorkloadLabel] = unit.elastic_workload;
  match.get_object()[kElasticUnitLabel] = unit.unit;
  return json::object{
      {"apiVersion", unit.api_version},
      {"kind", unit.kind},
      {"metadata", json::object{{"name", unit.name},
                                {"namespace", unit.namespace_},
                                {"labels", json::object{{kElasticWorkloadLabel, unit.elastic_workload},
                                                        {kElasticUnitLabel, unit.unit}}},
                                {"ownerReferences", json::array{json::object{
                                                        {"apiVersion", "autoscaling.alibabacloud.com/v1beta1"},
                                                        {"kind", "ElasticWorkload"},
                                                        {"name", unit.elastic_workload},
                                                        {"uid", unit.owner_uid},
                                                        {"controller", true},
                                                        {"blockOwnerDeletion", true}}}}}},
      {"spec", std::move(spec)}};
}

}  // namespace spillway::autoscaler
