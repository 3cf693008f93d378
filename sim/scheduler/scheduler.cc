#include "sim/scheduler/scheduler.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "kube/decode.h"
#include "sim/cluster/object_facts.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

// NodeResourcesFit (LeastAllocated) and NodeResourcesBalancedAllocation, 0..100 each.
int64_t OwnScore(const kube::Node& node, const NodeUsage& usage, const kube::Resources& wants) {
  auto free_fraction = [](int64_t used, int64_t capacity) {
    return capacity <= 0 ? 0.0 : std::max(0.0, 1.0 - static_cast<double>(used) / capacity);
  };
  const double cpu = free_fraction(usage.requested.cpu_milli + wants.cpu_milli, node.allocatable.cpu_milli);
  const double memory =
      free_fraction(usage.requested.memory_bytes + wants.memory_bytes, node.allocatable.memory_bytes);
  const double least_allocated = (cpu + memory) / 2 * 100;
  const double balanced = (1.0 - std::abs(cpu - memory) / 2) * 100;
  return static_cast<int64_t>(least_allocated + balanced);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(kube::RestClient& client, ClusterReader& reader,
                                                             Clock& clock, Options options) {
  std::unique_ptr<Scheduler> scheduler(new Scheduler(client, reader, clock, std::move(options)));
  for (const ExtenderConfig& config : scheduler->options_.config.extenders) {
    SPILLWAY_ASSIGN_OR_RETURN(std::unique_ptr<ExtenderClient> extender,
                              ExtenderClient::Create(config, scheduler->options_.extender_address));
    scheduler->extenders_.push_back(std::move(extender));
  }
  return scheduler;
}

Scheduler::Scheduler(kube::RestClient& client, ClusterReader& reader, Clock& clock, Options options)
    : client_(client), reader_(reader), clock_(clock), options_(std::move(options)), random_(options_.seed) {}

absl::Status Scheduler::Sync() {
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> node_objects, reader_.List(PathOf("", "v1", "nodes")));
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<ObjectRef> pods, reader_.List(PathOf("", "v1", "pods")));
  std::vector<Candidate> nodes;
  NodeIndex index;
  for (const ObjectRef& object : node_objects) {
    const kube::Node* node = NodeOf(*object);
    if (node == nullptr) continue;
    index[node->metadata.name] = nodes.size();
    nodes.push_back({object.get(), node, NodeUsage()});
  }
  const std::vector<const json::object*> pending = ReadPods(pods, nodes, index);
  NoticeClusterEvents(nodes);
  absl::Status first;
  for (const json::object* pod_json : pending) {
    if (absl::Status s = Attempt(*pod_json, nodes, index); !s.ok() && first.ok()) first = s;
  }
  // The pass ends when its bindings and Events are written.
  writes_.Drain();
  if (absl::Status s = ApplyWriteResults(); !s.ok() && first.ok()) first = s;
  return first;
}

absl::Status Scheduler::ApplyWriteResults() {
  WriteResults results;
  {
    absl::MutexLock lock(&results_mu_);
    std::swap(results, results_);
  }
  stats_.bound += results.bound;
  stats_.bind_time += results.bind_time;
  stats_.event_time += results.event_time;
  for (auto& pair : results.bound_without_extender) stats_.bound_without_extender.push_back(std::move(pair));
  // A refused binding: forget the assumed pod (kube-scheduler's
  // handleBindingCycleError); the next pass places it again.
  for (const std::string& uid : results.unbound) assumed_.erase(uid);
  for (const auto& [uid, version] : results.status_versions) {
    if (auto attempt = attempts_.find(uid); attempt != attempts_.end()) attempt->second.resource_version = version;
  }
  return results.first_error;
}

void Scheduler::BindAndRecord(const std::string& uid, const std::string& name_space, const std::string& name,
                              const std::string& node, bool extender_skipped, const json::object& event) {
  const absl::Time binding = absl::Now();
  const absl::Status bound = client_.Bind(name_space, name, node);
  const absl::Time recording = absl::Now();
  if (bound.ok()) client_.Create(PathOf("", "v1", "events", name_space), event).status().IgnoreError();
  const absl::Time done = absl::Now();
  absl::MutexLock lock(&results_mu_);
  results_.bind_time += recording - binding;
  results_.event_time += done - recording;
  if (bound.ok()) {
    ++results_.bound;
    if (extender_skipped) results_.bound_without_extender.emplace_back(absl::StrCat(name_space, "/", name), node);
    return;
  }
  results_.unbound.push_back(uid);
  if (!absl::IsAborted(bound) && !absl::IsNotFound(bound) && results_.first_error.ok()) {
    results_.first_error = bound;
  }
}

void Scheduler::NoticeClusterEvents(const std::vector<Candidate>& nodes) {
  // Updated in place: rebuilt, it copied every node's name and version on
  // every pass.
  bool event = false;
  for (const Candidate& candidate : nodes) {
    auto [seen, added] = last_nodes_.try_emplace(candidate.node->metadata.name);
    NodeSeen& last = seen->second;
    event = event || added || last.resource_version != candidate.node->metadata.resource_version ||
            last.pods > candidate.usage.pods;
    last.resource_version = candidate.node->metadata.resource_version;
    last.pods = candidate.usage.pods;
    last.pass = passes_;
  }
  // Nodes gone since the last pass are forgotten (a node removed frees no room).
  absl::erase_if(last_nodes_, [this](const auto& node) { return node.second.pass != passes_; });
  ++passes_;
  if (!event) return;
  for (auto& [uid, backoff] : attempts_) backoff.event_since = true;
}

Scheduler::PodFacts Scheduler::FactsOf(const json::object& pod) {
  PodFacts facts;
  const std::string_view phase = StringView(pod, {"status", "phase"});
  facts.done = phase == "Succeeded" || phase == "Failed" || Terminating(pod);
  if (facts.done) return facts;
  facts.node = std::string(StringView(pod, {"spec", "nodeName"}));
  facts.uid = UidOf(pod);
  facts.requests = RequestsOf(pod);
  std::string wanted = json_fields::String(pod.at("spec").as_object(), "schedulerName");
  facts.ours = (wanted.empty() ? "default-scheduler" : wanted) == options_.config.scheduler_name;
  if (facts.node.empty() && facts.ours) facts.created = OwnedPodOf(pod).created;
  return facts;
}

std::vector<const json::object*> Scheduler::ReadPods(const std::vector<ObjectRef>& pods,
                                                     std::vector<Candidate>& nodes, const NodeIndex& index) {
  std::vector<std::pair<absl::Time, const json::object*>> pending;
  std::map<std::string, Assumed> still_assumed;
  auto charge = [&](std::string_view node, const kube::Resources& requests) {
    auto at = index.find(node);
    if (at == index.end()) return;
    NodeUsage& usage = nodes[at->second].usage;
    usage.pods += 1;
    usage.requested.cpu_milli += requests.cpu_milli;
    usage.requested.memory_bytes += requests.memory_bytes;
  };
  for (const ObjectRef& ref : pods) {
    // Read once per pod version: a pass walks every pod (50,000 at scale).
    const PodFacts& facts = pod_facts_.Get(ref, [this](const json::object& pod) { return FactsOf(pod); });
    if (facts.done) continue;
    if (!facts.node.empty()) {
      charge(facts.node, facts.requests);
      continue;
    }
    // Bound by an earlier pass, but the reader has not seen it yet: kube-
    // scheduler's cache keeps such pods "assumed" on their node.
    if (auto assumed = assumed_.find(facts.uid); assumed != assumed_.end()) {
      charge(assumed->second.node, assumed->second.requests);
      still_assumed.insert(*assumed);
      continue;
    }
    if (facts.ours) pending.push_back({facts.created, ref.get()});
  }
  pod_facts_.EndPass();
  assumed_ = std::move(still_assumed);
  if (requests_.size() > 2 * pods.size() + 1024) {  // Forget pods long gone.
    absl::flat_hash_map<std::string, std::pair<std::string, kube::Resources>> kept;
    for (const ObjectRef& ref : pods) {
      const std::string_view uid = StringView(*ref, {"metadata", "uid"});
      auto at = requests_.find(absl::string_view(uid.data(), uid.size()));
      if (at != requests_.end()) kept.insert(*at);
    }
    requests_ = std::move(kept);
  }
  // Oldest first, as kube-scheduler's queue orders pods of equal priority.
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const json::object*> ordered;
  for (const auto& [created, pod] : pending) ordered.push_back(pod);
  return ordered;
}

const kube::Node* Scheduler::NodeOf(const json::object& object) {
  const std::string_view name = StringView(object, {"metadata", "name"});
  const std::string_view version = StringView(object, {"metadata", "resourceVersion"});
  auto cached = nodes_.find(absl::string_view(name.data(), name.size()));
  if (cached == nodes_.end() || cached->second.metadata.resource_version != version) {
    absl::StatusOr<kube::Node> node = kube::ParseNode(json::serialize(object));
    if (!node.ok()) return nullptr;
    cached = nodes_.insert_or_assign(std::string(name), *std::move(node)).first;
  }
  return &cached->second;
}

kube::Resources Scheduler::RequestsOf(const json::object& pod) {
  const std::string_view uid = StringView(pod, {"metadata", "uid"});
  // The spec's version: the API server bumps metadata.generation when the
  // spec changes, so the kubelets' status writes do not make every pod be
  // parsed again (at 50,000 pods that was half a second a pass).
  const json::value* generation = json_fields::At(pod, {"metadata", "generation"});
  const std::string version = generation != nullptr && generation->is_int64()
                                  ? absl::StrCat("g", generation->as_int64())
                                  : std::string(StringView(pod, {"metadata", "resourceVersion"}));
  auto cached = requests_.find(absl::string_view(uid.data(), uid.size()));
  if (cached != requests_.end() && cached->second.first == version) return cached->second.second;
  absl::StatusOr<kube::Pod> parsed = kube::ParsePod(json::serialize(pod));
  const kube::Resources requests = parsed.ok() ? parsed->EffectiveRequests() : kube::Resources{};
  requests_[std::string(uid)] = {version, requests};
  return requests;
}

absl::Status Scheduler::Attempt(const json::object& pod_json, std::vector<Candidate>& nodes,
                                const NodeIndex& index) {
  const absl::Time now = clock_.Now();
  const std::string uid = UidOf(pod_json);
  const std::string version = json_fields::String(pod_json.at("metadata").as_object(), "resourceVersion");
  auto attempt = attempts_.find(uid);
  if (attempt != attempts_.end() && attempt->second.resource_version == version) {
    const Backoff& waiting = attempt->second;
    const absl::Duration backoff =
        std::min(absl::Seconds(1) * (1 << std::min(waiting.failures - 1, 4)), absl::Seconds(10));
    const bool moved = waiting.event_since || now - waiting.last_attempt >= absl::Minutes(5);
    if (!moved || now - waiting.last_attempt < backoff) return absl::OkStatus();
  }
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(json::serialize(pod_json));
  if (!pod.ok()) return absl::OkStatus();
  const absl::Time scheduling = absl::Now();
  const absl::Duration waited = stats_.extender_time;
  const Outcome outcome = ScheduleOne(pod_json, *pod, nodes);
  stats_.filter_time += absl::Now() - scheduling - (stats_.extender_time - waited);
  if (!outcome.node.empty()) {
    // Assumed on its node at once, as kube-scheduler's cache does; bound in
    // the background, as its binding cycle is (ApplyWriteResults forgets it
    // if the binding is refused).
    assumed_[uid] = Assumed{outcome.node, pod->EffectiveRequests()};
    NodeUsage& usage = nodes[index.at(outcome.node)].usage;
    usage.pods += 1;
    usage.requested.cpu_milli += pod->EffectiveRequests().cpu_milli;
    usage.requested.memory_bytes += pod->EffectiveRequests().memory_bytes;
    attempts_.erase(uid);
    const std::string name_space = NamespaceOf(pod_json);
    const std::string name = NameOf(pod_json);
    json::object event = PodEvent(pod_json, "Normal", "Scheduled",
                                  absl::StrCat("Successfully assigned ", name_space, "/", name, " to ", outcome.node),
                                  options_.config.scheduler_name, "", clock_.Now());
    writes_.Submit([this, uid, name_space, name, node = outcome.node, skipped = outcome.extender_skipped,
                    event = std::move(event)] { BindAndRecord(uid, name_space, name, node, skipped, event); });
    return absl::OkStatus();
  }
  ++stats_.unschedulable_attempts;
  Backoff& next = attempts_[uid];
  next.failures += 1;
  next.last_attempt = now;
  next.event_since = false;
  // The status write bumps the resourceVersion: ApplyWriteResults records
  // the new one, so our own write does not count as a change to the pod.
  next.resource_version = version;
  RecordFailure(pod_json, outcome);
  return absl::OkStatus();
}

std::vector<Scheduler::Candidate*> Scheduler::Feasible(const kube::Pod& pod, std::vector<Candidate>& nodes,
                                                       std::map<std::string, int>& reasons,
                                                       std::vector<FilterVerdict>& verdicts) {
  const int wanted = NumFeasibleNodesToFind(static_cast<int>(nodes.size()),
                                            options_.config.percentage_of_nodes_to_score);
  std::vector<Candidate*> feasible;
  size_t visited = 0;
  for (; visited < nodes.size() && static_cast<int>(feasible.size()) < wanted; ++visited) {
    Candidate& candidate = nodes[(next_start_ + visited) % nodes.size()];
    const FilterVerdict verdict = FilterNode(pod, *candidate.node, candidate.usage);
    if (verdict.fits()) {
      feasible.push_back(&candidate);
      continue;
    }
    for (const std::string& reason : verdict.reasons) ++reasons[reason];
    verdicts.push_back(verdict);
  }
  if (!nodes.empty()) next_start_ = (next_start_ + visited) % nodes.size();
  return feasible;
}

Scheduler::Outcome Scheduler::ScheduleOne(const json::object& pod_json, const kube::Pod& pod,
                                          std::vector<Candidate>& nodes) {
  std::map<std::string, int> reasons;
  std::vector<FilterVerdict> verdicts;
  std::vector<Candidate*> feasible = Feasible(pod, nodes, reasons, verdicts);
  bool extender_skipped = false;
  if (!feasible.empty()) {
    Outcome extended = RunExtenders(pod_json, feasible, reasons, verdicts);
    if (extended.error) return extended;
    extender_skipped = extended.extender_skipped;
  }
  if (feasible.empty()) {
    const int all = static_cast<int>(nodes.size());
    return Outcome{"", FitErrorMessage(all, reasons, NoPreemptionMessage(all, verdicts)), false};
  }
  return Outcome{Pick(pod_json, pod, feasible), "", false, extender_skipped};
}

Scheduler::Outcome Scheduler::RunExtenders(const json::object& pod_json, std::vector<Candidate*>& feasible,
                                           std::map<std::string, int>& reasons,
                                           std::vector<FilterVerdict>& verdicts) {
  bool skipped = false;
  for (const std::unique_ptr<ExtenderClient>& extender : extenders_) {
    if (feasible.empty()) break;
    if (extender->config().filter_verb.empty() || !extender->IsInterested(pod_json)) continue;
    std::vector<const json::object*> objects;
    for (const Candidate* candidate : feasible) objects.push_back(candidate->json);
    const absl::Time start = absl::Now();
    absl::StatusOr<ExtenderFilterAnswer> answer = extender->Filter(pod_json, objects);
    ++stats_.extender_calls;
    stats_.extender_time += absl::Now() - start;
    if (!answer.ok()) {
      if (extender->config().ignorable) {
        skipped = true;
        continue;
      }
      return Outcome{"", absl::StrCat("extender ", extender->config().url_prefix, ": ", answer.status().message()),
                     true};
    }
    const absl::flat_hash_set<absl::string_view> passed(answer->feasible.begin(), answer->feasible.end());
    std::vector<Candidate*> kept;
    for (Candidate* candidate : feasible) {
      const std::string& name = candidate->node->metadata.name;
      if (passed.contains(name)) {
        kept.push_back(candidate);
        continue;
      }
      const bool unresolvable = answer->failed_unresolvable.count(name) > 0;
      const std::string reason = unresolvable ? answer->failed_unresolvable[name] : answer->failed[name];
      ++reasons[reason];
      verdicts.push_back(FilterVerdict{{reason}, !unresolvable});
    }
    feasible = std::move(kept);
  }
  Outcome outcome;
  outcome.extender_skipped = skipped;
  return outcome;
}

std::string Scheduler::Pick(const json::object& pod_json, const kube::Pod& pod,
                            const std::vector<Candidate*>& feasible) {
  if (feasible.size() == 1) return feasible[0]->node->metadata.name;
  std::vector<int64_t> total;
  absl::flat_hash_map<absl::string_view, size_t> position;
  std::vector<const json::object*> objects;
  for (const Candidate* candidate : feasible) {
    position[candidate->node->metadata.name] = total.size();
    total.push_back(OwnScore(*candidate->node, candidate->usage, pod.EffectiveRequests()));
    objects.push_back(candidate->json);
  }
  for (const std::unique_ptr<ExtenderClient>& extender : extenders_) {
    if (extender->config().prioritize_verb.empty() || !extender->IsInterested(pod_json)) continue;
    const absl::Time start = absl::Now();
    absl::StatusOr<std::map<std::string, int64_t>> scores = extender->Prioritize(pod_json, objects);
    ++stats_.extender_calls;
    stats_.extender_time += absl::Now() - start;
    if (!scores.ok()) continue;  // kube-scheduler ignores prioritize errors.
    // Extender scores are 0..10; kube-scheduler scales them to its 0..100.
    for (const auto& [name, score] : *scores) {
      auto at = position.find(name);
      if (at != position.end()) total[at->second] += score * extender->config().weight * 10;
    }
  }
  // The best score; ties broken at random (seeded), as kube-scheduler does.
  size_t chosen = 0;
  int ties = 0;
  for (size_t i = 0; i < feasible.size(); ++i) {
    if (ties == 0 || total[i] > total[chosen]) {
      chosen = i;
      ties = 1;
    } else if (total[i] == total[chosen] && std::uniform_int_distribution<int>(0, ties++)(random_) == 0) {
      chosen = i;
    }
  }
  return feasible[chosen]->node->metadata.name;
}

void Scheduler::RecordFailure(const json::object& pod_json, const Outcome& outcome) {
  const char* reason = outcome.error ? "SchedulerError" : "Unschedulable";
  std::string since = KubeTime(clock_.Now());
  if (const json::object* old = Condition(pod_json, "PodScheduled");
      old != nullptr && json_fields::String(*old, "status") == "False" && json_fields::String(*old, "reason") == reason) {
    since = json_fields::String(*old, "lastTransitionTime");
  }
  json::object condition{{"type", "PodScheduled"}, {"status", "False"}, {"reason", reason},
                         {"message", outcome.message}, {"lastProbeTime", nullptr}, {"lastTransitionTime", since}};
  json::object patch{{"status", json::object{{"phase", "Pending"}, {"conditions", json::array{condition}}}}};
  json::object event = PodEvent(pod_json, "Warning", "FailedScheduling", outcome.message,
                                options_.config.scheduler_name, "", clock_.Now());
  writes_.Submit([this, uid = UidOf(pod_json), name_space = NamespaceOf(pod_json), name = NameOf(pod_json),
                  patch = std::move(patch), event = std::move(event)] {
    const absl::Time recording = absl::Now();
    absl::StatusOr<json::object> patched =
        client_.Patch(PathOf("", "v1", "pods", name_space, name, "status"), kube::PatchType::kMerge, patch);
    absl::Status created = absl::OkStatus();
    if (patched.ok() || absl::IsNotFound(patched.status())) {
      created = client_.Create(PathOf("", "v1", "events", name_space), event).status();
    }
    absl::MutexLock lock(&results_mu_);
    results_.event_time += absl::Now() - recording;
    if (patched.ok()) {
      results_.status_versions.emplace_back(uid, std::string(StringView(*patched, {"metadata", "resourceVersion"})));
    }
    const absl::Status failed = !patched.ok() && !absl::IsNotFound(patched.status()) ? patched.status() : created;
    if (!failed.ok() && results_.first_error.ok()) results_.first_error = failed;
  });
}

}  // namespace spillway::sim
