#include "sim/cluster/scenario.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/files.h"
#include "kube/quantity.h"
#include "yaml-cpp/yaml.h"

namespace spillway::sim {
namespace {

// node[key], or an undefined node when `node` is not a map or lacks `key`:
// yaml-cpp throws on sizing a missing child of a const node, and reads a
// null node as the string "null".
YAML::Node Get(const YAML::Node& node, const char* key) {
  if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = node[key];
  return child ? child : YAML::Node(YAML::NodeType::Undefined);
}

absl::Status Field(const std::string& where, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
}

absl::Status ReadDuration(const YAML::Node& node, const std::string& where, absl::Duration* out) {
  if (!node) return absl::OkStatus();
  const std::string text = node.as<std::string>();
  if (!absl::ParseDuration(text, out)) return Field(where, absl::StrCat("\"", text, "\" is not a duration (90s, 2m)"));
  return absl::OkStatus();
}

absl::Status ReadNodes(const YAML::Node& groups, Scenario& scenario, int ecs_nodes) {
  std::vector<SimNode> ecs_templates;
  for (size_t g = 0; g < groups.size(); ++g) {
    const YAML::Node group = groups[g];
    const std::string where = absl::StrCat("nodes[", g, "]");
    SimNode node;
    node.zone = group["zone"].as<std::string>("");
    node.is_virtual = group["virtual"].as<bool>(false);
    absl::StatusOr<int64_t> cpu = kube::ParseQuantityMilli(group["cpu"].as<std::string>(node.is_virtual ? "1000000" : "4"));
    absl::StatusOr<int64_t> memory = kube::ParseQuantity(group["memory"].as<std::string>(node.is_virtual ? "6400Ti" : "16Gi"));
    if (!cpu.ok()) return Field(where + ".cpu", std::string(cpu.status().message()));
    if (!memory.ok()) return Field(where + ".memory", std::string(memory.status().message()));
    node.cpu_milli = *cpu;
    node.memory_bytes = *memory;
    node.pods = group["pods"].as<int64_t>(node.is_virtual ? 10000 : 110);
    const std::string name = group["name"].as<std::string>("");
    if (name.empty()) return Field(where + ".name", "required (\"{i}\" numbers the nodes of a group)");
    const int count = group["count"].as<int>(1);
    if (count < 1 || count > 100000) return Field(where + ".count", "must be 1..100000");
    for (int i = 0; i < count; ++i) {
      node.name = absl::StrReplaceAll(name, {{"{i}", std::to_string(i + 1)}});
      if (!node.is_virtual && ecs_nodes > 0) {
        ecs_templates.push_back(node);
        break;
      }
      scenario.nodes.push_back(node);
    }
  }
  // --nodes: that many ECS nodes, dealt round-robin over the ECS groups.
  for (int i = 0; i < ecs_nodes && !ecs_templates.empty(); ++i) {
    SimNode node = ecs_templates[i % ecs_templates.size()];
    node.name = absl::StrCat("cn-hangzhou.10.0.", i / 250, ".", i % 250 + 1);
    scenario.nodes.push_back(node);
  }
  return absl::OkStatus();
}

absl::Status ReadLoad(const YAML::Node& load, Scenario& scenario) {
  for (const auto& entry : load) {
    const std::string key = entry.first.as<std::string>();
    std::vector<LoadPoint>& curve = scenario.load[key];
    for (size_t i = 0; i < entry.second.size(); ++i) {
      LoadPoint point;
      const std::string where = absl::StrCat("load.", key, "[", i, "]");
      if (absl::Status s = ReadDuration(entry.second[i]["at"], where + ".at", &point.at); !s.ok()) return s;
      point.cores = entry.second[i]["cores"].as<double>(0);
      if (!curve.empty() && point.at < curve.back().at) return Field(where + ".at", "points must be in time order");
      curve.push_back(point);
    }
  }
  return absl::OkStatus();
}

absl::Status ReadTimes(const YAML::Node& root, Scenario& scenario) {
  for (auto [key, target] : {std::pair{"duration", &scenario.duration}, std::pair{"tick", &scenario.tick}}) {
    if (absl::Status s = ReadDuration(root[key], key, target); !s.ok()) return s;
  }
  // (yaml-cpp throws on indexing a missing node: test each level.)
  if (const YAML::Node startup = Get(root, "startup")) {
    for (auto [key, target] : {std::pair{"ecs", &scenario.ecs_startup}, std::pair{"eciMin", &scenario.eci_startup_min},
                               std::pair{"eciMax", &scenario.eci_startup_max}}) {
      if (absl::Status s = ReadDuration(startup[key], absl::StrCat("startup.", key), target); !s.ok()) return s;
    }
  }
  if (const YAML::Node hpa = Get(root, "hpa")) {
    if (absl::Status s = ReadDuration(hpa["syncPeriod"], "hpa.syncPeriod", &scenario.hpa_sync_period); !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < Get(root, "stockOuts").size(); ++i) {
    const YAML::Node out = Get(root, "stockOuts")[i];
    StockOutWindow window{out["zone"].as<std::string>(""), absl::ZeroDuration(), scenario.duration};
    const std::string where = absl::StrCat("stockOuts[", i, "]");
    if (absl::Status s = ReadDuration(out["from"], where + ".from", &window.from); !s.ok()) return s;
    if (absl::Status s = ReadDuration(out["until"], where + ".until", &window.until); !s.ok()) return s;
    scenario.stock_outs.push_back(window);
  }
  for (size_t i = 0; i < Get(root, "spillwayOutages").size(); ++i) {
    const YAML::Node out = Get(root, "spillwayOutages")[i];
    Scenario::Outage outage{absl::ZeroDuration(), scenario.duration};
    const std::string where = absl::StrCat("spillwayOutages[", i, "]");
    if (absl::Status s = ReadDuration(out["from"], where + ".from", &outage.from); !s.ok()) return s;
    if (absl::Status s = ReadDuration(out["until"], where + ".until", &outage.until); !s.ok()) return s;
    if (outage.until <= outage.from) return Field(where, "until must be after from");
    scenario.spillway_outages.push_back(outage);
  }
  if (scenario.tick <= absl::ZeroDuration() || scenario.duration <= absl::ZeroDuration()) {
    return Field("tick/duration", "must be positive");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Scenario> LoadScenario(const std::string& path, int ecs_nodes) {
  absl::StatusOr<std::string> text = ReadRegularFile(path, 1 << 20, "scenario");
  if (!text.ok()) return text.status();
  Scenario scenario;
  const size_t slash = path.rfind('/');
  scenario.directory = slash == std::string::npos ? "." : path.substr(0, slash);
  try {
    const YAML::Node root = YAML::Load(*text);
    scenario.name = Get(root, "name").as<std::string>("scenario");
    scenario.seed = Get(root, "seed").as<uint64_t>(1);
    if (absl::Status s = ReadTimes(root, scenario); !s.ok()) return s;
    if (absl::Status s = ReadNodes(Get(root, "nodes"), scenario, ecs_nodes); !s.ok()) return s;
    if (absl::Status s = ReadLoad(Get(root, "load"), scenario); !s.ok()) return s;
    for (const YAML::Node& manifest : Get(root, "manifests")) scenario.manifests.push_back(manifest.as<std::string>());
    scenario.spillway_config = Get(root, "spillwayConfig").as<std::string>("");
    scenario.scheduler_config = Get(root, "schedulerConfig").as<std::string>("");
    for (const YAML::Node& w : Get(root, "workloads")) {
      scenario.workloads.push_back({w["name"].as<std::string>(""), w["namespace"].as<std::string>("default"),
                                    w["selector"].as<std::string>(""), w["asked"].as<std::string>("nothing")});
    }
    for (size_t i = 0; i < Get(root, "actions").size(); ++i) {
      const YAML::Node scale = Get(Get(root, "actions")[i], "scale");
      ScaleAction action{absl::ZeroDuration(), scale["apiVersion"].as<std::string>(""), scale["kind"].as<std::string>(""),
                         scale["namespace"].as<std::string>("default"), scale["name"].as<std::string>(""),
                         scale["replicas"].as<int>(-1)};
      const std::string where = absl::StrCat("actions[", i, "]");
      if (absl::Status s = ReadDuration(Get(Get(root, "actions")[i], "at"), where + ".at", &action.at); !s.ok()) return s;
      if (action.kind.empty() || action.name.empty() || action.replicas < 0) {
        return Field(where + ".scale", "apiVersion, kind, name and replicas >= 0 are required");
      }
      scenario.actions.push_back(action);
    }
    if (const YAML::Node prices = Get(root, "prices")) {
      scenario.prices = {prices["eciVcpuSecond"].as<double>(0), prices["eciGibSecond"].as<double>(0),
                         prices["ecsVcpuHour"].as<double>(0)};
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  if (scenario.nodes.empty()) return Field(path, "nodes: at least one node is required");
  if (scenario.scheduler_config.empty()) return Field(path, "schedulerConfig: required");
  return scenario;
}

double LoadAt(const std::vector<LoadPoint>& curve, absl::Duration t) {
  if (curve.empty()) return 0;
  if (t <= curve.front().at) return curve.front().cores;
  for (size_t i = 1; i < curve.size(); ++i) {
    if (t <= curve[i].at) {
      const double span = absl::ToDoubleSeconds(curve[i].at - curve[i - 1].at);
      const double part = span <= 0 ? 1 : absl::ToDoubleSeconds(t - curve[i - 1].at) / span;
      return curve[i - 1].cores + (curve[i].cores - curve[i - 1].cores) * part;
    }
  }
  return curve.back().cores;
}

std::string ScenarioPath(const Scenario& scenario, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return absl::StrCat(scenario.directory, "/", path);
}

}  // namespace spillway::sim
