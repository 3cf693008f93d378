#include "sim/apiserver/tables.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/json_fields.h"

namespace spillway::sim {
namespace json = boost::json;

namespace {

const json::object& Empty() {
  static const auto* const kEmpty = new json::object();
  return *kEmpty;
}

const json::object& Obj(const json::object& object, const char* key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_object() ? value->get_object() : Empty();
}

const json::array& Arr(const json::object& object, const char* key) {
  static const auto* const kNone = new json::array();
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? value->get_array() : *kNone;
}

std::string Str(const json::object& object, const char* key) { return json_fields::String(object, key); }
int64_t Int(const json::object& object, const char* key) { return json_fields::Int(object, key); }

std::string OrNone(std::string text) { return text.empty() ? "<none>" : text; }

std::string Age(const json::object& object, absl::Time now) {
  absl::Time created;
  std::string error;
  const std::string text = Str(Obj(object, "metadata"), "creationTimestamp");
  if (!absl::ParseTime(absl::RFC3339_full, text, &created, &error)) return "<unknown>";
  return HumanDuration(now - created);
}

// The containers and images of a pod template, and a workload's selector.
std::string Containers(const json::object& pod_spec, const char* field) {
  std::vector<std::string> out;
  for (const json::value& c : Arr(pod_spec, "containers")) {
    if (c.is_object()) out.push_back(Str(c.get_object(), field));
  }
  return absl::StrJoin(out, ",");
}

std::string Selector(const json::object& spec) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : Obj(Obj(spec, "selector"), "matchLabels")) {
    if (value.is_string()) parts.push_back(absl::StrCat(std::string(key), "=", std::string(value.get_string())));
  }
  return OrNone(absl::StrJoin(parts, ","));
}

// A pod's STATUS as kubectl prints it: the phase, or the pod's reason, or a
// container's waiting / terminated reason; Terminating while being deleted.
std::string PodStatus(const json::object& pod) {
  const json::object& status = Obj(pod, "status");
  std::string reason = Str(status, "phase");
  if (!Str(status, "reason").empty()) reason = Str(status, "reason");
  for (const json::value& c : Arr(status, "containerStatuses")) {
    if (!c.is_object()) continue;
    const json::object& state = Obj(c.get_object(), "state");
    const json::object& waiting = Obj(state, "waiting");
    const json::object& terminated = Obj(state, "terminated");
    if (!Str(waiting, "reason").empty()) {
      reason = Str(waiting, "reason");
    } else if (!Str(terminated, "reason").empty()) {
      reason = Str(terminated, "reason");
    } else if (!terminated.empty()) {
      reason = Int(terminated, "signal") != 0 ? absl::StrCat("Signal:", Int(terminated, "signal"))
                                               : absl::StrCat("ExitCode:", Int(terminated, "exitCode"));
    }
  }
  if (Obj(pod, "metadata").contains("deletionTimestamp") && reason != "NodeLost") return "Terminating";
  return reason.empty() ? "Pending" : reason;
}

json::array PodCells(const json::object& pod, absl::Time now) {
  const json::object& spec = Obj(pod, "spec");
  const json::object& status = Obj(pod, "status");
  int64_t ready = 0;
  int64_t restarts = 0;
  for (const json::value& c : Arr(status, "containerStatuses")) {
    if (!c.is_object()) continue;
    const json::value* r = c.get_object().if_contains("ready");
    if (r != nullptr && r->is_bool() && r->get_bool()) ++ready;
    restarts += Int(c.get_object(), "restartCount");
  }
  std::string gates = "<none>";
  if (!Arr(spec, "readinessGates").empty()) {
    int64_t met = 0;
    for (const json::value& gate : Arr(spec, "readinessGates")) {
      if (!gate.is_object()) continue;
      for (const json::value& condition : Arr(status, "conditions")) {
        if (condition.is_object() && Str(condition.get_object(), "type") == Str(gate.get_object(), "conditionType") &&
            Str(condition.get_object(), "status") == "True") {
          ++met;
        }
      }
    }
    gates = absl::StrCat(met, "/", Arr(spec, "readinessGates").size());
  }
  return json::array{absl::StrCat(ready, "/", Arr(spec, "containers").size()), PodStatus(pod),
                     std::to_string(restarts), Age(pod, now), OrNone(Str(status, "podIP")),
                     OrNone(Str(spec, "nodeName")), OrNone(Str(status, "nominatedNodeName")), gates};
}

json::array NodeCells(const json::object& node, absl::Time now) {
  const json::object& status = Obj(node, "status");
  std::string ready = "Unknown";
  for (const json::value& c : Arr(status, "conditions")) {
    if (c.is_object() && Str(c.get_object(), "type") == "Ready") {
      ready = Str(c.get_object(), "status") == "True" ? "Ready" : "NotReady";
    }
  }
  const json::value* unschedulable = Obj(node, "spec").if_contains("unschedulable");
  if (unschedulable != nullptr && unschedulable->is_bool() && unschedulable->get_bool()) {
    ready += ",SchedulingDisabled";
  }
  std::vector<std::string> roles;
  for (const auto& [key, value] : Obj(Obj(node, "metadata"), "labels")) {
    const std::string label(key);
    if (absl::StartsWith(label, "node-role.kubernetes.io/")) {
      roles.push_back(label.substr(sizeof("node-role.kubernetes.io/") - 1));
    } else if (label == "kubernetes.io/role" && value.is_string()) {
      roles.emplace_back(value.get_string());
    }
  }
  std::string internal_ip, external_ip;
  for (const json::value& a : Arr(status, "addresses")) {
    if (!a.is_object()) continue;
    if (Str(a.get_object(), "type") == "InternalIP" && internal_ip.empty()) internal_ip = Str(a.get_object(), "address");
    if (Str(a.get_object(), "type") == "ExternalIP" && external_ip.empty()) external_ip = Str(a.get_object(), "address");
  }
  const json::object& info = Obj(status, "nodeInfo");
  return json::array{ready, OrNone(absl::StrJoin(roles, ",")), Age(node, now), Str(info, "kubeletVersion"),
                     OrNone(internal_ip), OrNone(external_ip), OrNone(Str(info, "osImage")),
                     OrNone(Str(info, "kernelVersion")), OrNone(Str(info, "containerRuntimeVersion"))};
}

json::array DeploymentCells(const json::object& deployment, absl::Time now) {
  const json::object& spec = Obj(deployment, "spec");
  const json::object& status = Obj(deployment, "status");
  const json::object& pod_spec = Obj(Obj(spec, "template"), "spec");
  return json::array{absl::StrCat(Int(status, "readyReplicas"), "/", Int(spec, "replicas")),
                     Int(status, "updatedReplicas"), Int(status, "availableReplicas"), Age(deployment, now),
                     Containers(pod_spec, "name"), Containers(pod_spec, "image"), Selector(spec)};
}

json::array ReplicaSetCells(const json::object& set, absl::Time now) {
  const json::object& spec = Obj(set, "spec");
  const json::object& status = Obj(set, "status");
  const json::object& pod_spec = Obj(Obj(spec, "template"), "spec");
  return json::array{Int(spec, "replicas"), Int(status, "replicas"), Int(status, "readyReplicas"), Age(set, now),
                     Containers(pod_spec, "name"), Containers(pod_spec, "image"), Selector(spec)};
}

json::array EventCells(const json::object& event, absl::Time now) {
  const json::object& involved = Obj(event, "involvedObject");
  std::string seen = Str(event, "lastTimestamp");
  if (seen.empty()) seen = Str(event, "eventTime");
  absl::Time at;
  std::string error;
  const std::string last_seen =
      absl::ParseTime(absl::RFC3339_full, seen, &at, &error) ? HumanDuration(now - at) : "<unknown>";
  std::string kind = Str(involved, "kind");
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return json::array{last_seen, Str(event, "type"), Str(event, "reason"),
                     absl::StrCat(kind, "/", Str(involved, "name")), Str(event, "message")};
}

json::array ServiceCells(const json::object& service, absl::Time now) {
  const json::object& spec = Obj(service, "spec");
  const std::string type = Str(spec, "type").empty() ? "ClusterIP" : Str(spec, "type");
  std::vector<std::string> ports;
  for (const json::value& p : Arr(spec, "ports")) {
    if (!p.is_object()) continue;
    const json::object& port = p.get_object();
    const std::string protocol = Str(port, "protocol").empty() ? "TCP" : Str(port, "protocol");
    ports.push_back(Int(port, "nodePort") > 0
                        ? absl::StrCat(Int(port, "port"), ":", Int(port, "nodePort"), "/", protocol)
                        : absl::StrCat(Int(port, "port"), "/", protocol));
  }
  std::vector<std::string> external;
  for (const json::value& ip : Arr(spec, "externalIPs")) {
    if (ip.is_string()) external.emplace_back(ip.get_string());
  }
  for (const json::value& ingress : Arr(Obj(Obj(service, "status"), "loadBalancer"), "ingress")) {
    if (ingress.is_object() && !Str(ingress.get_object(), "ip").empty()) external.push_back(Str(ingress.get_object(), "ip"));
  }
  std::string external_ip = absl::StrJoin(external, ",");
  if (external_ip.empty()) external_ip = type == "LoadBalancer" ? "<pending>" : "<none>";
  if (type == "ExternalName") external_ip = Str(spec, "externalName");
  std::vector<std::string> selector;
  for (const auto& [key, value] : Obj(spec, "selector")) {
    if (value.is_string()) selector.push_back(absl::StrCat(std::string(key), "=", std::string(value.get_string())));
  }
  return json::array{type, OrNone(Str(spec, "clusterIP")), external_ip, OrNone(absl::StrJoin(ports, ",")),
                     Age(service, now), OrNone(absl::StrJoin(selector, ","))};
}

json::array ConfigMapCells(const json::object& map, absl::Time now) {
  return json::array{static_cast<int64_t>(Obj(map, "data").size() + Obj(map, "binaryData").size()), Age(map, now)};
}

json::array SecretCells(const json::object& secret, absl::Time now) {
  const std::string type = Str(secret, "type").empty() ? "Opaque" : Str(secret, "type");
  return json::array{type, static_cast<int64_t>(Obj(secret, "data").size()), Age(secret, now)};
}

json::array NamespaceCells(const json::object& space, absl::Time now) {
  return json::array{Str(Obj(space, "status"), "phase"), Age(space, now)};
}

struct Printer {
  std::vector<TableColumn> columns;
  json::array (*cells)(const json::object&, absl::Time);
};

const std::map<std::pair<std::string, std::string>, Printer>& Printers() {
  static const auto* const kPrinters = new std::map<std::pair<std::string, std::string>, Printer>{
      {{"", "Pod"},
       {{{"Ready", "string"}, {"Status", "string"}, {"Restarts", "string"}, {"Age", "string"},
         {"IP", "string", 1}, {"Node", "string", 1}, {"Nominated Node", "string", 1},
         {"Readiness Gates", "string", 1}},
        PodCells}},
      {{"", "Node"},
       {{{"Status", "string"}, {"Roles", "string"}, {"Age", "string"}, {"Version", "string"},
         {"Internal-IP", "string", 1}, {"External-IP", "string", 1}, {"OS-Image", "string", 1},
         {"Kernel-Version", "string", 1}, {"Container-Runtime", "string", 1}},
        NodeCells}},
      {{"apps", "Deployment"},
       {{{"Ready", "string"}, {"Up-to-date", "integer"}, {"Available", "integer"}, {"Age", "string"},
         {"Containers", "string", 1}, {"Images", "string", 1}, {"Selector", "string", 1}},
        DeploymentCells}},
      {{"apps", "ReplicaSet"},
       {{{"Desired", "integer"}, {"Current", "integer"}, {"Ready", "integer"}, {"Age", "string"},
         {"Containers", "string", 1}, {"Images", "string", 1}, {"Selector", "string", 1}},
        ReplicaSetCells}},
      {{"", "Event"},
       {{{"Last Seen", "string"}, {"Type", "string"}, {"Reason", "string"}, {"Object", "string"},
         {"Message", "string"}},
        EventCells}},
      {{"", "Service"},
       {{{"Type", "string"}, {"Cluster-IP", "string"}, {"External-IP", "string"}, {"Port(s)", "string"},
         {"Age", "string"}, {"Selector", "string", 1}},
        ServiceCells}},
      {{"", "ConfigMap"}, {{{"Data", "integer"}, {"Age", "string"}}, ConfigMapCells}},
      {{"", "Secret"}, {{{"Type", "string"}, {"Data", "integer"}, {"Age", "string"}}, SecretCells}},
      {{"", "Namespace"}, {{{"Status", "string"}, {"Age", "string"}}, NamespaceCells}},
  };
  return *kPrinters;
}

}  // namespace

const std::vector<TableColumn>* BuiltinColumns(const std::string& group, const std::string& kind) {
  auto it = Printers().find({group, kind});
  return it == Printers().end() ? nullptr : &it->second.columns;
}

json::array BuiltinCells(const std::string& group, const std::string& kind, const json::object& object,
                         absl::Time now) {
  auto it = Printers().find({group, kind});
  return it == Printers().end() ? json::array() : it->second.cells(object, now);
}

namespace {

// One step of a printer column's path: a field, then what to take of it.
struct PathStep {
  std::string field;
  enum class Take { kValue, kEvery, kIndex, kFilter } take = Take::kValue;
  size_t index = 0;
  std::string filter_key;  // @.filter_key == filter_value
  std::string filter_value;
};

// Splits ".a.b[*].c[?(@.type==\"Ready\")].d" into steps; dots inside a
// filter's brackets do not split.
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> steps;
  std::string current;
  int depth = 0;
  for (char c : path) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == '.' && depth == 0) {
      if (!current.empty()) steps.push_back(std::move(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty()) steps.push_back(std::move(current));
  return steps;
}

PathStep ParseStep(absl::string_view text) {
  PathStep step;
  const size_t open = text.find('[');
  step.field = std::string(text.substr(0, open));
  if (open == absl::string_view::npos || text.back() != ']') return step;
  absl::string_view inside = text.substr(open + 1, text.size() - open - 2);
  if (inside == "*") {
    step.take = PathStep::Take::kEvery;
  } else if (absl::ConsumePrefix(&inside, "?(@.") && absl::ConsumeSuffix(&inside, ")")) {
    const size_t equals = inside.find("==");
    if (equals == absl::string_view::npos) return step;
    step.take = PathStep::Take::kFilter;
    step.filter_key = std::string(absl::StripAsciiWhitespace(inside.substr(0, equals)));
    absl::string_view value = absl::StripAsciiWhitespace(inside.substr(equals + 2));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    step.filter_value = std::string(value);
  } else if (absl::SimpleAtoi(inside, &step.index)) {
    step.take = PathStep::Take::kIndex;
  }
  return step;
}

// What `step` takes of `child`, appended to `next`.
void Take(const PathStep& step, const json::value& child, std::vector<const json::value*>& next) {
  if (step.take == PathStep::Take::kValue) {
    next.push_back(&child);
    return;
  }
  if (!child.is_array()) return;
  const json::array& items = child.get_array();
  if (step.take == PathStep::Take::kIndex) {
    if (step.index < items.size()) next.push_back(&items[step.index]);
    return;
  }
  for (const json::value& item : items) {
    if (step.take == PathStep::Take::kEvery) {
      next.push_back(&item);
      continue;
    }
    const json::value* key = item.is_object() ? item.get_object().if_contains(step.filter_key) : nullptr;
    if (key != nullptr && key->is_string() && key->get_string() == step.filter_value) next.push_back(&item);
  }
}

}  // namespace

json::value PrinterColumnValue(const json::value& object, const std::string& path, const std::string& type,
                               absl::Time now) {
  std::vector<const json::value*> at{&object};
  for (const std::string& text : SplitPath(path)) {
    const PathStep step = ParseStep(text);
    std::vector<const json::value*> next;
    for (const json::value* v : at) {
      const json::value* child = v->is_object() ? v->get_object().if_contains(step.field) : nullptr;
      if (child != nullptr) Take(step, *child, next);
    }
    at = std::move(next);
  }
  if (at.empty()) return nullptr;
  if (type == "date" && at.size() == 1 && at[0]->is_string()) {
    // As the API server's table convertor: an age, like kubectl's AGE column.
    absl::Time then;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, std::string(at[0]->get_string()), &then, &error)) {
      return json::value(HumanDuration(now - then));
    }
  }
  if (at.size() == 1 && (type == "integer" || type == "number" || type == "boolean") && !at[0]->is_string()) {
    return *at[0];
  }
  std::vector<std::string> parts;
  for (const json::value* v : at) parts.push_back(v->is_string() ? std::string(v->get_string()) : json::serialize(*v));
  return json::value(absl::StrJoin(parts, ","));
}

std::string HumanDuration(absl::Duration age) {
  const int64_t seconds = absl::ToInt64Seconds(age);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) return seconds % 60 == 0 ? absl::StrCat(minutes, "m") : absl::StrCat(minutes, "m", seconds % 60, "s");
  if (minutes < 180) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) return minutes % 60 == 0 ? absl::StrCat(hours, "h") : absl::StrCat(hours, "h", minutes % 60, "m");
  if (hours < 48) return absl::StrCat(hours, "h");
  if (hours < 24 * 8) return hours % 24 == 0 ? absl::StrCat(hours / 24, "d") : absl::StrCat(hours / 24, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return absl::StrCat(hours / 24, "d");
  const int64_t days = hours / 24;
  if (hours < 24 * 365 * 8) return days % 365 == 0 ? absl::StrCat(days / 365, "y") : absl::StrCat(days / 365, "y", days % 365, "d");
  return absl::StrCat(days / 365, "y");
}

}  // namespace spillway::sim
