#include "sim/cluster/recorder.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "kube/decode.h"
#include "kube/quantity.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace json = boost::json;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

namespace {

// Whether the labels at `labels` (an object or null) have every k=v of the
// workload's selector.
bool Picks(const ReportedWorkload& workload, const json::object* labels) {
  if (workload.selector.empty()) return false;
  for (absl::string_view term : absl::StrSplit(workload.selector, ',')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(term, absl::MaxSplits('=', 1));
    const json::value* value = labels == nullptr ? nullptr : labels->if_contains(kv.first);
    if (value == nullptr || !value->is_string() || value->get_string() != kv.second) return false;
  }
  return true;
}

}  // namespace

Recorder::Recorder(ClusterReader& reader, const Scenario& scenario, std::set<std::string> virtual_nodes,
                   absl::Time start, Clock& clock)
    : reader_(reader),
      scenario_(scenario),
      virtual_nodes_(std::move(virtual_nodes)),
      start_(start),
      clock_(clock),
      eci_running_(scenario.workloads.size(), 0) {
  for (const SimNode& node : scenario.nodes) zone_of_[node.name] = node.zone;
}

Recorder::~Recorder() {
  if (handler_.has_value()) reader_.RemoveEventHandler(PathOf("", "v1", "pods"), *handler_);
  if (events_handler_.has_value()) reader_.RemoveEventHandler(PathOf("", "v1", "events"), *events_handler_);
}

absl::Status Recorder::Start() {
  SPILLWAY_ASSIGN_OR_RETURN(const int id, reader_.AddEventHandler(PathOf("", "v1", "pods"),
                                                                [this](const ObjectEvent& event) { OnPod(event); }));
  handler_ = id;
  // The pods there already, as if just added.
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> pods, reader_.List(PathOf("", "v1", "pods")));
  for (const ObjectRef& pod : pods) OnPod(ObjectEvent{ObjectEvent::Type::kModified, pod});
  SPILLWAY_ASSIGN_OR_RETURN(const int events_id,
                            reader_.AddEventHandler(PathOf("", "v1", "events"), [this](const ObjectEvent& event) {
                              absl::MutexLock lock(&events_mu_);
                              new_events_.push_back(event);
                            }));
  events_handler_ = events_id;
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> events, reader_.List(PathOf("", "v1", "events")));
  absl::MutexLock lock(&events_mu_);
  for (const ObjectRef& event : events) new_events_.push_back(ObjectEvent{ObjectEvent::Type::kAdded, event});
  return absl::OkStatus();
}

Recorder::PodTrack Recorder::NewTrack(const json::object& pod) const {
  PodTrack track;
  track.workload = WorkloadOf(pod);
  track.name = absl::StrCat(NamespaceOf(pod), "/", NameOf(pod));
  track.created = OwnedPodOf(pod).created;
  const json::object* labels = json_fields::ObjectAt(pod, {"metadata", "labels"});
  track.placeholder = labels != nullptr && json_fields::String(*labels, kCapacityRequestLabel) == "true";
  absl::StatusOr<kube::Pod> parsed = kube::ParsePod(json::serialize(pod));
  if (parsed.ok()) {
    track.vcpu = parsed->EffectiveRequests().cpu_milli / 1000.0;
    track.gib = parsed->EffectiveRequests().memory_bytes / double(1LL << 30);
  }
  return track;
}

int Recorder::WorkloadOf(const json::object& pod) const {
  const json::object* labels = json_fields::ObjectAt(pod, {"metadata", "labels"});
  for (size_t index = 0; index < scenario_.workloads.size(); ++index) {
    const ReportedWorkload& workload = scenario_.workloads[index];
    if (NamespaceOf(pod) == workload.ns && Picks(workload, labels)) return static_cast<int>(index);
  }
  return -1;
}

void Recorder::OnPod(const ObjectEvent& event) {
  const json::object& pod = *event.object;
  const std::string_view uid = StringView(pod, {"metadata", "uid"});
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = pods_.find(uid);
  if (it == pods_.end()) {
    if (event.type == ObjectEvent::Type::kDeleted) return;
    it = pods_.emplace(std::string(uid), NewTrack(pod)).first;
    if (it->second.workload >= 0) ++ledger_.pods_created[scenario_.workloads[it->second.workload].name];
    if (auto awaiting = awaiting_replacement_.find(it->second.workload);
        awaiting != awaiting_replacement_.end() && awaiting->second > 0) {
      --awaiting->second;
      it->second.replaces_moved = true;
    }
  }
  PodTrack& track = it->second;
  if (track.gone) return;
  const std::string_view node = StringView(pod, {"spec", "nodeName"});
  if (node != track.node) {
    Place(track, std::string(node));
    JudgeReplacement(track);
  }
  const bool running = StringView(pod, {"status", "phase"}) == "Running";
  if (running != track.running) {
    if (track.on_virtual && track.workload >= 0) eci_running_[track.workload] += running ? 1 : -1;
    track.running = running;
  }
  if (running && !track.running_since.has_value()) {
    track.running_since = now;
    if (track.on_virtual) ++ledger_.started_by_virtual_node[track.node];
  }
  if (event.type == ObjectEvent::Type::kDeleted || Terminating(pod)) Remove(track, now);
}

void Recorder::Place(PodTrack& track, const std::string& node) {
  if (track.on_virtual) --eci_bound_now_;
  track.node = node;
  track.on_virtual = virtual_nodes_.count(node) > 0;
  if (track.on_virtual) {
    ++eci_bound_now_;
    ledger_.peak_eci_bound = std::max(ledger_.peak_eci_bound, eci_bound_now_);
  }
  if (track.workload < 0 || node.empty()) return;
  const std::string& asked = scenario_.workloads[track.workload].asked;
  const bool wrong = track.on_virtual ? (asked == "nothing" || asked == "ecs") : asked == "eci";
  if (!wrong) return;
  ++(track.on_virtual ? ledger_.unasked_on_eci : ledger_.eci_only_on_ecs);
  if (ledger_.examples.size() < 5) {
    ledger_.examples.push_back(absl::StrCat(track.name, " (asked: ", asked, ") on ", node));
  }
}

void Recorder::MovedHome(const std::string& uid) {
  ++ledger_.moves_home;
  auto moved = pods_.find(uid);
  if (moved == pods_.end() || moved->second.workload < 0) return;
  const int workload = moved->second.workload;
  // creationTimestamp has whole seconds.
  const absl::Time went =
      absl::FromUnixSeconds(absl::ToUnixSeconds(moved->second.gone ? moved->second.gone_at : clock_.Now()));
  PodTrack* replacement = nullptr;
  for (auto& [other_uid, track] : pods_) {
    if (track.workload != workload || track.replaces_moved || track.created < went || other_uid == uid) continue;
    if (replacement == nullptr || track.created < replacement->created) replacement = &track;
  }
  if (replacement == nullptr) {
    ++awaiting_replacement_[workload];
    return;
  }
  replacement->replaces_moved = true;
  JudgeReplacement(*replacement);
}

void Recorder::JudgeReplacement(const PodTrack& track) {
  if (!track.replaces_moved || track.node.empty()) return;
  if (!track.on_virtual) {
    ++ledger_.moves_home_landed;
    return;
  }
  ++ledger_.flaps;
  if (ledger_.flap_examples.size() < 5) ledger_.flap_examples.push_back(absl::StrCat(track.name, " on ", track.node));
}

void Recorder::Remove(PodTrack& track, absl::Time now) {
  track.gone = true;
  track.gone_at = now;
  if (track.on_virtual) --eci_bound_now_;
  if (!track.running || track.workload < 0) return;
  if (track.on_virtual) {
    --eci_running_[track.workload];
    ++ledger_.scale_in_eci_victims;
  } else {
    ++ledger_.scale_in_ecs_victims;
    if (eci_running_[track.workload] > 0) ecs_victims_.push_back({track.workload});
  }
}

absl::StatusOr<std::vector<int>> Recorder::DesiredReplicas() {
  std::vector<int> desired(scenario_.workloads.size(), -1);
  for (const char* plural : {"deployments", "statefulsets"}) {
    SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> owners, reader_.List(PathOf("apps", "v1", plural)));
    for (const ObjectRef& owner : owners) {
      if (Terminating(*owner)) continue;
      const json::object* labels = json_fields::ObjectAt(*owner, {"spec", "template", "metadata", "labels"});
      const json::value* replicas = json_fields::At(*owner, {"spec", "replicas"});
      for (size_t i = 0; i < desired.size(); ++i) {
        if (NamespaceOf(*owner) != scenario_.workloads[i].ns || !Picks(scenario_.workloads[i], labels)) continue;
        desired[i] = std::max(desired[i], 0) + (replicas != nullptr && replicas->is_int64() ? replicas->get_int64() : 1);
      }
    }
  }
  return desired;
}

absl::StatusOr<std::vector<Recorder::RegularNode>> Recorder::RegularNodes() {
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> nodes, reader_.List(PathOf("", "v1", "nodes")));
  std::vector<RegularNode> regular;
  for (const ObjectRef& ref : nodes) {
    const json::object& node = *ref;
    const json::object* labels = json_fields::ObjectAt(node, {"metadata", "labels"});
    if (labels != nullptr && json_fields::String(*labels, "type") == "virtual-kubelet") continue;
    const json::value* taints = json_fields::At(node, {"spec", "taints"});
    bool draining = false;
    if (taints != nullptr && taints->is_array()) {
      for (const json::value& taint : taints->get_array()) {
        draining = draining || (taint.is_object() && json_fields::String(taint.get_object(), "key") == "ToBeDeletedByClusterAutoscaler");
      }
    }
    const json::object* allocatable = json_fields::ObjectAt(node, {"status", "allocatable"});
    if (draining || allocatable == nullptr) continue;
    regular.push_back({NameOf(node),
                       kube::ParseQuantityMilli(json_fields::String(*allocatable, "cpu")).value_or(0) / 1000.0,
                       kube::ParseQuantity(json_fields::String(*allocatable, "memory")).value_or(0) / double(1LL << 30),
                       kube::ParseQuantity(json_fields::String(*allocatable, "pods")).value_or(110),
                       labels == nullptr ? "" : json_fields::String(*labels, "alibabacloud.com/nodepool-id")});
  }
  return regular;
}

void Recorder::MarkEciWhileEcsRoom(Sample& sample, const std::vector<RegularNode>& regular) {
  struct Room {
    double cpu = 0, gib = 0;
    int64_t pods = 0;
  };
  std::map<std::string, Room> free;
  for (const RegularNode& node : regular) free[node.name] = {node.cpu, node.gib, node.pods};
  // The smallest ECI pod of each burst workload.
  std::vector<std::optional<std::pair<double, double>>> smallest(scenario_.workloads.size());
  for (const auto& [uid, track] : pods_) {
    if (track.gone) continue;
    if (auto node = free.find(track.node); node != free.end()) {
      node->second.cpu -= track.vcpu;
      node->second.gib -= track.gib;
      --node->second.pods;
    }
    if (track.on_virtual && track.running && track.workload >= 0 &&
        scenario_.workloads[track.workload].asked == "burst") {
      auto& least = smallest[track.workload];
      if (!least.has_value() || track.vcpu < least->first) least = std::make_pair(track.vcpu, track.gib);
    }
  }
  for (size_t i = 0; i < smallest.size(); ++i) {
    if (!smallest[i].has_value()) continue;
    for (const auto& [name, room] : free) {
      if (room.pods > 0 && room.cpu + 1e-9 >= smallest[i]->first && room.gib + 1e-9 >= smallest[i]->second) {
        sample.workloads[scenario_.workloads[i].name].eci_while_ecs_room = true;
        break;
      }
    }
  }
}

absl::Status Recorder::Observe(absl::Time now, const std::map<std::string, HpaSample>& hpas) {
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<int> desired, DesiredReplicas());
  const double dt = samples_.empty() ? 0 : absl::ToDoubleSeconds(now - start_) - samples_.back().seconds;
  Sample sample;
  sample.seconds = absl::ToDoubleSeconds(now - start_);
  sample.hpas = hpas;
  std::vector<WorkloadCounts> counts(scenario_.workloads.size() + 1);  // The last: pods of no reported workload.
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<RegularNode> regular, RegularNodes());
  sample.regular_nodes = static_cast<int>(regular.size());
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [uid, track] : pods_) {
      if (track.gone) continue;
      WorkloadCounts& of = counts[track.workload < 0 ? scenario_.workloads.size() : track.workload];
      if (!track.running) {
        ++sample.pending;
        ++of.pending;
      } else if (track.on_virtual) {
        ++of.eci;
        ++sample.eci_by_zone[zone_of_[track.node]];
        sample.eci_vcpu += track.vcpu;
        eci_vcpu_seconds_ += track.vcpu * dt;
        eci_gib_seconds_ += track.gib * dt;
      } else {
        ++of.ecs;
      }
    }
    // An ECS victim is wrong when its workload still runs ECI pods now.
    for (const EcsVictim& victim : ecs_victims_) {
      if (counts[victim.workload].eci > 0) ++ledger_.scale_in_ecs_victims_while_eci;
    }
    ecs_victims_.clear();
    for (size_t i = 0; i < scenario_.workloads.size(); ++i) {
      counts[i].desired = desired[i];
      sample.workloads[scenario_.workloads[i].name] = counts[i];
    }
    MarkEciWhileEcsRoom(sample, regular);
    regular_node_seconds_ += regular.size() * dt;
    for (const RegularNode& node : regular) {
      if (!node.pool.empty()) pool_node_seconds_[node.pool] += dt;
    }
  }
  sample.eci_cost = eci_vcpu_seconds_ * scenario_.prices.eci_vcpu_second + eci_gib_seconds_ * scenario_.prices.eci_gib_second;
  samples_.push_back(std::move(sample));
  return ObserveEvents(now);
}

absl::Status Recorder::ObserveEvents(absl::Time now) {
  std::vector<ObjectEvent> changes;
  {
    absl::MutexLock lock(&events_mu_);
    changes.swap(new_events_);
  }
  for (const ObjectEvent& change : changes) {
    const json::object& event = *change.object;
    const std::string_view uid_view = StringView(event, {"metadata", "uid"});
    const absl::string_view uid(uid_view.data(), uid_view.size());
    if (change.type == ObjectEvent::Type::kDeleted) {
      seen_events_.erase(uid);
      continue;
    }
    if (!seen_events_.emplace(uid).second) continue;
    const std::string reason = json_fields::String(event, "reason");
    if (reason == "NoStock") ++no_stock_events_;
    if (reason == "FailedCreate") ++failed_create_events_;
    const json::object* involved = json_fields::ObjectAt(event, {"involvedObject"});
    if (reason == "RepatriatedToECS" && involved != nullptr) {
      absl::MutexLock lock(&mu_);
      MovedHome(json_fields::String(*involved, "uid"));
    }
    const std::string object =
        involved == nullptr ? "" : absl::StrCat(absl::AsciiStrToLower(json_fields::String(*involved, "kind")), "/",
                                                json_fields::String(*involved, "name"));
    const std::string message = json_fields::String(event, "message");
    if (reason == "Scheduled" && message.find("virtual-kubelet") == std::string::npos) continue;
    std::string workload;
    if (involved != nullptr && json_fields::String(*involved, "kind") == "Pod") {
      absl::MutexLock lock(&mu_);
      auto pod = pods_.find(json_fields::String(*involved, "uid"));
      if (pod != pods_.end() && pod->second.workload >= 0) workload = scenario_.workloads[pod->second.workload].name;
    }
    decisions_.push_back({absl::ToDoubleSeconds(now - start_), absl::StrCat(reason, " ", object, ": ", message),
                          std::move(workload), json_fields::String(event, "type") == "Warning"});
  }
  return absl::OkStatus();
}

std::vector<Decision> Recorder::TakeNewDecisions() {
  std::vector<Decision> fresh(decisions_.begin() + decisions_taken_, decisions_.end());
  decisions_taken_ = decisions_.size();
  return fresh;
}

Summary Recorder::Summarize() const {
  absl::MutexLock lock(&mu_);
  Summary summary = ledger_;
  summary.no_stock_events = no_stock_events_;
  summary.failed_create_events = failed_create_events_;
  summary.eci_vcpu_seconds = eci_vcpu_seconds_;
  summary.eci_gib_seconds = eci_gib_seconds_;
  for (const Sample& sample : samples_) {
    int eci = 0;
    for (const auto& [name, counts] : sample.workloads) eci += counts.eci;
    summary.peak_eci_pods = std::max(summary.peak_eci_pods, eci);
    summary.peak_eci_vcpu = std::max(summary.peak_eci_vcpu, sample.eci_vcpu);
  }
  summary.eci_cost = samples_.empty() ? 0 : samples_.back().eci_cost;
  const double hours = samples_.empty() ? 0 : samples_.back().seconds / 3600.0;
  summary.always_on_ecs_cost = summary.peak_eci_vcpu * hours * scenario_.prices.ecs_vcpu_hour;
  summary.ecs_node_hours = regular_node_seconds_ / 3600;
  for (const NodeGroup& group : scenario_.node_autoscaling.groups) {
    auto seconds = pool_node_seconds_.find(group.name);
    if (seconds != pool_node_seconds_.end()) summary.node_pool_cost += seconds->second / 3600 * group.price_per_hour;
  }
  std::vector<double> pending;
  const absl::Time end = start_ + absl::Seconds(samples_.empty() ? 0 : samples_.back().seconds);
  for (const auto& [uid, track] : pods_) {
    if (track.placeholder) {
      ++summary.placeholders;
      continue;  // Not a workload's pod: it waits for a node by design.
    }
    ++summary.pods;
    const absl::Time from = std::max(track.created, start_);
    if (!track.running_since.has_value() && !track.gone) {
      ++summary.never_ran;
      summary.not_running_at_end.emplace_back(track.name, absl::ToDoubleSeconds(end - from));
    }
    // Pending until it ran, or until it was deleted (a pod stuck out of
    // stock, replaced), or until the end.
    const absl::Time until = track.running_since.value_or(track.gone ? track.gone_at : end);
    pending.push_back(absl::ToDoubleSeconds(until - from));
  }
  std::sort(summary.not_running_at_end.begin(), summary.not_running_at_end.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  summary.pending_p50_seconds = Percentile(pending, 50);
  summary.pending_p99_seconds = Percentile(pending, 99);
  return summary;
}

}  // namespace spillway::sim
