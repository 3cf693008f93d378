#include "sim/cluster/recorder.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "kube/decode.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace json = boost::json;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Recorder::Recorder(ClusterReader& reader, const Scenario& scenario, std::set<std::string> virtual_nodes,
                   absl::Time start)
    : reader_(reader), scenario_(scenario), virtual_nodes_(std::move(virtual_nodes)), start_(start) {}

Recorder::PodTrack Recorder::NewTrack(const json::object& pod) const {
  PodTrack track;
  track.workload = WorkloadOf(pod);
  track.created = OwnedPodOf(pod).created;
  absl::StatusOr<kube::Pod> parsed = kube::ParsePod(json::serialize(pod));
  if (parsed.ok()) {
    track.vcpu = parsed->EffectiveRequests().cpu_milli / 1000.0;
    track.gib = parsed->EffectiveRequests().memory_bytes / double(1LL << 30);
  }
  return track;
}

int Recorder::WorkloadOf(const json::object& pod) const {
  for (size_t index = 0; index < scenario_.workloads.size(); ++index) {
    const ReportedWorkload& workload = scenario_.workloads[index];
    if (NamespaceOf(pod) != workload.ns || workload.selector.empty()) continue;
    bool all = true;
    for (absl::string_view term : absl::StrSplit(workload.selector, ',')) {
      std::pair<std::string, std::string> kv = absl::StrSplit(term, absl::MaxSplits('=', 1));
      all = all && Label(pod, kv.first) == kv.second;
    }
    if (all) return static_cast<int>(index);
  }
  return -1;
}

absl::Status Recorder::Observe(absl::Time now, const std::map<std::string, HpaSample>& hpas) {
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> pods, reader_.List(PathOf("", "v1", "pods")));
  const double dt = samples_.empty() ? 0 : absl::ToDoubleSeconds(now - start_) - samples_.back().seconds;
  Sample sample;
  sample.seconds = absl::ToDoubleSeconds(now - start_);
  sample.hpas = hpas;
  std::vector<WorkloadCounts> counts(scenario_.workloads.size() + 1);  // The last: pods of no reported workload.
  ++generation_;
  for (const ObjectRef& ref : pods) {
    const json::object& pod = *ref;
    if (Terminating(pod)) continue;
    const std::string_view uid = StringView(pod, {"metadata", "uid"});
    auto it = pods_.find(uid);
    if (it == pods_.end()) it = pods_.emplace(std::string(uid), NewTrack(pod)).first;
    PodTrack& track = it->second;
    track.generation = generation_;
    const std::string_view node = StringView(pod, {"spec", "nodeName"});
    if (node != track.node) {
      track.node = std::string(node);
      track.on_virtual = virtual_nodes_.count(track.node) > 0;
    }
    const bool running = StringView(pod, {"status", "phase"}) == "Running";
    if (running && !track.running_since.has_value()) {
      track.running_since = now;
      if (track.on_virtual) ++totals_.started_by_virtual_node[track.node];
    }
    WorkloadCounts& of = counts[track.workload < 0 ? scenario_.workloads.size() : track.workload];
    if (!running) {
      ++sample.pending;
      ++of.pending;
    } else if (track.on_virtual) {
      ++of.eci;
      sample.eci_vcpu += track.vcpu;
      eci_vcpu_seconds_ += track.vcpu * dt;
      eci_gib_seconds_ += track.gib * dt;
    } else {
      ++of.ecs;
    }
    if (track.on_virtual && track.workload >= 0 && scenario_.workloads[track.workload].asked == "nothing") {
      unasked_on_eci_.insert(it->first);
    }
  }
  for (size_t i = 0; i < scenario_.workloads.size(); ++i) sample.workloads[scenario_.workloads[i].name] = counts[i];
  // Pods gone since the last sample: scale-in victims.
  for (auto it = pods_.begin(); it != pods_.end(); ++it) {
    if (it->second.generation == generation_ || it->second.gone) continue;
    PodTrack& gone = it->second;
    gone.gone = true;
    gone.gone_at = now;
    if (gone.running_since.has_value() && gone.workload >= 0) {
      // ECI first: an ECS pod removed while ECI pods of its workload still
      // run afterwards is a wrong victim.
      if (gone.on_virtual) {
        ++totals_.scale_in_eci_victims;
      } else {
        ++totals_.scale_in_ecs_victims;
        if (counts[gone.workload].eci > 0) ++totals_.scale_in_ecs_victims_while_eci;
      }
    }
  }
  sample.eci_cost = eci_vcpu_seconds_ * scenario_.prices.eci_vcpu_second + eci_gib_seconds_ * scenario_.prices.eci_gib_second;
  samples_.push_back(std::move(sample));
  return ObserveEvents(now);
}

absl::Status Recorder::ObserveEvents(absl::Time now) {
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> events, reader_.List(PathOf("", "v1", "events")));
  for (const ObjectRef& ref : events) {
    const json::object& event = *ref;
    const std::string_view uid = StringView(event, {"metadata", "uid"});
    if (seen_events_.find(uid) != seen_events_.end()) continue;
    seen_events_.emplace(uid);
    const std::string reason = json_fields::String(event, "reason");
    if (reason == "NoStock") ++totals_.no_stock_events;
    const json::object* involved = json_fields::ObjectAt(event, {"involvedObject"});
    const std::string object =
        involved == nullptr ? "" : absl::StrCat(absl::AsciiStrToLower(json_fields::String(*involved, "kind")), "/",
                                                json_fields::String(*involved, "name"));
    const std::string message = json_fields::String(event, "message");
    if (reason == "Scheduled" && message.find("virtual-kubelet") == std::string::npos) continue;
    decisions_.push_back({absl::ToDoubleSeconds(now - start_), absl::StrCat(reason, " ", object, ": ", message)});
  }
  return absl::OkStatus();
}

std::vector<Decision> Recorder::TakeNewDecisions() {
  std::vector<Decision> fresh(decisions_.begin() + decisions_taken_, decisions_.end());
  decisions_taken_ = decisions_.size();
  return fresh;
}

Summary Recorder::Summarize() const {
  Summary summary = totals_;
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
  std::vector<double> pending;
  const absl::Time end = start_ + absl::Seconds(samples_.empty() ? 0 : samples_.back().seconds);
  for (const auto& [uid, track] : pods_) {
    ++summary.pods;
    if (!track.running_since.has_value() && !track.gone) ++summary.never_ran;
    const absl::Time from = std::max(track.created, start_);
    // Pending until it ran, or until it was deleted (a pod stuck out of
    // stock, replaced), or until the end.
    const absl::Time until = track.running_since.value_or(track.gone ? track.gone_at : end);
    pending.push_back(absl::ToDoubleSeconds(until - from));
  }
  summary.pending_p50_seconds = Percentile(pending, 50);
  summary.pending_p99_seconds = Percentile(pending, 99);
  summary.unasked_on_eci = static_cast<int>(unasked_on_eci_.size());
  return summary;
}

}  // namespace spillway::sim
