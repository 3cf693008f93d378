#include "sim/cluster/compare.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/files.h"
#include "common/yaml_json.h"
#include "yaml-cpp/yaml.h"

namespace spillway::sim {
namespace {

constexpr char kBurstAnnotation[] = "alibabacloud.com/burst-resource";

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Removes the burst annotation from `metadata` (a map or nothing).
void DropBurst(YAML::Node metadata) {
  if (!metadata.IsMap() || !metadata["annotations"].IsMap()) return;
  metadata["annotations"].remove(kBurstAnnotation);
}

absl::StatusOr<std::string> WithoutBurst(const std::string& text, const std::string& path) {
  try {
    std::string out;
    for (YAML::Node doc : YAML::LoadAll(text)) {
      if (!doc.IsMap()) continue;
      DropBurst(doc["metadata"]);
      if (doc["spec"].IsMap() && doc["spec"]["template"].IsMap()) DropBurst(doc["spec"]["template"]["metadata"]);
      // As JSON (valid YAML): a YAML emitter would drop the quotes that keep
      // "1" or "true" strings.
      std::string rendered;
      if (absl::Status s = YamlToJson(doc, 4 * text.size() + 4096, &rendered); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
      }
      absl::StrAppend(&out, "---\n", rendered, "\n");
    }
    return out;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

absl::StatusOr<std::string> WithoutRepatriation(const std::string& text, const std::string& path) {
  try {
    YAML::Node config = text.empty() ? YAML::Node(YAML::NodeType::Map) : YAML::Load(text);
    if (!config.IsMap()) return absl::InvalidArgumentError(absl::StrCat(path, ": not a map"));
    YAML::Node repatriation = config["autoscaler"]["repatriation"];
    repatriation["enabled"] = false;
    if (repatriation["capacityRequests"].IsMap()) repatriation["capacityRequests"]["enabled"] = false;
    std::string rendered;
    if (absl::Status s = YamlToJson(config, 4 * text.size() + 4096, &rendered); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
    }
    return rendered + "\n";
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
}

}  // namespace

absl::string_view VariantName(Variant variant) {
  switch (variant) {
    case Variant::kBridge:
      return "bridge";
    case Variant::kEciAlone:
      return "eci-alone";
    case Variant::kNodeAutoscalerAlone:
      return "node-autoscaler-alone";
  }
  return "unknown";
}

absl::StatusOr<Scenario> ScenarioFor(const Scenario& scenario, Variant variant, const std::string& work_dir) {
  Scenario out = scenario;
  if (variant == Variant::kBridge) return out;
  const std::string name(VariantName(variant));
  std::string config;
  if (!scenario.spillway_config.empty()) {
    const std::string path = ScenarioPath(scenario, scenario.spillway_config);
    absl::StatusOr<std::string> text = ReadRegularFile(path, 1 << 20, "spillwayConfig");
    if (!text.ok()) return text.status();
    config = *std::move(text);
  }
  absl::StatusOr<std::string> without = WithoutRepatriation(config, scenario.spillway_config);
  if (!without.ok()) return without.status();
  out.spillway_config = absl::StrCat(work_dir, "/spillway-config-", name, ".yaml");
  if (absl::Status s = WriteFile(out.spillway_config, *without); !s.ok()) return s;
  if (variant != Variant::kNodeAutoscalerAlone) return out;
  out.manifests.clear();
  for (size_t i = 0; i < scenario.manifests.size(); ++i) {
    const std::string path = ScenarioPath(scenario, scenario.manifests[i]);
    absl::StatusOr<std::string> text = ReadRegularFile(path, 4 << 20, "manifest");
    if (!text.ok()) return text.status();
    absl::StatusOr<std::string> stripped = WithoutBurst(*text, path);
    if (!stripped.ok()) return stripped.status();
    out.manifests.push_back(absl::StrCat(work_dir, "/manifest-", i, "-", name, ".yaml"));
    if (absl::Status s = WriteFile(out.manifests.back(), *stripped); !s.ok()) return s;
  }
  for (ReportedWorkload& workload : out.workloads) {
    if (workload.asked == "burst") workload.asked = "nothing";
  }
  return out;
}

std::string CompareTable(const std::vector<VariantResult>& results) {
  std::string out = absl::StrFormat("  %-34s", "");
  for (const VariantResult& r : results) absl::StrAppendFormat(&out, " %22s", VariantName(r.variant));
  absl::StrAppend(&out, "\n");
  auto row = [&](const std::string& what, const std::function<std::string(const SimulationResult&)>& value) {
    absl::StrAppendFormat(&out, "  %-34s", what);
    for (const VariantResult& r : results) absl::StrAppendFormat(&out, " %22s", value(r.result));
    absl::StrAppend(&out, "\n");
  };
  auto money = [](double dollars) { return absl::StrFormat("$%.4f", dollars); };
  row("pending p50 / p99", [](const SimulationResult& r) {
    return absl::StrFormat("%.1f s / %.1f s", r.summary.pending_p50_seconds, r.summary.pending_p99_seconds);
  });
  row("ECI vCPU-seconds", [](const SimulationResult& r) { return absl::StrFormat("%.0f", r.summary.eci_vcpu_seconds); });
  row("ECI cost", [&](const SimulationResult& r) { return money(r.summary.eci_cost); });
  row("ECS node-hours", [](const SimulationResult& r) { return absl::StrFormat("%.2f", r.summary.ecs_node_hours); });
  row("node-pool cost", [&](const SimulationResult& r) { return money(r.summary.node_pool_cost); });
  row("ECI + node-pool cost", [&](const SimulationResult& r) {
    return money(r.summary.eci_cost + r.summary.node_pool_cost);
  });
  row("pods moved home / flaps", [](const SimulationResult& r) {
    return absl::StrCat(r.summary.moves_home, " / ", r.summary.flaps);
  });
  row("checks held", [](const SimulationResult& r) {
    int held = 0;
    for (const InvariantCheck& check : r.checks) held += check.held ? 1 : 0;
    return absl::StrCat(held, " of ", r.checks.size());
  });
  return out;
}

}  // namespace spillway::sim
