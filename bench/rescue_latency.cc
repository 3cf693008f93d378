// Rescue latency in the embedded cluster: N pods are created, then marked
// Unschedulable (as kube-scheduler does when regular nodes are full) and the
// benchmark measures, per pod, the time from sending that status update to
// seeing the rescue patch (burst-resource: eci) arrive on its own watch.
//
//   bazel run -c opt //bench:rescue_latency -- --pods=1000 --mode=burst
//   bazel run -c opt //bench:rescue_latency -- --pods=200 --mode=one-by-one
//
// burst: all N status updates are sent back to back (a scale-up that leaves
// 1000 pods pending at once), so the later pods also wait in the queue.
// one-by-one: the next pod is marked only after the previous was rescued.
// Everything runs in one process over loopback HTTP: the API server, the
// autoscaler (its informers, work queue, two workers) and the observer.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/flags.h"
#include "autoscaler/autoscaler.h"
#include "bench/stats.h"
#include "glog/logging.h"
#include "kube/cluster_informers.h"
#include "prometheus/registry.h"
#include "sim/apiserver/test_cluster.h"

namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;


}  // namespace

// The embedded API server with a virtual node and `pods` pending pods.
spillway::sim::TestCluster StartCluster(int pods) {
  spillway::sim::ApiServerOptions server_options;
  server_options.watch_window = 100000;
  absl::StatusOr<spillway::sim::TestCluster> cluster = spillway::sim::StartTestCluster(server_options);
  CHECK(cluster.ok()) << cluster.status();
  spillway::kube::RestClient& client = *cluster->client;
  CHECK(client.Create({"", "v1", "nodes", "", "", ""},
                      json::parse(R"({"metadata":{"name":"virtual-kubelet-cn-hangzhou-j","labels":{"type":"virtual-kubelet"}}})")
                          .as_object())
            .ok());
  for (int i = 0; i < pods; ++i) {
    CHECK(client.Create({"", "v1", "pods", "default", "", ""},
                        json::parse(absl::StrCat(R"({"metadata":{"name":"web-)", i,
                                                 R"("},"spec":{"containers":[{"name":"app","image":"nginx","resources":{"requests":{"cpu":"2"}}}]}})"))
                            .as_object())
              .ok());
  }
  return *std::move(cluster);
}

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 1;
  google::InitGoogleLogging(argv[0]);
  int pods = 1000;
  std::string mode = "burst";
  spillway::app::FlagSet flags("rescue_latency [flags]", "Unschedulable-to-patch latency of the rescue.");
  flags.Int("pods", &pods, 1, 1000000, "Pods made Unschedulable");
  flags.String("mode", &mode, "burst or one-by-one");
  if (std::optional<int> exit_code = spillway::app::ParseCommandLine(flags, argc, argv)) {
    return *exit_code;
  }

  spillway::sim::TestCluster cluster = StartCluster(pods);
  spillway::kube::RestClient& client = *cluster.client;

  // The autoscaler, as `spillway serve --components=autoscaler --leader-elect=false` runs it.
  spillway::kube::ClusterInformers informers(client, /*watch_pods=*/true);
  spillway::burst::VirtualNodeRule rule;
  spillway::burst::IntentResolver resolver(rule);
  prometheus::Registry registry;
  spillway::autoscaler::AutoscalerOptions options;
  options.identity = "bench";
  options.leader_elect = false;
  spillway::autoscaler::Autoscaler autoscaler(client, informers, resolver, rule, spillway::Clock::Real(),
                                              registry, options);

  // The observer: its own watch, stamping when each pod shows the patch.
  absl::Mutex mu;
  absl::flat_hash_map<std::string, SteadyClock::time_point> sent ABSL_GUARDED_BY(mu);
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  spillway::kube::Informer<spillway::kube::PodRecord>::Options observer_options;
  observer_options.reflector.path = {"", "v1", "pods", "default", "", ""};
  spillway::kube::Informer<spillway::kube::PodRecord> observer(client, observer_options,
                                                              &spillway::kube::DecodePodRecord);
  spillway::kube::Informer<spillway::kube::PodRecord>::Handler handler;
  handler.on_update = [&](const spillway::kube::PodRecord& old_pod, const spillway::kube::PodRecord& pod) {
    if (old_pod.annotations().Find("alibabacloud.com/burst-resource").has_value() ||
        !pod.annotations().Has("alibabacloud.com/burst-resource", "eci")) {
      return;
    }
    const auto now = SteadyClock::now();
    absl::MutexLock lock(&mu);
    auto it = sent.find(pod.Key());
    if (it != sent.end()) {
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
    }
  };
  observer.AddHandler(handler);
  informers.Start();
  observer.Start();
  CHECK(observer.WaitForSync(absl::Seconds(60)));
  while (!informers.HasSynced()) absl::SleepFor(absl::Milliseconds(10));
  autoscaler.Start();

  const auto start = SteadyClock::now();
  for (int i = 0; i < pods; ++i) {
    const std::string name = absl::StrCat("web-", i);
    const json::value status = json::parse(
        R"({"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable",)"
        R"("message":"0/10 nodes are available: 9 Insufficient cpu, 1 node(s) had untolerated taint {virtual-kubelet.io/provider: alibabacloud}.",)"
        R"("lastTransitionTime":"2026-11-22T08:00:00Z"}]}})");
    {
      absl::MutexLock lock(&mu);
      sent[absl::StrCat("default/", name)] = SteadyClock::now();
    }
    CHECK(client.Patch({"", "v1", "pods", "default", name, "status"}, spillway::kube::PatchType::kMerge, status).ok());
    if (mode == "one-by-one") {
      absl::MutexLock lock(&mu);
      auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return latencies_ms.size() > static_cast<size_t>(i); };
      CHECK(mu.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10))) << "pod " << name << " was not rescued";
    }
  }
  {
    absl::MutexLock lock(&mu);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return latencies_ms.size() == static_cast<size_t>(pods); };
    CHECK(mu.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(120))) << "not every pod was rescued";
  }
  const double total_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::vector<double> copy;
  {
    absl::MutexLock lock(&mu);
    copy = latencies_ms;
  }
  std::printf("mode=%s pods=%d: status update -> rescue patch seen on a watch: p50 %.2f ms, p99 %.2f ms, "
              "max %.2f ms; all rescued in %.2f s (%.0f pods/s)\n",
              mode.c_str(), pods, spillway::bench::Percentile(copy, 0.5), spillway::bench::Percentile(copy, 0.99),
              *std::max_element(copy.begin(), copy.end()), total_s, pods / total_s);
  observer.Stop();
  autoscaler.Stop();
  informers.Stop();
  return 0;
}
