// Scheduling throughput of the simulated cluster through the real extender:
// N nodes (V of them virtual), P pods created at once, then the
// kube-scheduler stand-in binds them all, calling `spillway serve`'s
// extender (names mode, deploy/kube-scheduler-config.yaml) for each.
// Prints pods/s end to end, the extender's share, and the memory of the
// sim process and of spillway serve. A figure, not a test.
//
//   bazel build //:spillway //bench:sim_scheduling
//   bazel-bin/bench/sim_scheduling --nodes=1000 --virtual=50 --pods=10000
#include <unistd.h>

#include <malloc.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "app/flags.h"
#include "boost/json.hpp"
#include "common/files.h"
#include "common/http/client.h"
#include "sim/apiserver/api_server.h"
#include "sim/cluster/child_process.h"
#include "sim/cluster/cluster_cache.h"
#include "sim/cluster/cluster_reader.h"
#include "sim/cluster/object_facts.h"
#include "sim/cluster/recorder.h"
#include "sim/cluster/scenario.h"
#include "sim/controllers/workload_controllers.h"
#include "sim/hpa/hpa_controller.h"
#include "sim/kubelet/kubelets.h"
#include "sim/scheduler/scheduler.h"

namespace json = boost::json;
using namespace spillway;       // NOLINT: a benchmark's main.
using namespace spillway::sim;  // NOLINT

namespace {

// VmRSS of a process, in MiB.
double RssMiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// Bytes the sim process's heap holds for live objects (glibc's count), in
// MiB: RSS minus this is memory freed but kept by the allocator.
double HeapInUseMiB() { return static_cast<double>(mallinfo2().uordblks) / (1 << 20); }

json::object BenchPod(int i) {
  json::object meta{{"name", absl::StrCat("load-", i)}, {"namespace", "default"},
                    {"labels", json::object{{"app", "load"}}}};
  json::object spec{{"containers", json::array{json::object{
                                       {"name", "app"}, {"image", "nginx"},
                                       {"resources", json::object{{"requests", json::object{{"cpu", "100m"},
                                                                                           {"memory", "128Mi"}}}}}}}}};
  if (i % 2 == 0) {  // Half may burst to ECI, as the webhook would leave them.
    meta["annotations"] = json::object{{"alibabacloud.com/burst-resource", "eci"}};
    spec["tolerations"] = json::array{json::object{{"key", "virtual-kubelet.io/provider"}, {"operator", "Exists"}}};
  }
  return json::object{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", spec}};
}


std::vector<SimNode> BenchNodes(int nodes, int virtual_nodes) {
  std::vector<SimNode> list;
  for (int i = 0; i < nodes; ++i) {
    const bool is_virtual = i >= nodes - virtual_nodes;
    list.push_back({is_virtual ? absl::StrCat("virtual-kubelet-cn-hangzhou-", i)
                               : absl::StrCat("cn-hangzhou.10.0.", i / 250, ".", i % 250),
                    i % 2 ? "cn-hangzhou-j" : "cn-hangzhou-k", is_virtual, is_virtual ? 1000000000 : 8000,
                    is_virtual ? (1LL << 50) : (32LL << 30), is_virtual ? 10000 : 110});
  }
  return list;
}

// `spillway serve --components=extender` against the API server on `port`,
// ready; its port in *extender_port.
absl::StatusOr<std::unique_ptr<ChildProcess>> StartExtender(const std::string& spillway, uint16_t port,
                                                           uint16_t* extender_port) {
  const std::string dir = "/tmp/sim_scheduling";
  std::ofstream(dir + ".kubeconfig")
      << "apiVersion: v1\nkind: Config\ncurrent-context: b\ncontexts: [{name: b, context: {cluster: b, user: b}}]\n"
      << "clusters: [{name: b, cluster: {server: 'http://127.0.0.1:" << port << "'}}]\nusers: [{name: b, user: {}}]\n";
  absl::StatusOr<std::unique_ptr<ChildProcess>> serve = ChildProcess::Start(
      {spillway, "serve", "--listen=127.0.0.1:0", "--components=extender", "--kubeconfig=" + dir + ".kubeconfig"},
      dir + ".log");
  if (!serve.ok()) return serve.status();
  absl::StatusOr<std::string> listening = (*serve)->WaitForLine("spillway: listening on port ", absl::Seconds(30));
  if (!listening.ok()) return listening.status();
  *extender_port = static_cast<uint16_t>(std::stoi(*listening));
  return serve;
}

void WaitReady(uint16_t port) {
  http::ClientOptions options;
  options.port = port;
  http::Client probe(options);
  for (int i = 0; i < 600; ++i) {  // The extender is ready once its caches hold the cluster.
    absl::StatusOr<http::ClientResponse> ready = probe.Get("/readyz");
    if (ready.ok() && ready->status == 200) return;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

void PrintBinding(int nodes, int virtual_nodes, int pods, absl::Duration creating, absl::Duration took,
                  const SchedulerStats& stats, pid_t serve) {
  std::cout << absl::StrFormat(
      "nodes %d (virtual %d), pods %d: created in %.1f s; bound %d in %.2f s = %.0f pods/s\n"
      "extender: %d calls, %.2f s (%.0f%% of the scheduling time, %.3f ms per call)\n"
      "stand-in: own filters and scores %.2f s, the rest (lists, decoding, waiting for the writes) %.2f s\n"
      "write thread (beside the scheduling): binding %.2f s, Events %.2f s\n"
      "memory: sim process (API server, stand-ins) %.0f MiB RSS, spillway serve %.0f MiB RSS\n",
      nodes, virtual_nodes, pods, absl::ToDoubleSeconds(creating), stats.bound, absl::ToDoubleSeconds(took),
      stats.bound / absl::ToDoubleSeconds(took), stats.extender_calls, absl::ToDoubleSeconds(stats.extender_time),
      100 * absl::ToDoubleSeconds(stats.extender_time) / absl::ToDoubleSeconds(took),
      stats.extender_calls ? absl::ToDoubleMilliseconds(stats.extender_time) / stats.extender_calls : 0.0,
      absl::ToDoubleSeconds(stats.filter_time), absl::ToDoubleSeconds(took - stats.extender_time - stats.filter_time),
      absl::ToDoubleSeconds(stats.bind_time), absl::ToDoubleSeconds(stats.event_time),
      RssMiB(getpid()), RssMiB(serve));
}

// Keeping up: with every pod bound, starts them all, then times one pass of
// each stand-in over the whole cluster (the scenario loop runs them every
// tick).
void SteadyPasses(kube::RestClient& client, ClusterCache& cache, Scheduler& scheduler,
                  const std::vector<SimNode>& nodes, int pods, int passes, pid_t serve) {
  (void)cache.Watch(PathOf("", "v1", "events"));
  for (const char* plural : {"deployments", "replicasets", "statefulsets"}) (void)cache.Watch(PathOf("apps", "v1", plural));
  (void)cache.Watch(PathOf("autoscaling", "v2", "horizontalpodautoscalers"));
  KubeletOptions at_once;
  at_once.ecs_startup = at_once.eci_startup_min = at_once.eci_startup_max = absl::ZeroDuration();
  Kubelets kubelets(client, cache, Clock::Real(), nodes, at_once);
  const absl::Time starting = absl::Now();
  if (absl::Status s = kubelets.Sync(); !s.ok()) std::cerr << "start: " << s << "\n";
  std::cout << absl::StrFormat("kubelets started every pod in %.1f s\n", absl::ToDoubleSeconds(absl::Now() - starting));
  // Let the caches take in every status write before timing steady passes.
  for (int waited = 0; waited < 300; ++waited) {
    int running = 0;
    const std::vector<ObjectRef> listed = cache.List(PathOf("", "v1", "pods")).value_or(std::vector<ObjectRef>());
    for (const ObjectRef& pod : listed) running += StringView(*pod, {"status", "phase"}) == "Running" ? 1 : 0;
    if (running == pods) break;
    absl::SleepFor(absl::Seconds(1));
  }
  absl::SleepFor(absl::Seconds(5));
  std::unique_ptr<WorkloadControllers> controllers = *WorkloadControllers::Create(client, cache, Clock::Real());
  HpaController hpa(client, cache, Clock::Real(), [](const std::string&, absl::Time) { return 0.0; },
                    HpaController::Options{absl::ZeroDuration()});
  Scenario scenario;
  scenario.workloads = {{"load", "default", "app=load", "burst"}};
  Recorder recorder(cache, scenario, {}, absl::Now(), Clock::Real());
  if (absl::Status s = recorder.Start(); !s.ok()) std::cerr << "recorder: " << s << "\n";
  const std::function<absl::Status()> steps[5] = {
      [&] { return controllers->Sync(); }, [&] { return scheduler.Sync(); }, [&] { return kubelets.Sync(); },
      [&] { return hpa.Sync(); }, [&] { return recorder.Observe(absl::Now(), {}); }};
  absl::Duration spent[5];
  for (int pass = 0; pass < passes; ++pass) {
    for (int i = 0; i < 5; ++i) {
      const absl::Time at = absl::Now();
      if (absl::Status s = steps[i](); !s.ok()) std::cerr << "pass: " << s << "\n";
      spent[i] += absl::Now() - at;
    }
  }
  std::cout << absl::StrFormat(
      "one pass over the bound cluster: controllers %.0f ms, scheduler %.0f ms, kubelets %.0f ms, HPA %.0f ms, "
      "recorder %.0f ms (mean of %d)\nmemory after: sim process %.0f MiB RSS (heap in use %.0f MiB), "
      "spillway serve %.0f MiB RSS\n",
      absl::ToDoubleMilliseconds(spent[0]) / passes, absl::ToDoubleMilliseconds(spent[1]) / passes,
      absl::ToDoubleMilliseconds(spent[2]) / passes, absl::ToDoubleMilliseconds(spent[3]) / passes,
      absl::ToDoubleMilliseconds(spent[4]) / passes, passes, RssMiB(getpid()), HeapInUseMiB(), RssMiB(serve));
  const absl::Time trimming = absl::Now();
  malloc_trim(0);
  std::cout << absl::StrFormat("after malloc_trim(0) (%.0f ms): sim process %.0f MiB RSS\n",
                               absl::ToDoubleMilliseconds(absl::Now() - trimming), RssMiB(getpid()));
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 1000, virtual_nodes = 50, pods = 10000, passes = 5;
  std::string spillway = "bazel-bin/spillway";
  std::string scheduler_config = "deploy/kube-scheduler-config.yaml";
  app::FlagSet flags("sim_scheduling [flags]", "Scheduling throughput through the real extender.");
  flags.Int("nodes", &nodes, 1, 100000, "Nodes in all");
  flags.Int("virtual", &virtual_nodes, 0, 1000, "Of which virtual nodes");
  flags.Int("pods", &pods, 1, 1000000, "Pods created at once");
  flags.Int("passes", &passes, 1, 10000, "Steady passes timed once every pod runs");
  flags.String("spillway", &spillway, "The spillway binary");
  flags.String("scheduler-config", &scheduler_config, "KubeSchedulerConfiguration");
  if (absl::Status s = flags.Parse(std::vector<std::string>(argv + 1, argv + argc)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  ApiServerOptions api_options;
  api_options.threads = 2;
  std::unique_ptr<ApiServer> api = *ApiServer::Start(api_options);
  kube::Connection connection;
  connection.scheme = "http";
  connection.host = "127.0.0.1";
  connection.port = api->port();
  kube::RestClient client(connection, kube::RestClient::Options());
  const std::vector<SimNode> node_list = BenchNodes(nodes, virtual_nodes);
  LiveReader live(client);
  uint16_t extender_port = 0;
  absl::Status started = Kubelets(client, live, Clock::Real(), node_list, KubeletOptions()).Register();
  absl::StatusOr<std::unique_ptr<ChildProcess>> serve =
      started.ok() ? StartExtender(spillway, api->port(), &extender_port) : started;
  if (!serve.ok()) {
    std::cerr << serve.status() << " (see /tmp/sim_scheduling.log)\n";
    return 1;
  }
  const absl::Time created_start = absl::Now();
  for (int i = 0; i < pods; ++i) {
    if (absl::Status s = client.Create(PathOf("", "v1", "pods", "default"), BenchPod(i)).status(); !s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
  }
  const absl::Duration creating = absl::Now() - created_start;
  WaitReady(extender_port);
  SchedulerConfig config = *ParseSchedulerConfig(*ReadRegularFile(scheduler_config, 1 << 20, "config"));
  ClusterCache cache(client);  // The scheduler reads through watches, as in `spillway sim`.
  for (const char* plural : {"nodes", "pods"}) (void)cache.Watch(PathOf("", "v1", plural));
  std::unique_ptr<Scheduler> scheduler =
      *Scheduler::Create(client, cache, Clock::Real(), {config, absl::StrCat("127.0.0.1:", extender_port), 1});
  const absl::Time start = absl::Now();
  for (int passes = 0; scheduler->stats().bound < pods && passes < 100000; ++passes) {
    if (absl::Status s = scheduler->Sync(); !s.ok()) std::cerr << "pass: " << s << "\n";
  }
  PrintBinding(nodes, virtual_nodes, pods, creating, absl::Now() - start, scheduler->stats(), (*serve)->pid());
  SteadyPasses(client, cache, *scheduler, node_list, pods, passes, (*serve)->pid());
  const bool all_bound = scheduler->stats().bound == pods;
  (*serve)->Stop();
  cache.Stop();
  api->Stop();
  return all_bound ? 0 : 1;
}
