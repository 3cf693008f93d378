#include "sim/cluster/simulation.h"

#include <malloc.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/files.h"
#include "common/http/client.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "glog/logging.h"
#include "sim/apiserver/api_server.h"
#include "sim/cluster/child_process.h"
#include "sim/cluster/cluster_cache.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/manifests.h"
#include "sim/cluster/object_facts.h"
#include "sim/cluster/stand_ins.h"
#include "sim/kubelet/kubelets.h"

namespace spillway::sim {
namespace json = boost::json;
namespace {

// Simulated time: the scenario loop advances it a tick at a time, once every
// stand-in has finished its pass and the watch caches have caught up, and
// no sooner than real time at `speed` allows. A machine too busy to keep up
// slows the story (time dilation) instead of changing it. Thread-safe.
class SteppedClock : public Clock {
 public:
  explicit SteppedClock(absl::Time start) : now_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override { return absl::FromUnixNanos(now_.load()); }
  void Advance(absl::Duration by) { now_ += absl::ToInt64Nanoseconds(by); }

 private:
  std::atomic<int64_t> now_;
};

// How long a pass waits for Spillway to settle before the story goes on
// without it (counted in the summary).
constexpr absl::Duration kSpillwaySettleLimit = absl::Seconds(2);

// failurePolicy Ignore, as deploy/spillway.yaml ships it.
constexpr char kWebhookConfiguration[] = R"(apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: spillway}
webhooks:
- name: pods.spillway.alibabacloud.com
  clientConfig: {url: "https://localhost:%d/mutate/pods"}
  rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
  namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]}]}
  failurePolicy: Ignore
  sideEffects: None
  admissionReviewVersions: [v1]
  timeoutSeconds: 5
)";

// The last `count` lines of a log file, joined by " | ".
std::string LastLines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  if (lines.empty()) return "(nothing in " + path + ")";
  return absl::StrJoin(lines, " | ");
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

absl::Status WaitUntil(const std::function<bool()>& done, absl::Duration limit, const std::string& what) {
  const absl::Time until = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > until) return absl::DeadlineExceededError(absl::StrCat("timed out waiting for ", what));
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::OkStatus();
}

// Starts `spillway serve` against the cluster and waits until its extender
// is ready and its webhook certificate is in the MutatingWebhookConfiguration.
// `*extender_port` and `*webhook_port` 0 pick ports; a restart passes the
// ones picked, so kube-scheduler's extender URL and the webhook configuration
// stay true.
absl::StatusOr<std::unique_ptr<ChildProcess>> StartSpillway(const Scenario& scenario, const SimulationOptions& options,
                                                           kube::RestClient& client, const std::string& kubeconfig,
                                                           uint16_t* extender_port, int* webhook_port_in_out) {
  if (*webhook_port_in_out == 0) *webhook_port_in_out = FreePort();
  const int webhook_port = *webhook_port_in_out;
  SPILLWAY_RETURN_IF_ERROR(ApplyManifests(client, absl::StrFormat(kWebhookConfiguration, webhook_port), "webhook"));
  const std::string certs = options.work_dir + "/certs";
  std::filesystem::create_directories(certs);
  std::vector<std::string> args = {options.spillway_binary, "serve", absl::StrCat("--listen=127.0.0.1:", *extender_port),
                                   "--components=extender,autoscaler,webhook", "--kubeconfig=" + kubeconfig,
                                   "--leader-elect=false", absl::StrCat("--webhook-listen=127.0.0.1:", webhook_port),
                                   "--webhook-cert-dir=" + certs,
                                   "--webhook-self-managed-secret=kube-system/spillway-webhook-certs",
                                   "--webhook-service=kube-system/localhost"};
  if (!scenario.spillway_config.empty()) {
    args.push_back("--config=" + ScenarioPath(scenario, scenario.spillway_config));
  }
  SPILLWAY_ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> serve,
                            ChildProcess::Start(args, options.work_dir + "/spillway-serve.log"));
  absl::StatusOr<std::string> port = serve->WaitForLine("spillway: listening on port ", absl::Seconds(30));
  if (!port.ok()) {
    // Spillway's own words (a bad --config, a port taken), not only ours.
    serve->Stop();
    return absl::Status(port.status().code(), absl::StrCat("spillway serve did not start: ", LastLines(options.work_dir + "/spillway-serve.log", 5)));
  }
  *extender_port = static_cast<uint16_t>(std::stoi(*port));
  http::ClientOptions probe_options;
  probe_options.port = *extender_port;
  probe_options.timeout = absl::Seconds(2);
  http::Client probe(probe_options);
  SPILLWAY_RETURN_IF_ERROR(WaitUntil(
      [&] {
        absl::StatusOr<http::ClientResponse> ready = probe.Get("/readyz");
        return ready.ok() && ready->status == 200;
      },
      absl::Seconds(30), "spillway serve to be ready (see spillway-serve.log)"));
  SPILLWAY_RETURN_IF_ERROR(WaitUntil(
      [&] {
        absl::StatusOr<json::object> configuration = client.Get(
            PathOf("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "", "spillway"));
        const json::value* bundle =
            configuration.ok() ? json_fields::At(configuration->at("webhooks").as_array().at(0),
                                                 {"clientConfig", "caBundle"})
                               : nullptr;
        return bundle != nullptr && bundle->is_string() && !bundle->get_string().empty();
      },
      absl::Seconds(30), "the webhook's CA bundle"));
  return serve;
}

std::string ProgressView(const Scenario& scenario, const Sample& sample, const std::vector<Decision>& recent,
                         uint16_t api_port, bool live) {
  std::string text;
  if (live) {
    absl::StrAppend(&text, "\x1b[H\x1b[2J", "spillway sim: ", scenario.name, "   kubectl --server=http://127.0.0.1:",
                    api_port, " get pods -o wide\n\n");
    absl::StrAppendFormat(&text, "t=%4.0fs  pending pods: %d\n", sample.seconds, sample.pending);
    absl::StrAppendFormat(&text, "  %-28s %5s %5s %8s\n", "workload", "ECS", "ECI", "pending");
    for (const auto& [name, counts] : sample.workloads) {
      absl::StrAppendFormat(&text, "  %-28s %5d %5d %8d\n", name, counts.ecs, counts.eci, counts.pending);
    }
    for (const auto& [key, hpa] : sample.hpas) {
      absl::StrAppendFormat(&text, "  HPA %-24s current %d desired %d cpu %d%%\n", key, hpa.current, hpa.desired,
                            hpa.utilization);
    }
    absl::StrAppend(&text, "\nlast decisions:\n");
    for (const Decision& decision : recent) {
      absl::StrAppendFormat(&text, "  %4.0fs %s\n", decision.seconds, decision.text.substr(0, 150));
    }
    return text;
  }
  absl::StrAppendFormat(&text, "t=%.0fs pending=%d", sample.seconds, sample.pending);
  for (const auto& [name, counts] : sample.workloads) {
    absl::StrAppendFormat(&text, " | %s ecs=%d eci=%d pending=%d", name, counts.ecs, counts.eci, counts.pending);
  }
  for (const auto& [key, hpa] : sample.hpas) {
    absl::StrAppendFormat(&text, " | hpa %s %d->%d cpu=%d%%", key, hpa.current, hpa.desired, hpa.utilization);
  }
  text += "\n";
  for (const Decision& decision : recent) absl::StrAppendFormat(&text, "  %.0fs %s\n", decision.seconds, decision.text);
  return text;
}

}  // namespace

namespace {


// What a user's action does: `kubectl scale` (a merge patch of the scale
// subresource), `kubectl apply -f` / `delete -f`, or a merge patch.
absl::Status RunAction(kube::RestClient& client, const Scenario& scenario, const ScenarioAction& action) {
  if (action.kind == ScenarioAction::Kind::kApply || action.kind == ScenarioAction::Kind::kDelete) {
    const std::string path = ScenarioPath(scenario, action.manifest);
    SPILLWAY_ASSIGN_OR_RETURN(std::string text, ReadRegularFile(path, 4 << 20, "manifest"));
    return action.kind == ScenarioAction::Kind::kApply ? ApplyManifests(client, text, path, Existing::kMerge)
                                                       : DeleteManifests(client, text, path);
  }
  const size_t slash = action.api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : action.api_version.substr(0, slash);
  const std::string version = action.api_version.substr(slash == std::string::npos ? 0 : slash + 1);
  if (action.kind == ScenarioAction::Kind::kScale) {
    return client
        .Patch(PathOf(group, version, PluralOf(action.object_kind), action.ns, action.name, "scale"),
               kube::PatchType::kMerge, json::object{{"spec", json::object{{"replicas", action.replicas}}}})
        .status();
  }
  boost::system::error_code ec;
  json::value patch = json::parse(action.patch_json, ec);
  if (ec || !patch.is_object()) return absl::InvalidArgumentError("the patch is not a JSON object");
  return client
      .Patch(PathOf(group, version, PluralOf(action.object_kind), action.ns, action.name), kube::PatchType::kMerge,
             patch.get_object())
      .status();
}

// Runs the scenario's actions due by `elapsed`, from `next` on, each noted
// as a decision; returns the index of the first not yet due.
size_t RunDueActions(kube::RestClient& client, const Scenario& scenario, absl::Duration elapsed, size_t next,
                     Recorder& recorder, absl::Time now) {
  for (; next < scenario.actions.size() && elapsed >= scenario.actions[next].at; ++next) {
    const ScenarioAction& action = scenario.actions[next];
    absl::Status done = RunAction(client, scenario, action);
    recorder.Note(now,
                  done.ok() ? absl::StrCat("Action ", DescribeAction(action))
                            : absl::StrCat("ActionFailed ", DescribeAction(action), ": ", done.message()),
                  !done.ok());
  }
  return next;
}

// Whether one of the scenario's Spillway outages covers `elapsed`.
bool SpillwayDown(const Scenario& scenario, absl::Duration elapsed) {
  for (const Scenario::Outage& outage : scenario.spillway_outages) {
    if (elapsed >= outage.from && elapsed < outage.until) return true;
  }
  return false;
}

// The progress view after a sample; `recent` keeps the live view's last
// decisions.
void ShowProgress(const Scenario& scenario, const SimulationOptions& options, Recorder& recorder, uint16_t api_port,
                  std::deque<Decision>& recent) {
  std::vector<Decision> fresh = recorder.TakeNewDecisions();
  for (const Decision& d : fresh) recent.push_back(d);
  while (recent.size() > 8) recent.pop_front();
  options.on_progress(ProgressView(scenario, recorder.samples().back(),
                                   options.live ? std::vector<Decision>(recent.begin(), recent.end()) : fresh,
                                   api_port, options.live));
}

kube::Connection PlainHttp(uint16_t port) {
  kube::Connection connection;
  connection.scheme = "http";
  connection.host = "127.0.0.1";
  connection.port = port;
  return connection;
}

std::set<std::string> VirtualNodeNames(const Scenario& scenario) {
  std::set<std::string> names;
  for (const SimNode& node : scenario.nodes) {
    if (node.is_virtual) names.insert(node.name);
  }
  return names;
}

// The collections the stand-ins (stand_ins.h) and the recorder read.
absl::Status WatchWhatStandInsRead(ClusterCache& cache) {
  std::vector<kube::ResourcePath> collections = CollectionsStandInsRead();
  for (const kube::ResourcePath& recorded :
       {PathOf("", "v1", "pods"), PathOf("", "v1", "events"), PathOf("apps", "v1", "deployments"),
        PathOf("apps", "v1", "statefulsets")}) {
    const bool seen = std::any_of(collections.begin(), collections.end(), [&](const kube::ResourcePath& p) {
      return p.group == recorded.group && p.plural == recorded.plural;
    });
    if (!seen) collections.push_back(recorded);
  }
  for (const kube::ResourcePath& collection : collections) SPILLWAY_RETURN_IF_ERROR(cache.Watch(collection));
  return absl::OkStatus();
}

// Applies the scenario's manifests. A manifest the API server refuses does
// not stop the run: its refusal is returned for the report (a missing file
// is an error).
absl::StatusOr<std::vector<std::string>> ApplyScenarioManifests(kube::RestClient& client, const Scenario& scenario) {
  std::vector<std::string> refused;
  for (const std::string& manifest : scenario.manifests) {
    const std::string path = ScenarioPath(scenario, manifest);
    SPILLWAY_ASSIGN_OR_RETURN(std::string text, ReadRegularFile(path, 4 << 20, "manifest"));
    if (absl::Status s = ApplyManifests(client, text, path); !s.ok()) refused.push_back(std::string(s.message()));
  }
  return refused;
}

std::string WriteKubeconfig(const std::string& dir, uint16_t port) {
  const std::string path = dir + "/kubeconfig";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: sim\n"
                      << "contexts: [{name: sim, context: {cluster: sim, user: sim}}]\n"
                      << "clusters: [{name: sim, cluster: {server: 'http://127.0.0.1:" << port << "'}}]\n"
                      << "users: [{name: sim, user: {}}]\n";
  return path;
}

}  // namespace

namespace {

// The scenario's clock starts once the cluster is shaped, at real time
// (Spillway reads the sim's timestamps against its own clock), on a whole
// second: the API server keeps timestamps to the second, so a start at x.3 s
// on one run and x.8 s on the next would truncate the same moment of the
// story to different ticks (the HPA's sync times, pods' start times).
absl::Time StartOnAWholeSecond(SteppedClock& clock) {
  const absl::Time whole_second = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 1);
  absl::SleepFor(whole_second - absl::Now());
  clock.Advance(whole_second - clock.Now());
  return clock.Now();
}

std::string WhereToLook(uint16_t api_port) {
  return absl::StrCat("the cluster, while it runs: kubectl --server=http://127.0.0.1:", api_port, " get pods -o wide\n");
}

void StopSpillway(std::unique_ptr<ChildProcess>& serve, SimulationResult& result) {
  serve->Stop();
  serve.reset();
  ++result.spillway_outages;
}

// A sample for the recorder, and the progress view after it.
absl::Status TakeSample(const Scenario& scenario, const SimulationOptions& options, const StandIns& stand_ins,
                        absl::Time now, uint16_t api_port, Recorder& recorder, std::deque<Decision>& recent) {
  SPILLWAY_RETURN_IF_ERROR(recorder.Observe(now, stand_ins.outputs().hpa->samples()));
  if (options.on_progress) ShowProgress(scenario, options, recorder, api_port, recent);
  return absl::OkStatus();
}

// The stand-ins' own User-Agent, so the API server tells their watches (and
// managedFields their writes) from Spillway's.
kube::RestClient::Options StandInClientOptions() {
  kube::RestClient::Options options;
  options.user_agent = "spillway-sim";
  return options;
}

// How often the simulation hands freed memory back to the system.
constexpr absl::Duration kReturnFreedMemoryEvery = absl::Seconds(10);

// Lists and relists of a 50,000-pod cluster (the API server's answer, the
// caches' copy) allocate hundreds of MB at once and free them; glibc keeps
// such pages mapped, so the process sat at 2.0 GiB RSS with 1.2 GiB in use.
// malloc_trim(0) gives the free pages back (137 ms at that size, 30 ms at
// 10,000 pods: bench/README.md, "Scheduling throughput").
// Every kReturnFreedMemoryEvery of real time; `next` is when next.
void ReturnFreedMemoryWhenDue(absl::Time& next) {
  const absl::Time start = absl::Now();
  if (start < next) return;
  malloc_trim(0);
  next = absl::Now() + kReturnFreedMemoryEvery;
  VLOG(1) << "sim: returned freed memory in " << absl::Now() - start;
}

// A tick's failed stand-in passes: counted, and retried next tick.
void CountStandInFailures(const std::vector<std::string>& failures, SimulationResult& result) {
  for (const std::string& failure : failures) {
    ++result.stand_in_errors;
    result.last_error = failure;
    LOG_EVERY_N(WARNING, 20) << "sim: a stand-in pass failed (retried next tick): " << failure;
  }
}

// A failed stand-in pass, cache wait or sample: counted, retried next tick.
void CountFailure(const absl::Status& status, SimulationResult& result) {
  ++result.stand_in_errors;
  result.last_error = std::string(status.message());
}

void CountPass(absl::Duration pass, SimulationResult& result) {
  ++result.passes;
  result.mean_pass += pass;
  result.slowest_pass = std::max(result.slowest_pass, pass);
}

// What the run found, once it has ended.
void Conclude(const Scenario& scenario, Recorder& recorder, const StandIns& stand_ins, const SpillwayBarrier& barrier,
              SimulationResult& result) {
  if (result.passes > 0) result.mean_pass /= result.passes;
  result.summary = recorder.Summarize();
  result.samples = recorder.samples();
  result.decisions = recorder.decisions();
  result.scheduler = stand_ins.outputs().scheduler->stats();
  result.stand_in_time = stand_ins.PassTimes();
  result.spillway_waits = barrier.stats();
  result.checks = CheckInvariants(scenario, result.samples, result.summary);
}

}  // namespace

absl::StatusOr<SimulationResult> RunSimulation(const Scenario& scenario, const SimulationOptions& options) {
  std::filesystem::create_directories(options.work_dir);
  const absl::Time start = absl::Now();
  SteppedClock clock(start);
  ApiServerOptions api_options;
  api_options.clock = &clock;
  api_options.seed = scenario.seed;
  SPILLWAY_ASSIGN_OR_RETURN(std::unique_ptr<ApiServer> api, ApiServer::Start(api_options));
  const std::string kubeconfig = WriteKubeconfig(options.work_dir, api->port());
  kube::RestClient client(PlainHttp(api->port()), StandInClientOptions());
  SpillwayBarrier barrier(*api, http::kUserAgent);
  // Nodes first: Spillway's extender is ready once it has listed them.
  LiveReader live(client);
  SPILLWAY_RETURN_IF_ERROR(Kubelets(client, live, clock, scenario.nodes, KubeletOptions()).Register());
  uint16_t extender_port = 0;
  int webhook_port = 0;
  barrier.Reset();
  SPILLWAY_ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> serve,
                            StartSpillway(scenario, options, client, kubeconfig, &extender_port, &webhook_port));
  // The stand-ins read through watches, as Kubernetes' components do.
  ClusterCache cache(client, [&api](const kube::ResourcePath& collection) {
    return api->store().LatestVersionOf(collection.group, collection.plural);
  });
  SPILLWAY_RETURN_IF_ERROR(WatchWhatStandInsRead(cache));
  SPILLWAY_ASSIGN_OR_RETURN(const std::vector<std::string> refused, ApplyScenarioManifests(client, scenario));
  // The first pass starts from what Spillway made of the manifests (an
  // ElasticWorkload's unit created), whatever the machine's load.
  barrier.Wait(extender_port, kSpillwaySettleLimit);
  if (absl::Status s = cache.AwaitCurrent(absl::Seconds(30)); !s.ok()) return s;
  const absl::Time scenario_start = StartOnAWholeSecond(clock);
  // The stand-ins count the scenario's stock-outs and load curves from here
  // (not from the set-up before it, which takes longer on a busy machine).
  SPILLWAY_ASSIGN_OR_RETURN(std::unique_ptr<StandIns> stand_ins,
                            StandIns::Create(scenario, client, cache, clock, scenario_start, extender_port));
  Recorder recorder(cache, scenario, VirtualNodeNames(scenario), scenario_start, clock);
  SPILLWAY_RETURN_IF_ERROR(recorder.Start());
  for (const std::string& refusal : refused) recorder.Note(scenario_start, absl::StrCat("Refused manifest: ", refusal), true);
  SimulationResult result;
  std::deque<Decision> recent;
  absl::Time next_sample = scenario_start;
  if (options.on_progress && !options.live) options.on_progress(WhereToLook(api->port()));
  size_t next_action = 0;
  size_t actions_applied = 0;
  const absl::Time real_start = absl::Now();
  absl::Time next_memory_return = real_start + kReturnFreedMemoryEvery;
  absl::Duration elapsed;  // Simulated, since scenario_start.
  // Spillway (when up) settled and the watch caches current: what a pass reads.
  auto settle = [&] {
    const absl::Time settling = absl::Now();
    if (serve != nullptr) barrier.Wait(extender_port, kSpillwaySettleLimit);
    if (absl::Status s = cache.AwaitCurrent(absl::Seconds(30)); !s.ok()) CountFailure(s, result);
    result.settle_time += absl::Now() - settling;
  };
  while (elapsed < scenario.duration && !options.stop_requested()) {
    const absl::Time tick_start = absl::Now();
    bool restarted = false;
    next_action = RunDueActions(client, scenario, elapsed, next_action, recorder, clock.Now());
    const bool down = SpillwayDown(scenario, elapsed);
    if (down && serve != nullptr) {
      StopSpillway(serve, result);
    } else if (!down && serve == nullptr) {
      barrier.Reset();
      SPILLWAY_ASSIGN_OR_RETURN(serve, StartSpillway(scenario, options, client, kubeconfig, &extender_port, &webhook_port));
      restarted = true;
    }
    // This tick's pass reads what the user's actions did (a Deployment
    // deleted with its ReplicaSets and pods must not look half-gone), and
    // what Spillway made of them (a scaled ElasticWorkload split), never half
    // of it. The same after Spillway restarts.
    if (next_action > actions_applied || restarted) {
      actions_applied = next_action;
      settle();
    }
    CountStandInFailures(stand_ins->Tick(), result);
    // Spillway takes in every write of this pass and finishes what they set
    // off; the next pass reads every write of this one and Spillway's.
    settle();
    CountPass(absl::Now() - tick_start, result);
    ReturnFreedMemoryWhenDue(next_memory_return);
    if (clock.Now() >= next_sample) {
      next_sample += absl::Seconds(1);
      if (absl::Status s = TakeSample(scenario, options, *stand_ins, clock.Now(), api->port(), recorder, recent); !s.ok()) {
        CountFailure(s, result);
      }
    }
    // Simulated time moves a tick once the pass is done and real time at
    // `speed` allows: a slow pass dilates time, it never skips a tick.
    absl::SleepFor(std::max(absl::ZeroDuration(), scenario.tick / options.speed - (absl::Now() - tick_start)));
    clock.Advance(scenario.tick);
    elapsed += scenario.tick;
  }
  result.simulated = elapsed;
  result.real = absl::Now() - real_start;
  if (serve != nullptr) serve->Stop();
  cache.Stop();
  api->Stop();
  Conclude(scenario, recorder, *stand_ins, barrier, result);
  return result;
}

}  // namespace spillway::sim
