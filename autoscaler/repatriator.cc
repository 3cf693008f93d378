#include "autoscaler/repatriator.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "burst/intent.h"
#include "common/log_format.h"
#include "glog/logging.h"
#include "kube/decode.h"

namespace spillway::autoscaler {
namespace {

// A move is in flight at most this long: a replacement that cannot be
// scheduled must not hold its workload for ever.
constexpr absl::Duration kMaxInFlight = absl::Minutes(2);

// Pods whose controller recreates them when evicted. A Job's pod would
// restart its work; a DaemonSet's is per node; a bare pod would be lost.
bool Recreated(const kube::PodRecord& pod) {
  return pod.owner_kind() == "ReplicaSet" || pod.owner_kind() == "StatefulSet";
}

std::string WorkloadOf(const kube::PodRecord& pod) {
  return absl::StrCat(pod.namespace_(), "/", pod.owner_kind(), "/", pod.owner_name());
}

bool Terminal(const kube::PodRecord& pod) { return pod.phase() == "Succeeded" || pod.phase() == "Failed"; }

// A pod without a node that is not known to be unschedulable for a reason
// room would not cure: kube-scheduler will give it the room first.
bool WaitsForRoom(const kube::PodRecord& pod) {
  if (!pod.node_name().empty() || pod.deleting() || Terminal(pod)) return false;
  if (!pod.unschedulable()) return true;
  const absl::string_view message = pod.scheduling_message();
  return absl::StrContains(message, "Insufficient") || absl::StrContains(message, "Too many pods");
}

// Which annotation keeps the pod where it is, as `key: "value"`.
std::string OptOut(const kube::StringMap& annotations) {
  const std::pair<const char*, const char*> keep[] = {
      {kRepatriateAnnotation, "false"},
      {"karpenter.sh/do-not-disrupt", "true"},
      {"cluster-autoscaler.kubernetes.io/safe-to-evict", "false"},
  };
  for (const auto& [key, value] : keep) {
    if (annotations.Has(key, value)) return absl::StrCat(key, ": \"", value, "\"");
  }
  return "";
}

std::string Seconds(absl::Duration d) { return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))); }

kube::ObjectReference PodReference(const kube::PodRecord& pod) {
  return {"v1", "Pod", std::string(pod.namespace_()), std::string(pod.name()), std::string(pod.uid())};
}

}  // namespace

RepatriationOptions RepatriationOptionsFrom(const config::RepatriationConfig& config) {
  RepatriationOptions options;
  if (config.has_min_age_seconds()) options.min_age = absl::Seconds(config.min_age_seconds());
  if (config.has_stable_seconds()) options.stable_for = absl::Seconds(config.stable_seconds());
  if (config.has_hysteresis_seconds()) options.hysteresis = absl::Seconds(config.hysteresis_seconds());
  if (config.has_moves_per_minute()) options.moves_per_minute = static_cast<int>(config.moves_per_minute());
  return options;
}

Repatriator::Repatriator(kube::RestClient& client, kube::ClusterInformers& informers,
                         const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                         kube::EventRecorder& events, const Clock& clock, AutoscalerMetrics& metrics, Options options)
    : client_(client),
      informers_(informers),
      resolver_(resolver),
      rule_(rule),
      events_(events),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      controller_(
          "repatriation", clock, metrics,
          [this](const std::string&) {
            absl::Status status = Pass();
            controller_.EnqueueAfter(kPassKey, options_.interval);
            return status;
          },
          /*workers=*/1) {
  if (options_.capacity.has_value()) requester_ = std::make_unique<CapacityRequester>(client, metrics, *options_.capacity);
}

absl::Status Repatriator::Pass() {
  if (!options_.may_act()) return absl::OkStatus();
  const absl::Time now = clock_.Now();
  const Pods pods = informers_.pods().List();
  // Placeholders hold room for pods moving home: it counts as free.
  Pods real;
  for (const auto& pod : pods) {
    if (!IsPlaceholder(*pod)) real.push_back(pod);
  }
  std::vector<EcsRoom> room = ObserveRoom(real, now);
  const std::vector<EciCandidate> candidates = Candidates(pods, now);
  const std::map<std::string, WorkloadHistory> history = History(pods, now);
  AccrueSavings(pods, now);
  // A pod waiting for a node gets the room before any move does.
  if (std::any_of(real.begin(), real.end(), [](const auto& pod) { return WaitsForRoom(*pod); })) room.clear();
  int moved_last_minute = 0;
  {
    absl::MutexLock lock(&mu_);
    moved_last_minute = MovedSince(now - absl::Minutes(1));
  }
  const RepatriationPlan plan = PlanRepatriation(candidates, room, history, moved_last_minute, options_.plan, now);
  absl::flat_hash_map<std::string, const kube::PodRecord*> by_key;
  for (const auto& pod : pods) by_key[pod->Key()] = pod.get();
  for (const Move& move : plan.moves) {
    auto it = by_key.find(move.pod);
    if (it == by_key.end() || !options_.may_act()) continue;
    MakeRoom(move, *it->second, pods);
    MoveHome(move, *it->second, now);
  }
  RecordWaits(plan.waiting, by_key);
  if (requester_ != nullptr && options_.may_act()) RequestCapacity(candidates, plan, by_key, pods, now);
  return absl::OkStatus();
}

void Repatriator::MakeRoom(const Move& move, const kube::PodRecord& pod, const Pods& pods) {
  if (requester_ == nullptr) return;
  const std::string own = PlaceholderName(std::string(pod.uid()));
  std::string own_key;
  std::vector<const kube::PodRecord*> others;  // Placeholders on the target node.
  for (const auto& p : pods) {
    if (!IsPlaceholder(*p)) continue;
    if (p->name() == own) {
      (void)requester_->Delete(*p);  // Its room is free now, wherever it was.
      own_key = p->Key();
    } else if (p->node_name() == move.node) {
      others.push_back(p.get());
    }
  }
  std::shared_ptr<const kube::Node> node = informers_.nodes().Get(move.node);
  if (node == nullptr) return;
  // What the node's pods request as kube-scheduler counts it, less the
  // placeholder just deleted.
  burst::NodeLoad load = burst::NodeLoads(pods, own_key)[move.node];
  for (const kube::PodRecord* placeholder : others) {
    const bool fits = node->allocatable.cpu_milli - load.used.cpu_milli >= pod.requests().cpu_milli &&
                      node->allocatable.memory_bytes - load.used.memory_bytes >= pod.requests().memory_bytes &&
                      node->allocatable_pods - load.pods >= 1;
    if (fits) return;
    if (!requester_->Delete(*placeholder).ok()) continue;
    load.used.cpu_milli -= placeholder->requests().cpu_milli;
    load.used.memory_bytes -= placeholder->requests().memory_bytes;
    --load.pods;
  }
}

void Repatriator::RequestCapacity(const std::vector<EciCandidate>& candidates, const RepatriationPlan& plan,
                                  const absl::flat_hash_map<std::string, const kube::PodRecord*>& by_key,
                                  const Pods& pods, absl::Time now) {
  absl::flat_hash_set<std::string> moved, no_room;
  for (const Move& move : plan.moves) moved.insert(move.pod);
  for (const Waiting& w : plan.waiting) {
    if (w.reason == WaitReason::kNoRoom) no_room.insert(w.pod);
  }
  std::vector<EciPod> eci;
  std::map<std::string, std::string> eci_uids;  // Every burst pod that may still move, by key.
  for (const EciCandidate& c : candidates) {
    auto record = by_key.find(c.key);
    if (!c.asked_burst || !c.opted_out.empty() || moved.contains(c.key) || record == by_key.end()) continue;
    eci_uids[c.key] = std::string(record->second->uid());
    if (no_room.contains(c.key)) eci.push_back({c.key, c.cpu_milli, c.memory_bytes, c.running_since});
  }
  Pods placeholders;
  for (const auto& pod : pods) {
    if (IsPlaceholder(*pod)) placeholders.push_back(pod);
  }
  requester_->Reconcile(eci, eci_uids, placeholders, now);
}

std::vector<EcsRoom> Repatriator::ObserveRoom(const Pods& pods, absl::Time now) {
  const absl::flat_hash_map<std::string, burst::NodeLoad> loads = burst::NodeLoads(pods);
  std::vector<EcsRoom> room;
  absl::MutexLock lock(&mu_);
  absl::flat_hash_set<std::string> present;
  for (const auto& node : informers_.nodes().List()) {
    if (rule_.IsVirtual(*node) || node->unschedulable || !node->ready) continue;
    const std::string& name = node->metadata.name;
    present.insert(name);
    RoomSample sample{now, node->allocatable.cpu_milli, node->allocatable.memory_bytes, node->allocatable_pods};
    if (auto load = loads.find(name); load != loads.end()) {
      sample.cpu_milli -= load->second.used.cpu_milli;
      sample.memory_bytes -= load->second.used.memory_bytes;
      sample.pods -= load->second.pods;
    }
    std::deque<RoomSample>& samples = room_[name];
    samples.push_back(sample);
    // Keep the samples of the window and the last one before it (which
    // covers the window's start).
    while (samples.size() >= 2 && samples[1].at <= now - options_.plan.stable_for) samples.pop_front();
    EcsRoom r{name, sample.cpu_milli, sample.memory_bytes, sample.pods, samples.front().at};
    for (const RoomSample& s : samples) {
      r.cpu_milli = std::min(r.cpu_milli, s.cpu_milli);
      r.memory_bytes = std::min(r.memory_bytes, s.memory_bytes);
      r.pods = std::min(r.pods, s.pods);
    }
    room.push_back(std::move(r));
  }
  for (auto it = room_.begin(); it != room_.end();) {
    auto here = it++;
    if (!present.contains(here->first)) room_.erase(here);
  }
  return room;
}

absl::StatusOr<Repatriator::PodFacts> Repatriator::ReadFacts(const kube::PodRecord& record) {
  const kube::ResourcePath path{"", "v1", "pods", std::string(record.namespace_()), std::string(record.name()), ""};
  absl::StatusOr<std::string> text = client_.CallRaw("GET", path.Url(), "");
  if (!text.ok()) return text.status();
  absl::StatusOr<kube::Pod> pod = kube::ParsePod(*std::move(text));
  if (!pod.ok()) return pod.status();
  if (pod->metadata.uid != record.uid()) return absl::NotFoundError("replaced by a pod of the same name");
  PodFacts facts;
  std::shared_ptr<const kube::Namespace> space = informers_.namespaces().Get(pod->metadata.namespace_);
  // What it asked for, not where kube-scheduler bound it: a pod bound to a
  // virtual node reads as ECI-only by its spec.nodeName alone.
  kube::Pod asked = *pod;
  asked.node_name.clear();
  absl::StatusOr<burst::PodPolicy> policy = resolver_.Resolve(burst::PodContext{asked, space.get()});
  facts.asked_burst = policy.ok() && policy->intent == burst::Intent::kBurst;
  VLOG(1) << "repatriation pod=" << record.Key() << " intent="
          << (policy.ok() ? burst::IntentName(policy->intent) : "invalid") << " ("
          << (policy.ok() ? policy->reason : policy.status().ToString()) << ")";
  facts.pod = std::make_shared<const kube::Pod>(*std::move(pod));
  return facts;
}

std::vector<const kube::PodRecord*> Repatriator::NoteOnEci(const Pods& on_eci, absl::Time now) {
  std::vector<const kube::PodRecord*> unread;
  absl::flat_hash_set<std::string> present;
  absl::MutexLock lock(&mu_);
  for (const auto& pod : on_eci) {
    const std::string uid(pod->uid());
    present.insert(uid);
    auto [it, added] = seen_.try_emplace(uid, Seen{now, std::nullopt});
    if (added) {
      // A new pod of a workload brought home within the hysteresis: the
      // room was not real (or the workload grew again). Either way, wait.
      const std::string workload = WorkloadOf(*pod);
      WorkloadHistory& past = history_[workload];
      if (past.last_home != absl::InfinitePast() && now - past.last_home < options_.plan.hysteresis) {
        past.last_out = now;
        metrics_.CountRepatriationFlap();
        LOG(WARNING) << "repatriation pod=" << pod->Key() << " workload=" << workload << " went to ECI "
                     << Seconds(now - past.last_home) << " after a move home; the workload waits out the hysteresis";
      }
    }
    if (now - it->second.since >= options_.plan.min_age && !it->second.facts.has_value()) unread.push_back(pod.get());
  }
  for (auto it = seen_.begin(); it != seen_.end();) {
    auto here = it++;
    if (!present.contains(here->first)) {
      told_.erase(here->first);
      seen_.erase(here);
    }
  }
  return unread;
}

std::vector<EciCandidate> Repatriator::Candidates(const Pods& pods, absl::Time now) {
  Pods on_eci;
  for (const auto& pod : pods) {
    if (!pod->node_name().empty() && rule_.IsVirtualName(pod->node_name()) && pod->phase() == "Running" &&
        !pod->deleting() && Recreated(*pod)) {
      on_eci.push_back(pod);
    }
  }
  // The whole pod is read once, old enough to judge, without the lock.
  std::vector<std::pair<std::string, PodFacts>> read;
  for (const kube::PodRecord* pod : NoteOnEci(on_eci, now)) {
    absl::StatusOr<PodFacts> facts = ReadFacts(*pod);
    if (facts.ok()) {
      read.emplace_back(std::string(pod->uid()), *std::move(facts));
    } else {
      VLOG(1) << "repatriation pod=" << pod->Key() << " not judged: " << facts.status();
    }
  }
  std::vector<std::shared_ptr<const kube::Node>> regular;
  for (const auto& node : informers_.nodes().List()) {
    if (!rule_.IsVirtual(*node) && !node->unschedulable && node->ready) regular.push_back(node);
  }
  std::vector<EciCandidate> candidates;
  absl::MutexLock lock(&mu_);
  for (auto& [uid, facts] : read) {
    if (auto it = seen_.find(uid); it != seen_.end()) it->second.facts = std::move(facts);
  }
  for (const auto& pod : on_eci) {
    const Seen& seen = seen_[std::string(pod->uid())];
    EciCandidate candidate;
    candidate.key = pod->Key();
    candidate.workload = WorkloadOf(*pod);
    candidate.cpu_milli = pod->requests().cpu_milli;
    candidate.memory_bytes = pod->requests().memory_bytes;
    candidate.running_since = seen.since;
    candidate.opted_out = OptOut(pod->annotations());
    // Not judged until old enough (or the read failed): the plan says it is
    // too young, or it is left out this pass.
    candidate.asked_burst = !seen.facts.has_value() || seen.facts->asked_burst;
    if (seen.facts.has_value()) {
      for (const auto& node : regular) {
        if (burst::SchedulerHints(*seen.facts->pod, *node).empty()) candidate.fits_on.push_back(node->metadata.name);
      }
    } else if (now - seen.since >= options_.plan.min_age) {
      continue;
    }
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

std::map<std::string, WorkloadHistory> Repatriator::History(const Pods& pods, absl::Time now) {
  absl::flat_hash_set<std::string> uids;
  absl::flat_hash_set<std::string> waiting_workloads;
  for (const auto& pod : pods) {
    uids.insert(std::string(pod->uid()));
    if (WaitsForRoom(*pod)) waiting_workloads.insert(WorkloadOf(*pod));
  }
  absl::MutexLock lock(&mu_);
  for (auto& [workload, past] : history_) past.in_flight = false;
  for (Moved& moved : moves_) {
    if (moved.done) continue;
    const bool evicted_gone = !uids.contains(moved.uid);
    const bool replacement_placed = !waiting_workloads.contains(moved.move.workload);
    if ((evicted_gone && replacement_placed) || now - moved.move.started >= kMaxInFlight) {
      moved.done = true;
      continue;
    }
    history_[moved.move.workload].in_flight = true;
  }
  const absl::Duration keep = std::max(options_.plan.hysteresis, absl::Minutes(1));
  while (!moves_.empty() && moves_.front().done && now - moves_.front().move.started > keep) moves_.pop_front();
  for (auto it = history_.begin(); it != history_.end();) {
    const WorkloadHistory& past = it->second;
    const bool recent = now - std::max(past.last_home, past.last_out) < keep;
    it = (!past.in_flight && !recent) ? history_.erase(it) : std::next(it);
  }
  return history_;
}

void Repatriator::AccrueSavings(const Pods& pods, absl::Time now) {
  std::map<std::string, int64_t> on_ecs;  // Running pods per workload on regular nodes.
  for (const auto& pod : pods) {
    if (pod->phase() != "Running" || pod->node_name().empty() || rule_.IsVirtualName(pod->node_name())) continue;
    if (Recreated(*pod)) ++on_ecs[WorkloadOf(*pod)];
  }
  absl::MutexLock lock(&mu_);
  const double seconds = last_pass_ == absl::InfinitePast() ? 0 : absl::ToDoubleSeconds(now - last_pass_);
  last_pass_ = now;
  double vcpu_seconds = 0;
  for (auto it = saved_.begin(); it != saved_.end();) {
    std::vector<int64_t>& moved = it->second;
    // The workload scaled in below what was moved: those savings ended.
    const auto kept = static_cast<size_t>(on_ecs[it->first]);
    if (moved.size() > kept) moved.resize(kept);
    for (int64_t cpu_milli : moved) vcpu_seconds += static_cast<double>(cpu_milli) / 1000.0 * seconds;
    it = moved.empty() ? saved_.erase(it) : std::next(it);
  }
  if (vcpu_seconds > 0) metrics_.AddEciVcpuSecondsSaved(vcpu_seconds);
}

void Repatriator::MoveHome(const Move& move, const kube::PodRecord& pod, absl::Time now) {
  const std::string workload = WorkloadOf(pod);
  if (!options_.may_act()) return;
  absl::Duration age;
  {
    absl::MutexLock lock(&mu_);
    auto seen = seen_.find(std::string(pod.uid()));
    age = seen == seen_.end() ? absl::ZeroDuration() : now - seen->second.since;
  }
  const absl::Status evicted =
      client_.Evict(std::string(pod.namespace_()), std::string(pod.name()), std::string(pod.uid()));
  if (evicted.code() == absl::StatusCode::kUnavailable) {
    metrics_.CountRepatriation("refused");
    const std::string why = absl::StrCat("its eviction was refused (", evicted.message(),
                                         "); a PodDisruptionBudget allows no disruption now, tried again next pass");
    VLOG(1) << "repatriation pod=" << move.pod << " refused: " << LogValue(why);
    (void)events_.Record(PodReference(pod), kube::EventType::kNormal, "NotRepatriated", why);
    return;
  }
  if (evicted.code() == absl::StatusCode::kNotFound || evicted.code() == absl::StatusCode::kAborted) return;
  if (!evicted.ok()) {
    metrics_.CountRepatriation("failed");
    LOG(WARNING) << "repatriation pod=" << move.pod << " eviction failed: " << evicted;
    return;
  }
  metrics_.CountRepatriation("moved");
  {
    absl::MutexLock lock(&mu_);
    moves_.push_back(Moved{MoveInFlight{move.pod, workload, move.node, now}, std::string(pod.uid()),
                           pod.requests().cpu_milli, false});
    WorkloadHistory& past = history_[workload];
    past.last_home = now;
    past.in_flight = true;
    saved_[workload].push_back(pod.requests().cpu_milli);
  }
  const std::string message =
      absl::StrCat("ECS node ", move.node, " has had room for it for ", Seconds(options_.plan.stable_for),
                   "; evicted after ", Seconds(age), " on ECI so its ", pod.owner_kind(), " ", pod.owner_name(),
                   " recreates it on ECS");
  LOG(INFO) << "repatriation pod=" << move.pod << " node=" << move.node << " action=evict why=" << LogValue(message);
  (void)events_.Record(PodReference(pod), kube::EventType::kNormal, "RepatriatedToECS", message);
}

void Repatriator::RecordWaits(const std::vector<Waiting>& waiting,
                              const absl::flat_hash_map<std::string, const kube::PodRecord*>& by_key) {
  std::vector<std::pair<const kube::PodRecord*, const Waiting*>> tell;
  {
    absl::MutexLock lock(&mu_);
    waiting_.clear();
    for (const Waiting& w : waiting) {
      waiting_[w.pod] = w;
      // Every pod is too young at first, and pods that never asked to burst
      // or opted out stay by design: no Event for those.
      if (w.reason == WaitReason::kTooYoung || w.reason == WaitReason::kNotBurst ||
          w.reason == WaitReason::kOptedOut) {
        continue;
      }
      auto pod = by_key.find(w.pod);
      if (pod == by_key.end()) continue;
      auto [told, added] = told_.try_emplace(std::string(pod->second->uid()), w.reason);
      if (!added && told->second == w.reason) continue;
      told->second = w.reason;
      tell.emplace_back(pod->second, &w);
    }
  }
  for (const auto& [pod, w] : tell) {
    (void)events_.Record(PodReference(*pod), kube::EventType::kNormal, "NotRepatriated",
                         absl::StrCat("stays on ECI for now: ", w->why));
  }
}

int Repatriator::MovedSince(absl::Time since) const {
  return static_cast<int>(std::count_if(moves_.begin(), moves_.end(),
                                        [&](const Moved& moved) { return moved.move.started > since; }));
}

RepatriationVerdict Repatriator::Explain(const std::string& pod_key) const {
  absl::MutexLock lock(&mu_);
  for (const Moved& moved : moves_) {
    if (moved.move.pod == pod_key && !moved.done) {
      return {"moving", "", absl::StrCat("evicted to move home to ECS node ", moved.move.node)};
    }
  }
  auto it = waiting_.find(pod_key);
  if (it == waiting_.end()) {
    return {"not_judged", "", "not a controller-owned pod Running on a virtual node at the last pass"};
  }
  return {"waiting", std::string(WaitReasonName(it->second.reason)), it->second.why};
}

std::vector<MoveInFlight> Repatriator::InFlight() const {
  absl::MutexLock lock(&mu_);
  std::vector<MoveInFlight> moves;
  for (const Moved& moved : moves_) {
    if (!moved.done) moves.push_back(moved.move);
  }
  return moves;
}

}  // namespace spillway::autoscaler
