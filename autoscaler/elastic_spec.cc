#include "autoscaler/elastic_spec.h"

#include "common/status_macros.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// Reads an optional non-negative integer field.
absl::Status ReadCount(const json::object& object, const char* key, const std::string& path,
                       std::optional<int64_t>* out) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return absl::OkStatus();
  if (!v->is_int64() && !v->is_uint64()) return Invalid(absl::StrCat(path, key, " must be an integer"));
  const int64_t n = v->to_number<int64_t>();
  if (n < 0) return Invalid(absl::StrCat(path, key, " must not be negative (it is ", n, ")"));
  *out = n;
  return absl::OkStatus();
}

// parent[key]: absent is empty; anything but a map of strings (labels,
// annotations, nodeSelector) is an error naming the field.
absl::StatusOr<json::object> StringMapAt(const json::object& parent, const char* key, const std::string& path) {
  const json::value* v = parent.if_contains(key);
  if (v == nullptr || v->is_null()) return json::object();
  if (!v->is_object()) return Invalid(absl::StrCat(path, key, " must be a map of strings"));
  for (const auto& entry : v->get_object()) {
    if (!entry.value().is_string()) {
      return Invalid(absl::StrCat(path, key, ".", std::string(entry.key()), " must be a string"));
    }
  }
  return v->get_object();
}

}  // namespace

absl::StatusOr<ElasticWorkloadSpec> ParseElasticWorkloadSpec(const json::value& spec_value) {
  if (!spec_value.is_object()) return Invalid("spec is missing");
  const json::object& spec = spec_value.get_object();
  ElasticWorkloadSpec out;
  const json::value* source_value = spec.if_contains("sourceTarget");
  if (source_value == nullptr || !source_value->is_object()) return Invalid("spec.sourceTarget is missing");
  const json::object& source = source_value->get_object();
  const json::value* name = source.if_contains("name");
  if (name == nullptr || !name->is_string() || name->get_string().empty()) {
    return Invalid("spec.sourceTarget.name is missing");
  }
  out.source_name = std::string(name->get_string());
  const json::value* kind = source.if_contains("kind");
  out.source_kind = kind != nullptr && kind->is_string() ? std::string(kind->get_string()) : "";
  if (out.source_kind != "Deployment" && out.source_kind != "StatefulSet") {
    return Invalid(absl::StrCat("spec.sourceTarget.kind \"", out.source_kind,
                                "\" is not supported; use Deployment or StatefulSet"));
  }
  if (const json::value* v = source.if_contains("apiVersion"); v != nullptr && v->is_string()) {
    out.source_api_version = std::string(v->get_string());
  }
  std::optional<int64_t> min;
  if (absl::Status s = ReadCount(source, "min", "spec.sourceTarget.", &min); !s.ok()) return s;
  if (absl::Status s = ReadCount(source, "max", "spec.sourceTarget.", &out.max); !s.ok()) return s;
  out.min = min.value_or(0);
  if (out.max.has_value() && out.min > *out.max) {
    return Invalid(absl::StrCat("spec.sourceTarget.min (", out.min, ") is greater than max (", *out.max, ")"));
  }
  std::optional<int64_t> replicas;
  if (absl::Status s = ReadCount(spec, "replicas", "spec.", &replicas); !s.ok()) return s;
  out.replicas = replicas.value_or(out.min);
  std::set<std::string> names;
  if (const json::value* units = spec.if_contains("elasticUnit"); units != nullptr && !units->is_null()) {
    if (!units->is_array()) return Invalid("spec.elasticUnit must be a list");
    for (size_t i = 0; i < units->get_array().size(); ++i) {
      const json::value& unit_value = units->get_array()[i];
      const std::string path = absl::StrCat("spec.elasticUnit[", i, "].");
      if (!unit_value.is_object()) return Invalid(path + " must be an object");
      const json::object& unit = unit_value.get_object();
      ElasticUnitSpec parsed;
      const json::value* unit_name = unit.if_contains("name");
      if (unit_name == nullptr || !unit_name->is_string() || unit_name->get_string().empty()) {
        return Invalid(path + "name is missing");
      }
      parsed.name = std::string(unit_name->get_string());
      if (!names.insert(parsed.name).second) {
        return Invalid(absl::StrCat("spec.elasticUnit: the name \"", parsed.name, "\" is used twice"));
      }
      if (absl::Status s = ReadCount(unit, "min", path, &parsed.min); !s.ok()) return s;
      if (absl::Status s = ReadCount(unit, "max", path, &parsed.max); !s.ok()) return s;
      if (parsed.min.has_value() && parsed.max.has_value() && *parsed.min > *parsed.max) {
        return Invalid(absl::StrCat(path, "min (", *parsed.min, ") is greater than max (", *parsed.max, ")"));
      }
      SPILLWAY_ASSIGN_OR_RETURN(parsed.labels, StringMapAt(unit, "labels", path));
      SPILLWAY_ASSIGN_OR_RETURN(parsed.annotations, StringMapAt(unit, "annotations", path));
      SPILLWAY_ASSIGN_OR_RETURN(parsed.node_selector, StringMapAt(unit, "nodeSelector", path));
      if (const json::value* t = unit.if_contains("tolerations"); t != nullptr && !t->is_null()) {
        if (!t->is_array()) return Invalid(absl::StrCat(path, "tolerations must be a list"));
        for (const json::value& toleration : t->get_array()) {
          if (!toleration.is_object()) return Invalid(absl::StrCat(path, "tolerations must be a list of objects"));
        }
        parsed.tolerations = t->get_array();
      }
      if (const json::value* a = unit.if_contains("affinity"); a != nullptr && !a->is_null()) {
        if (!a->is_object()) return Invalid(absl::StrCat(path, "affinity must be an object"));
        parsed.affinity = *a;
      }
      out.units.push_back(std::move(parsed));
    }
  }
  return out;
}

ReplicaSplit SplitReplicas(const ElasticWorkloadSpec& spec) {
  ReplicaSplit split;
  const int64_t cap = spec.units.empty() ? spec.replicas : spec.max.value_or(spec.replicas);
  split.source = std::max(spec.min, std::min(spec.replicas, cap));
  int64_t remaining = std::max<int64_t>(0, spec.replicas - split.source);
  for (size_t i = 0; i < spec.units.size(); ++i) {
    const bool last = i + 1 == spec.units.size();
    int64_t share = remaining;
    if (!last && spec.units[i].max.has_value()) share = std::min(share, *spec.units[i].max);
    if (last && spec.units[i].max.has_value() && share > *spec.units[i].max) {
      split.over_last_unit_max = share - *spec.units[i].max;
    }
    remaining -= share;
    // A unit's min is its floor, as the source's is: kept even when the
    // overflow is smaller (capacity held warm on ECI).
    split.units.push_back(std::max(share, spec.units[i].min.value_or(0)));
  }
  return split;
}

std::string UnitWorkloadName(const std::string& source, const std::string& unit) {
  return absl::StrCat(source, "-unit-", unit);
}

std::vector<int64_t> UnitTargets(const ReplicaSplit& split, const std::vector<int64_t>& current_units,
                                 int64_t source_available) {
  int64_t keep_extra = std::max<int64_t>(0, split.source - source_available);
  std::vector<int64_t> targets;
  for (size_t i = 0; i < split.units.size(); ++i) {
    int64_t target = split.units[i];
    const int64_t current = i < current_units.size() ? current_units[i] : 0;
    if (current > target && keep_extra > 0) {
      const int64_t kept = std::min(keep_extra, current - target);
      target += kept;
      keep_extra -= kept;
    }
    targets.push_back(target);
  }
  return targets;
}

int64_t RunningReplicas(const ReplicaSplit& split) {
  int64_t running = split.source;
  for (int64_t unit : split.units) running += unit;
  return running;
}

}  // namespace spillway::autoscaler
