#include "admin/format.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "boost/json.hpp"
#include "google/protobuf/util/json_util.h"
#include "yaml-cpp/yaml.h"

namespace spillway::admin {
namespace {

// Rows as aligned columns, two spaces apart, the last column unpadded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i + 1 < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string Quantity(int64_t used, int64_t cap, const char* unit) {
  return cap > 0 ? absl::StrCat(used, "/", cap, unit) : absl::StrCat(used, unit, " (no cap)");
}

// Bytes in the largest binary unit that keeps them whole (Kubernetes' own
// quantity suffixes): 6400Ti, 512Mi, 1000.
std::string Bytes(int64_t bytes) {
  for (auto [suffix, shift] : {std::pair{"Pi", 50}, {"Ti", 40}, {"Gi", 30}, {"Mi", 20}, {"Ki", 10}}) {
    const int64_t unit = int64_t{1} << shift;
    if (bytes != 0 && bytes % unit == 0) return absl::StrCat(bytes / unit, suffix);
  }
  return absl::StrCat(bytes);
}

namespace pb = google::protobuf;

bool Is64BitInteger(const pb::FieldDescriptor& field) {
  return field.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64 ||
         field.cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64;
}

const pb::FieldDescriptor* FieldByJsonName(const pb::Descriptor& message, boost::json::string_view name) {
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == name) return message.field(i);
  }
  return nullptr;
}

void NumbersAsNumbers(boost::json::value& value, const pb::Descriptor& message);

// One value of `field` (an element, for a repeated field or a map's value).
void NumberAsNumber(boost::json::value& value, const pb::FieldDescriptor& field) {
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    // Well-known types (Timestamp, Duration, ...) have JSON forms of their own.
    if (field.message_type()->file()->package() != "google.protobuf") NumbersAsNumbers(value, *field.message_type());
    return;
  }
  if (!Is64BitInteger(field) || !value.is_string()) return;
  const std::string text(value.get_string());
  int64_t signed_value = 0;
  uint64_t unsigned_value = 0;
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64 && absl::SimpleAtoi(text, &signed_value)) {
    value = signed_value;
  } else if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64 && absl::SimpleAtoi(text, &unsigned_value)) {
    value = unsigned_value;
  }
}

// proto3's JSON writes 64-bit integers as strings (for JavaScript's doubles);
// a count or a size is a number to kubectl users and to jq. Undoes that,
// guided by the message's descriptor.
void NumbersAsNumbers(boost::json::value& value, const pb::Descriptor& message) {
  if (!value.is_object()) return;
  for (auto& [key, member] : value.get_object()) {
    const pb::FieldDescriptor* field = FieldByJsonName(message, key);
    if (field == nullptr) continue;
    if (field->is_map()) {
      if (!member.is_object()) continue;
      for (auto& [unused, entry] : member.get_object()) NumberAsNumber(entry, *field->message_type()->map_value());
    } else if (field->is_repeated()) {
      if (!member.is_array()) continue;
      for (boost::json::value& element : member.get_array()) NumberAsNumber(element, *field);
    } else {
      NumberAsNumber(member, *field);
    }
  }
}

// JSON indented two spaces per level, one member or element per line, as
// kubectl's -o json reads.
void AppendIndented(const boost::json::value& value, int depth, std::string& out) {
  const bool object = value.is_object();
  if ((object && value.get_object().empty()) || (value.is_array() && value.get_array().empty())) {
    out += object ? "{}" : "[]";
    return;
  }
  if (!object && !value.is_array()) {
    out += boost::json::serialize(value);
    return;
  }
  out += object ? "{\n" : "[\n";
  const std::string indent(2 * (depth + 1), ' ');
  bool first = true;
  auto next = [&] {
    if (!first) out += ",\n";
    first = false;
    out += indent;
  };
  if (object) {
    for (const auto& [key, member] : value.get_object()) {
      next();
      absl::StrAppend(&out, boost::json::serialize(boost::json::string(key)), ": ");
      AppendIndented(member, depth + 1, out);
    }
  } else {
    for (const boost::json::value& element : value.get_array()) {
      next();
      AppendIndented(element, depth + 1, out);
    }
  }
  absl::StrAppend(&out, "\n", std::string(2 * depth, ' '), object ? "}" : "]");
}

void EmitYaml(const boost::json::value& value, YAML::Emitter& out) {
  switch (value.kind()) {
    case boost::json::kind::object:
      out << YAML::BeginMap;
      for (const auto& [key, v] : value.get_object()) {
        out << YAML::Key << std::string(key) << YAML::Value;
        EmitYaml(v, out);
      }
      out << YAML::EndMap;
      break;
    case boost::json::kind::array:
      if (value.get_array().empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const boost::json::value& v : value.get_array()) EmitYaml(v, out);
      out << YAML::EndSeq;
      break;
    case boost::json::kind::string:
      out << YAML::DoubleQuoted << std::string(value.get_string());
      break;
    case boost::json::kind::bool_:
      out << value.get_bool();
      break;
    case boost::json::kind::null:
      out << YAML::Null;
      break;
    default:
      out << boost::json::serialize(value);
  }
}

// Nodes listed one per row up to this many; beyond, nodes with the same
// kind, verdict, score and reasons share a row (a 5,000-node cluster is a
// handful of rows; -o json has every node).
constexpr int kMaxNodeRows = 20;

std::string ExplainNodes(const v1::ExplainResponse& e) {
  struct Group {
    std::string first;
    int count = 0;
    std::vector<std::string> columns;  // kind, verdict, score, why
  };
  std::vector<Group> groups;
  std::map<std::vector<std::string>, size_t> index;
  const bool grouped = e.nodes_size() > kMaxNodeRows;
  for (const v1::NodeDecision& node : e.nodes()) {
    std::vector<std::string> why(node.scheduler_hints().begin(), node.scheduler_hints().end());
    for (std::string& hint : why) hint = "kube-scheduler: " + hint;
    if (!node.reason().empty()) why.insert(why.begin(), node.reason());
    const bool asked = !node.verdict().empty();
    std::vector<std::string> columns = {node.virtual_() ? "virtual" : "regular", asked ? node.verdict() : "-",
                                        asked ? absl::StrCat(node.score()) : "-",
                                        why.empty() ? "-" : absl::StrJoin(why, "; ")};
    auto [at, added] = index.try_emplace(grouped ? columns : std::vector<std::string>{node.node()}, groups.size());
    if (added) groups.push_back({node.node(), 0, std::move(columns)});
    groups[at->second].count++;
  }
  std::vector<std::vector<std::string>> rows = {{"NODE", "KIND", "EXTENDER", "SCORE", "WHY"}};
  for (const Group& g : groups) {
    std::vector<std::string> row = {g.count > 1 ? absl::StrCat(g.first, " and ", g.count - 1, " more") : g.first};
    row.insert(row.end(), g.columns.begin(), g.columns.end());
    rows.push_back(std::move(row));
  }
  return Table(rows);
}

std::string ExplainEvents(const v1::ExplainResponse& e) {
  std::vector<std::vector<std::string>> rows = {{"LAST SEEN", "TYPE", "REASON", "FROM", "MESSAGE"}};
  for (const v1::PodEvent& event : e.events()) {
    rows.push_back({event.last_seen(), event.type(), event.reason(),
                    event.count() > 1 ? absl::StrCat(event.source(), " (x", event.count(), ")") : event.source(),
                    event.message()});
  }
  return Table(rows);
}

}  // namespace

std::string FormatExplain(const v1::ExplainResponse& e) {
  std::string out = absl::StrCat("Pod:        ", e.namespace_(), "/", e.pod(), "\n");
  absl::StrAppend(&out, "Phase:      ", e.phase().empty() ? "-" : e.phase(), "\n");
  absl::StrAppend(&out, "Node:       ",
                  e.node().empty() ? "(not scheduled)" : absl::StrCat(e.node(), e.node_is_virtual() ? " (virtual)" : " (regular)"),
                  "\n");
  const v1::Intent& intent = e.intent();
  if (!intent.error().empty()) {
    absl::StrAppend(&out, "Intent:     invalid: ", intent.error(), "\n");
  } else {
    absl::StrAppend(&out, "Intent:     ", intent.intent(), " (", intent.source(), ")\n");
  }
  absl::StrAppend(&out, "ECI:        ", intent.eci_blocker().empty() ? "can run it" : "cannot run it: " + intent.eci_blocker(),
                  "\n");
  if (!e.scheduling_message().empty()) absl::StrAppend(&out, "Scheduling: ", e.scheduling_message(), "\n");
  if (e.has_rescue()) {
    absl::StrAppend(&out, "Rescue:     ", e.rescue().outcome(), ": ", e.rescue().why(),
                    e.rescue().acting() ? "" : " (this replica is standby)", "\n");
  }
  if (e.has_repatriation() && e.repatriation().outcome() != "not_judged") {
    const v1::RepatriationExplanation& home = e.repatriation();
    absl::StrAppend(&out, "Home:       ", home.outcome(), home.reason().empty() ? "" : " (" + home.reason() + ")",
                    ": ", home.why(), home.acting() ? "" : " (this replica is standby)", "\n");
  }
  if (e.profile_effect_selectors_size() > 0) {
    absl::StrAppend(&out, "Profile:    effect of ", absl::StrJoin(e.profile_effect_selectors(), ", "), "\n");
  }
  absl::StrAppend(&out, "\nWhy: ", e.summary(), "\n");
  if (e.nodes_size() > 0) absl::StrAppend(&out, "\nNodes (the extender's verdict now):\n", ExplainNodes(e));
  absl::StrAppend(&out, "\nEvents:\n", e.events().empty() ? "  <none>\n" : ExplainEvents(e));
  if (e.gaps_size() > 0) absl::StrAppend(&out, "\nNot explained:\n  ", absl::StrJoin(e.gaps(), "\n  "), "\n");
  return out;
}

std::string FormatStatus(const v1::StatusResponse& s) {
  std::string out = absl::StrCat("Spillway ", s.version(), "\n\nComponents:\n");
  std::vector<std::vector<std::string>> rows = {{"NAME", "READY", "WHY NOT"}};
  for (const v1::ComponentStatus& c : s.components()) {
    rows.push_back({c.name(), c.ready() ? "yes" : "no", c.not_ready().empty() ? "-" : c.not_ready()});
  }
  absl::StrAppend(&out, Table(rows));
  if (s.has_leader()) {
    const v1::LeaderStatus& l = s.leader();
    absl::StrAppend(&out, "\nLeader:     ",
                    !l.election_enabled() ? "election disabled (this replica acts)"
                    : l.leading()         ? absl::StrCat("this replica (", l.identity(), ")")
                    : absl::StrCat(l.holder().empty() ? "unknown" : l.holder(), " (this replica, ", l.identity(),
                                   ", is standby)"),
                    l.lease().empty() ? "" : absl::StrCat("; Lease ", l.lease()), "\n");
  }
  if (s.caches_size() > 0) {
    rows = {{"CACHE", "SYNCED", "OBJECTS"}};
    for (const v1::CacheStatus& c : s.caches()) rows.push_back({c.name(), c.synced() ? "yes" : "no", absl::StrCat(c.size())});
    absl::StrAppend(&out, "\nCaches:\n", Table(rows));
  }
  const v1::QuotaStatus& q = s.eci_quota();
  absl::StrAppend(&out, "\nECI quota:  ",
                  !q.enforced() ? "not enforced"
                                : absl::StrCat("cpu ", Quantity(q.cpu_milli_used(), q.cpu_milli_cap(), "m"), ", memory ",
                                               (q.memory_bytes_cap() > 0
                                                          ? absl::StrCat(Bytes(q.memory_bytes_used()), "/",
                                                                         Bytes(q.memory_bytes_cap()))
                                                          : Bytes(q.memory_bytes_used()) + " (no cap)"), ", pods ",
                                               Quantity(q.pods_used(), q.pods_cap(), "")),
                  "\n");
  absl::StrAppend(&out, "Cool-downs: ", s.cool_downs().empty() ? "none" : "", "\n");
  for (const v1::CoolDown& c : s.cool_downs()) {
    absl::StrAppend(&out, "  ", c.node(), " until ", c.until(), ": ", c.reason(), "\n");
  }
  const v1::ProfileStatus& p = s.eci_profile();
  absl::StrAppend(&out, "\neci-profile ", p.config_map(),
                  p.resource_version().empty() ? ": no selectors in force\n"
                                               : absl::StrCat(" (resourceVersion ", p.resource_version(), "):\n"));
  for (const v1::ProfileSelectorStatus& sel : p.selectors()) {
    std::vector<std::string> parts;
    if (!sel.namespace_selector().empty()) parts.push_back("namespaces " + sel.namespace_selector());
    if (!sel.object_selector().empty()) parts.push_back("pods " + sel.object_selector());
    if (!sel.schedules()) parts.push_back("schedules nothing; effect on every ECI pod");
    for (const std::string& effect : sel.effect()) parts.push_back("adds " + effect);
    absl::StrAppend(&out, "  ", sel.name(), ": ", absl::StrJoin(parts, "; "), "\n");
  }
  if (s.elastic_workloads_size() > 0) {
    rows = {{"ELASTICWORKLOAD", "REPLICAS", "SOURCE", "MIN..MAX", "ON SOURCE", "UNITS"}};
    for (const v1::ElasticWorkloadSplit& ew : s.elastic_workloads()) {
      std::vector<std::string> units;
      for (const v1::ElasticUnitSplit& u : ew.units()) units.push_back(absl::StrCat(u.name(), "=", u.desired_replicas()));
      rows.push_back({absl::StrCat(ew.namespace_(), "/", ew.name()), absl::StrCat(ew.replicas()),
                      absl::StrCat(ew.source_kind(), "/", ew.source_name()),
                      absl::StrCat(ew.source_min(), "..", ew.source_max()), absl::StrCat(ew.source_desired_replicas()),
                      units.empty() ? "-" : absl::StrJoin(units, ", ")});
    }
    absl::StrAppend(&out, "\n", Table(rows));
  }
  if (s.repatriations_size() > 0) {
    rows = {{"MOVING HOME", "WORKLOAD", "TO NODE", "SINCE"}};
    for (const v1::RepatriationMove& move : s.repatriations()) {
      rows.push_back({move.pod(), move.workload(), move.node(),
                      absl::FormatTime("%H:%M:%S", absl::FromUnixSeconds(move.started_unix()), absl::UTCTimeZone())});
    }
    absl::StrAppend(&out, "\n", Table(rows));
  }
  if (s.gaps_size() > 0) absl::StrAppend(&out, "\nNot known:\n  ", absl::StrJoin(s.gaps(), "\n  "), "\n");
  return out;
}

absl::StatusOr<std::string> FormatMessage(const google::protobuf::Message& message, const std::string& output) {
  if (output != "json" && output != "yaml") {
    return absl::InvalidArgumentError(absl::StrCat("-o ", output, ": use json or yaml (or leave -o out for text)"));
  }
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string text;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &text, options); !status.ok()) {
    return absl::InternalError(absl::StrCat("printing the answer as JSON: ", status.ToString()));
  }
  boost::json::value parsed = boost::json::parse(text);
  NumbersAsNumbers(parsed, *message.GetDescriptor());
  if (output == "json") {
    std::string indented;
    AppendIndented(parsed, 0, indented);
    return indented + "\n";
  }
  YAML::Emitter emitter;
  EmitYaml(parsed, emitter);
  return std::string(emitter.c_str()) + "\n";
}

}  // namespace spillway::admin
