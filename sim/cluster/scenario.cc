#include "sim/cluster/scenario.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/yaml_json.h"
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

// Bounds that keep a typo or a hostile file from taking the machine.
constexpr size_t kMaxNodes = 100000;
constexpr size_t kMaxListEntries = 10000;  // Points of a curve, actions, workloads, windows.

// A map's keys must be among `known`: a typo ("stockOut") is refused by
// name instead of silently running without it.
absl::Status KnownKeys(const YAML::Node& node, const std::string& where, std::initializer_list<const char*> known) {
  if (!node) return absl::OkStatus();
  if (!node.IsMap()) return Field(where.empty() ? "scenario" : where, "must be a map");
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) {
      return Field(where.empty() ? key : absl::StrCat(where, ".", key),
                   absl::StrCat("unknown key (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// A sequence of at most kMaxListEntries (an absent one is empty).
absl::Status BoundedList(const YAML::Node& node, const std::string& where) {
  if (!node) return absl::OkStatus();
  if (!node.IsSequence()) return Field(where, "must be a list");
  if (node.size() > kMaxListEntries) return Field(where, absl::StrCat("at most ", kMaxListEntries, " entries"));
  return absl::OkStatus();
}

absl::Status ReadDuration(const YAML::Node& node, const std::string& where, absl::Duration* out) {
  if (!node) return absl::OkStatus();
  const std::string text = node.as<std::string>();
  if (!absl::ParseDuration(text, out)) return Field(where, absl::StrCat("\"", text, "\" is not a duration (90s, 2m)"));
  return absl::OkStatus();
}

absl::Status ReadNodes(const YAML::Node& groups, Scenario& scenario, int ecs_nodes) {
  std::vector<SimNode> ecs_templates;
  SPILLWAY_RETURN_IF_ERROR(BoundedList(groups, "nodes"));
  for (size_t g = 0; g < groups.size(); ++g) {
    const YAML::Node group = groups[g];
    const std::string where = absl::StrCat("nodes[", g, "]");
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(group, where, {"name", "count", "zone", "virtual", "cpu", "memory", "pods"}));
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
    if (node.cpu_milli < 0 || node.memory_bytes < 0 || node.pods < 0) {
      return Field(where, "cpu, memory and pods must not be negative");
    }
    const std::string name = group["name"].as<std::string>("");
    if (name.empty()) return Field(where + ".name", "required (\"{i}\" numbers the nodes of a group)");
    const int count = group["count"].as<int>(1);
    if (count < 1 || count > static_cast<int>(kMaxNodes)) return Field(where + ".count", "must be 1..100000");
    if (scenario.nodes.size() + count > kMaxNodes) {
      return Field(where + ".count", absl::StrCat("the scenario's nodes would pass ", kMaxNodes));
    }
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
  if (load && !load.IsMap()) return Field("load", "must be a map of HPA namespace/name to points");
  if (load.size() > kMaxListEntries) return Field("load", absl::StrCat("at most ", kMaxListEntries, " curves"));
  for (const auto& entry : load) {
    const std::string key = entry.first.as<std::string>();
    SPILLWAY_RETURN_IF_ERROR(BoundedList(entry.second, "load." + key));
    std::vector<LoadPoint>& curve = scenario.load[key];
    for (size_t i = 0; i < entry.second.size(); ++i) {
      LoadPoint point;
      const std::string where = absl::StrCat("load.", key, "[", i, "]");
      SPILLWAY_RETURN_IF_ERROR(KnownKeys(entry.second[i], where, {"at", "cores"}));
      if (absl::Status s = ReadDuration(entry.second[i]["at"], where + ".at", &point.at); !s.ok()) return s;
      point.cores = entry.second[i]["cores"].as<double>(0);
      if (point.cores < 0) return Field(where + ".cores", "must not be negative");
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
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(startup, "startup", {"ecs", "eciMin", "eciMax"}));
    for (auto [key, target] : {std::pair{"ecs", &scenario.ecs_startup}, std::pair{"eciMin", &scenario.eci_startup_min},
                               std::pair{"eciMax", &scenario.eci_startup_max}}) {
      if (absl::Status s = ReadDuration(startup[key], absl::StrCat("startup.", key), target); !s.ok()) return s;
    }
  }
  if (const YAML::Node hpa = Get(root, "hpa")) {
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(hpa, "hpa", {"syncPeriod"}));
    if (absl::Status s = ReadDuration(hpa["syncPeriod"], "hpa.syncPeriod", &scenario.hpa_sync_period); !s.ok()) {
      return s;
    }
  }
  SPILLWAY_RETURN_IF_ERROR(BoundedList(Get(root, "stockOuts"), "stockOuts"));
  SPILLWAY_RETURN_IF_ERROR(BoundedList(Get(root, "spillwayOutages"), "spillwayOutages"));
  for (size_t i = 0; i < Get(root, "stockOuts").size(); ++i) {
    const YAML::Node out = Get(root, "stockOuts")[i];
    const std::string where = absl::StrCat("stockOuts[", i, "]");
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(out, where, {"zone", "from", "until"}));
    StockOutWindow window{out["zone"].as<std::string>(""), absl::ZeroDuration(), scenario.duration};
    if (absl::Status s = ReadDuration(out["from"], where + ".from", &window.from); !s.ok()) return s;
    if (absl::Status s = ReadDuration(out["until"], where + ".until", &window.until); !s.ok()) return s;
    scenario.stock_outs.push_back(window);
  }
  for (size_t i = 0; i < Get(root, "spillwayOutages").size(); ++i) {
    const YAML::Node out = Get(root, "spillwayOutages")[i];
    Scenario::Outage outage{absl::ZeroDuration(), scenario.duration};
    const std::string where = absl::StrCat("spillwayOutages[", i, "]");
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(out, where, {"from", "until"}));
    if (absl::Status s = ReadDuration(out["from"], where + ".from", &outage.from); !s.ok()) return s;
    if (absl::Status s = ReadDuration(out["until"], where + ".until", &outage.until); !s.ok()) return s;
    if (outage.until <= outage.from) return Field(where, "until must be after from");
    scenario.spillway_outages.push_back(outage);
  }
  if (scenario.duration <= absl::ZeroDuration() || scenario.duration > absl::Hours(24)) {
    return Field("duration", "must be more than 0 and at most 24h");
  }
  // A tick of 1ns would busy-loop the machine.
  if (scenario.tick < absl::Milliseconds(10) || scenario.tick > absl::Minutes(1)) {
    return Field("tick", "must be 10ms..1m");
  }
  scenario.speed = Get(root, "speed").as<double>(1.0);
  if (!(scenario.speed >= 0.1 && scenario.speed <= 20)) return Field("speed", "must be 0.1..20");
  return absl::OkStatus();
}

absl::Status ReadWorkloads(const YAML::Node& workloads, Scenario& scenario) {
  SPILLWAY_RETURN_IF_ERROR(BoundedList(workloads, "workloads"));
  for (size_t i = 0; i < workloads.size(); ++i) {
    const YAML::Node w = workloads[i];
    const std::string where = absl::StrCat("workloads[", i, "]");
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(w, where, {"name", "namespace", "selector", "asked"}));
    ReportedWorkload workload{w["name"].as<std::string>(""), w["namespace"].as<std::string>("default"),
                              w["selector"].as<std::string>(""), w["asked"].as<std::string>("nothing")};
    if (workload.name.empty() || workload.selector.empty()) return Field(where, "name and selector are required");
    for (absl::string_view term : absl::StrSplit(workload.selector, ',')) {
      if (term.find('=') == absl::string_view::npos) return Field(where + ".selector", "must be k=v[,k=v]");
    }
    if (workload.asked != "nothing" && workload.asked != "ecs" && workload.asked != "burst" &&
        workload.asked != "eci" && workload.asked != "elastic") {
      return Field(where + ".asked", absl::StrCat("\"", workload.asked, "\" is not nothing, ecs, burst, eci or elastic"));
    }
    for (const ReportedWorkload& other : scenario.workloads) {
      if (other.name == workload.name) return Field(where + ".name", absl::StrCat("\"", workload.name, "\" twice"));
    }
    scenario.workloads.push_back(std::move(workload));
  }
  return absl::OkStatus();
}

// The object an action names: apiVersion, kind, namespace, name.
absl::Status ReadTarget(const YAML::Node& node, const std::string& where, ScenarioAction& action) {
  action.api_version = Get(node, "apiVersion").as<std::string>("");
  action.object_kind = Get(node, "kind").as<std::string>("");
  action.ns = Get(node, "namespace").as<std::string>("default");
  action.name = Get(node, "name").as<std::string>("");
  if (action.api_version.empty() || action.object_kind.empty() || action.name.empty()) {
    return Field(where, "apiVersion, kind and name are required");
  }
  return absl::OkStatus();
}

absl::StatusOr<ScenarioAction> ReadAction(const YAML::Node& node, const std::string& where) {
  SPILLWAY_RETURN_IF_ERROR(KnownKeys(node, where, {"at", "scale", "apply", "delete", "patch"}));
  ScenarioAction action;
  SPILLWAY_RETURN_IF_ERROR(ReadDuration(Get(node, "at"), where + ".at", &action.at));
  int kinds = 0;
  if (const YAML::Node scale = Get(node, "scale")) {
    ++kinds;
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(scale, where + ".scale", {"apiVersion", "kind", "namespace", "name", "replicas"}));
    SPILLWAY_RETURN_IF_ERROR(ReadTarget(scale, where + ".scale", action));
    action.replicas = Get(scale, "replicas").as<int>(-1);
    if (action.replicas < 0 || action.replicas > 100000) return Field(where + ".scale.replicas", "must be 0..100000");
  }
  for (auto [key, kind] : {std::pair{"apply", ScenarioAction::Kind::kApply},
                           std::pair{"delete", ScenarioAction::Kind::kDelete}}) {
    if (const YAML::Node manifest = Get(node, key)) {
      ++kinds;
      action.kind = kind;
      action.manifest = manifest.as<std::string>("");
      if (action.manifest.empty()) return Field(absl::StrCat(where, ".", key), "a manifest path is required");
    }
  }
  if (const YAML::Node patch = Get(node, "patch")) {
    ++kinds;
    action.kind = ScenarioAction::Kind::kPatch;
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(patch, where + ".patch", {"apiVersion", "kind", "namespace", "name", "merge"}));
    SPILLWAY_RETURN_IF_ERROR(ReadTarget(patch, where + ".patch", action));
    const YAML::Node merge = Get(patch, "merge");
    if (!merge.IsMap()) return Field(where + ".patch.merge", "a merge patch (a map) is required");
    SPILLWAY_RETURN_IF_ERROR(YamlToJson(merge, 1 << 20, &action.patch_json));
  }
  if (kinds != 1) return Field(where, "exactly one of scale, apply, delete or patch is required");
  return action;
}

absl::Status ReadActions(const YAML::Node& actions, Scenario& scenario) {
  SPILLWAY_RETURN_IF_ERROR(BoundedList(actions, "actions"));
  for (size_t i = 0; i < actions.size(); ++i) {
    SPILLWAY_ASSIGN_OR_RETURN(ScenarioAction action, ReadAction(actions[i], absl::StrCat("actions[", i, "]")));
    if (!scenario.actions.empty() && action.at < scenario.actions.back().at) {
      return Field(absl::StrCat("actions[", i, "].at"), "actions must be in time order");
    }
    scenario.actions.push_back(std::move(action));
  }
  return absl::OkStatus();
}

absl::Status ReadChecks(const YAML::Node& checks, Scenario& scenario) {
  if (!checks) return absl::OkStatus();
  SPILLWAY_RETURN_IF_ERROR(KnownKeys(checks, "checks", {"convergeWithin", "eciWhileEcsRoomWithin", "runWithin",
                                                        "eciPodsAtMost", "reach", "maxPodsCreated"}));
  ScenarioChecks& out = scenario.checks;
  SPILLWAY_RETURN_IF_ERROR(ReadDuration(checks["convergeWithin"], "checks.convergeWithin", &out.converge_within));
  SPILLWAY_RETURN_IF_ERROR(
      ReadDuration(checks["eciWhileEcsRoomWithin"], "checks.eciWhileEcsRoomWithin", &out.eci_while_ecs_room_within));
  SPILLWAY_RETURN_IF_ERROR(ReadDuration(checks["runWithin"], "checks.runWithin", &out.run_within));
  out.eci_pods_at_most = checks["eciPodsAtMost"].as<int>(-1);
  auto known = [&scenario](const std::string& name) {
    for (const ReportedWorkload& w : scenario.workloads) {
      if (w.name == name) return true;
    }
    return false;
  };
  SPILLWAY_RETURN_IF_ERROR(BoundedList(checks["reach"], "checks.reach"));
  // A const node's missing key is an invalid node, whose size() throws.
  const YAML::Node reaches = checks["reach"] ? checks["reach"] : YAML::Node(YAML::NodeType::Sequence);
  for (size_t i = 0; i < reaches.size(); ++i) {
    const YAML::Node r = reaches[i];
    const std::string where = absl::StrCat("checks.reach[", i, "]");
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(r, where, {"workload", "pods", "by"}));
    ScenarioChecks::Reach reach{Get(r, "workload").as<std::string>(""), Get(r, "pods").as<int>(-1), scenario.duration};
    SPILLWAY_RETURN_IF_ERROR(ReadDuration(Get(r, "by"), where + ".by", &reach.by));
    if (!known(reach.workload)) return Field(where + ".workload", "must name one of workloads");
    if (reach.pods < 0) return Field(where + ".pods", "required, at least 0");
    out.reach.push_back(reach);
  }
  if (const YAML::Node max = checks["maxPodsCreated"]) {
    if (!max.IsMap()) return Field("checks.maxPodsCreated", "must map workload names to counts");
    for (const auto& entry : max) {
      const std::string name = entry.first.as<std::string>();
      if (!known(name)) return Field("checks.maxPodsCreated." + name, "must name one of workloads");
      out.max_pods_created[name] = entry.second.as<int>();
    }
  }
  for (const auto& [what, bound] : {std::pair{"convergeWithin", out.converge_within},
                                    std::pair{"eciWhileEcsRoomWithin", out.eci_while_ecs_room_within},
                                    std::pair{"runWithin", out.run_within}}) {
    if (bound < absl::ZeroDuration()) return Field(absl::StrCat("checks.", what), "must not be negative");
  }
  return absl::OkStatus();
}

absl::Status ReadNodeGroup(const YAML::Node& node, const std::string& where, NodeGroup& group) {
  SPILLWAY_RETURN_IF_ERROR(KnownKeys(node, where, {"name", "zone", "cpu", "memory", "pods", "min", "max", "priority",
                                                   "pricePerHour"}));
  group.name = node["name"].as<std::string>("");
  if (group.name.empty()) return Field(where + ".name", "required (the node pool's id)");
  group.zone = node["zone"].as<std::string>("");
  absl::StatusOr<int64_t> cpu = kube::ParseQuantityMilli(node["cpu"].as<std::string>("4"));
  absl::StatusOr<int64_t> memory = kube::ParseQuantity(node["memory"].as<std::string>("16Gi"));
  if (!cpu.ok()) return Field(where + ".cpu", std::string(cpu.status().message()));
  if (!memory.ok()) return Field(where + ".memory", std::string(memory.status().message()));
  group.cpu_milli = *cpu;
  group.memory_bytes = *memory;
  group.pods = node["pods"].as<int64_t>(110);
  group.min = node["min"].as<int>(0);
  group.max = node["max"].as<int>(0);
  group.priority = node["priority"].as<int>(0);
  group.price_per_hour = node["pricePerHour"].as<double>(0);
  if (group.cpu_milli <= 0 || group.memory_bytes <= 0 || group.pods <= 0) {
    return Field(where, "cpu, memory and pods must be positive");
  }
  if (group.min < 0 || group.max < group.min || group.max > 1000) return Field(where, "needs 0 <= min <= max <= 1000");
  if (group.price_per_hour < 0) return Field(where + ".pricePerHour", "must not be negative");
  return absl::OkStatus();
}

absl::Status ReadNodeAutoscaling(const YAML::Node& node, Scenario& scenario) {
  if (!node) return absl::OkStatus();
  NodeAutoscaling& ca = scenario.node_autoscaling;
  SPILLWAY_RETURN_IF_ERROR(KnownKeys(node, "clusterAutoscaler",
                                     {"nodeGroups", "expander", "scanInterval", "provisioningDelay",
                                      "scaleDownUnneededTime", "scaleDownUtilizationThreshold"}));
  const std::string expander = node["expander"].as<std::string>("least-waste");
  if (expander == "priority") {
    ca.expander = Expander::kPriority;
  } else if (expander != "least-waste") {
    return Field("clusterAutoscaler.expander", absl::StrCat("\"", expander, "\" is not least-waste or priority"));
  }
  SPILLWAY_RETURN_IF_ERROR(ReadDuration(node["scanInterval"], "clusterAutoscaler.scanInterval", &ca.scan_interval));
  SPILLWAY_RETURN_IF_ERROR(
      ReadDuration(node["provisioningDelay"], "clusterAutoscaler.provisioningDelay", &ca.provisioning_delay));
  SPILLWAY_RETURN_IF_ERROR(ReadDuration(node["scaleDownUnneededTime"], "clusterAutoscaler.scaleDownUnneededTime",
                                        &ca.scale_down.unneeded_time));
  ca.scale_down.utilization_threshold = node["scaleDownUtilizationThreshold"].as<double>(0.5);
  if (ca.scan_interval < absl::Seconds(1)) return Field("clusterAutoscaler.scanInterval", "must be at least 1s");
  if (ca.provisioning_delay < absl::ZeroDuration() || ca.scale_down.unneeded_time < absl::ZeroDuration()) {
    return Field("clusterAutoscaler", "durations must not be negative");
  }
  if (ca.scale_down.utilization_threshold < 0 || ca.scale_down.utilization_threshold > 1) {
    return Field("clusterAutoscaler.scaleDownUtilizationThreshold", "must be within 0..1");
  }
  const YAML::Node groups = node["nodeGroups"];
  SPILLWAY_RETURN_IF_ERROR(BoundedList(groups, "clusterAutoscaler.nodeGroups"));
  for (size_t i = 0; i < groups.size(); ++i) {
    NodeGroup group;
    SPILLWAY_RETURN_IF_ERROR(ReadNodeGroup(groups[i], absl::StrCat("clusterAutoscaler.nodeGroups[", i, "]"), group));
    ca.groups.push_back(std::move(group));
  }
  if (ca.groups.empty()) return Field("clusterAutoscaler.nodeGroups", "at least one node group is required");
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
    SPILLWAY_RETURN_IF_ERROR(KnownKeys(root, "", {"name", "seed", "duration", "tick", "nodes", "startup", "hpa",
                                                  "stockOuts", "spillwayOutages", "schedulerConfig",
                                                  "spillwayConfig", "manifests", "load", "workloads", "actions",
                                                  "prices", "checks", "clusterAutoscaler", "speed"}));
    scenario.name = Get(root, "name").as<std::string>("scenario");
    scenario.seed = Get(root, "seed").as<uint64_t>(1);
    if (absl::Status s = ReadTimes(root, scenario); !s.ok()) return s;
    if (absl::Status s = ReadNodes(Get(root, "nodes"), scenario, ecs_nodes); !s.ok()) return s;
    if (absl::Status s = ReadLoad(Get(root, "load"), scenario); !s.ok()) return s;
    SPILLWAY_RETURN_IF_ERROR(BoundedList(Get(root, "manifests"), "manifests"));
    for (const YAML::Node& manifest : Get(root, "manifests")) scenario.manifests.push_back(manifest.as<std::string>());
    scenario.spillway_config = Get(root, "spillwayConfig").as<std::string>("");
    scenario.scheduler_config = Get(root, "schedulerConfig").as<std::string>("");
    SPILLWAY_RETURN_IF_ERROR(ReadWorkloads(Get(root, "workloads"), scenario));
    SPILLWAY_RETURN_IF_ERROR(ReadActions(Get(root, "actions"), scenario));
    if (const YAML::Node prices = Get(root, "prices")) {
      SPILLWAY_RETURN_IF_ERROR(KnownKeys(prices, "prices", {"eciVcpuSecond", "eciGibSecond", "ecsVcpuHour"}));
      scenario.prices = {prices["eciVcpuSecond"].as<double>(0), prices["eciGibSecond"].as<double>(0),
                         prices["ecsVcpuHour"].as<double>(0)};
    }
    SPILLWAY_RETURN_IF_ERROR(ReadChecks(Get(root, "checks"), scenario));
    SPILLWAY_RETURN_IF_ERROR(ReadNodeAutoscaling(Get(root, "clusterAutoscaler"), scenario));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  } catch (const std::bad_alloc&) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": too large once its aliases are expanded"));
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

std::string DescribeAction(const ScenarioAction& action) {
  switch (action.kind) {
    case ScenarioAction::Kind::kApply:
      return absl::StrCat("apply ", action.manifest);
    case ScenarioAction::Kind::kDelete:
      return absl::StrCat("delete ", action.manifest);
    case ScenarioAction::Kind::kScale:
      return absl::StrCat("scale ", action.object_kind, " ", action.ns, "/", action.name, " to ", action.replicas);
    case ScenarioAction::Kind::kPatch:
      return absl::StrCat("patch ", action.object_kind, " ", action.ns, "/", action.name, " ", action.patch_json);
  }
  return "";
}

std::string ScenarioPath(const Scenario& scenario, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return absl::StrCat(scenario.directory, "/", path);
}

}  // namespace spillway::sim
