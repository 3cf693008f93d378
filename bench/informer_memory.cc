// Memory and decode time of the informer caches at scale: lists N realistic
// pods (~6 KB of JSON each, managedFields included) and M nodes (~12.7 KB)
// through real Informers over HTTP, in pages of 500 as client-go lists, and
// prints the time to sync and the memory the caches hold.
//
//   bazel run -c opt //bench:informer_memory -- --pods=150000 --nodes=5000
//
// The pages come from an in-process HTTP server that generates them on
// demand, so the cluster's JSON is never resident; its generation time is
// measured and reported apart from the client's list+decode time.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/flags.h"
#include "app/serve_app.h"
#include "bench/cluster_objects.h"
#include "common/http/server.h"
#include "glog/logging.h"
#include "kube/decode.h"
#include "kube/informer.h"
#include "kube/pod_record.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double ResidentMiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

double HeapInUseMiB() { return static_cast<double>(mallinfo2().uordblks) / (1 << 20); }

// A watch that never sends anything: the benchmark measures the list.
class QuietWatch : public spillway::http::ResponseStream {
 public:
  void Start(std::function<void()> wake) override {}
  bool Next(std::string* chunk) override { return true; }
};

// Serves GET /api/v1/{pods,nodes}?limit=L&continue=OFFSET from generated objects.
class PageServer {
 public:
  PageServer(int pods, int nodes, int virtual_every)
      : pods_(pods), nodes_(nodes), virtual_every_(virtual_every) {}

  spillway::http::Response Handle(spillway::http::Request& request) {
    const auto start = Clock::now();
    spillway::http::Response response;
    const std::string target = request.target;
    const size_t question = target.find('?');
    const std::string path = target.substr(0, question);
    int64_t limit = 500;
    int64_t offset = 0;
    bool watch = false;
    if (question != std::string::npos) {
      for (absl::string_view param : absl::StrSplit(target.substr(question + 1), '&')) {
        std::pair<std::string, std::string> kv = absl::StrSplit(param, absl::MaxSplits('=', 1));
        if (kv.first == "limit") (void)absl::SimpleAtoi(kv.second, &limit);
        if (kv.first == "continue") (void)absl::SimpleAtoi(kv.second, &offset);
        if (kv.first == "watch") watch = kv.second == "true";
      }
    }
    if (watch) {
      response.stream = std::make_shared<QuietWatch>();
      return response;
    }
    const bool pods = path == "/api/v1/pods";
    const int64_t total = pods ? pods_ : nodes_;
    const int64_t end = std::min(total, offset + limit);
    std::string& body = response.body;
    body.reserve(static_cast<size_t>(limit) * (pods ? 6200 : 13000));
    absl::StrAppend(&body, R"({"kind":")", pods ? "PodList" : "NodeList",
                    R"(","apiVersion":"v1","metadata":{"resourceVersion":"5000000")",
                    end < total ? absl::StrCat(R"(,"continue":")", end, "\"") : "", R"(},"items":[)");
    for (int64_t i = offset; i < end; ++i) {
      if (i > offset) body.push_back(',');
      body += pods ? spillway::bench::ListedPodJson(static_cast<int>(i), nodes_)
                   : spillway::bench::NodeJson(static_cast<int>(i), virtual_every_);
    }
    body += "]}";
    bytes_ += body.size();
    generating_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    return response;
  }

  double generating_seconds() const { return static_cast<double>(generating_ns_.load()) / 1e9; }
  double megabytes() const { return static_cast<double>(bytes_.load()) / (1 << 20); }

 private:
  const int pods_;
  const int nodes_;
  const int virtual_every_;
  std::atomic<int64_t> generating_ns_{0};
  std::atomic<int64_t> bytes_{0};
};

template <typename T>
bool Sync(spillway::kube::Informer<T>& informer) {
  informer.Start();
  return informer.WaitForSync(absl::Minutes(10));
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 1;
  google::InitGoogleLogging(argv[0]);
  int pods = 150000;
  int nodes = 5000;
  int page = 500;
  spillway::app::FlagSet flags("informer_memory [flags]",
                               "Informer cache memory and decode time at cluster scale.");
  flags.Int("pods", &pods, 0, 10000000, "Pods in the cluster");
  flags.Int("nodes", &nodes, 0, 1000000, "Nodes in the cluster");
  flags.Int("page", &page, 1, 100000, "Objects per list page");
  if (std::optional<int> exit_code = spillway::app::ParseCommandLine(flags, argc, argv)) {
    return *exit_code;
  }
  spillway::app::TuneAllocatorForServing();  // As `spillway serve` runs.

  PageServer pages(pods, nodes, 50);
  spillway::http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  server_options.max_body_bytes = 1 << 20;
  auto server = spillway::http::Server::Start(
      server_options, [&pages](spillway::http::Request& r) { return pages.Handle(r); });
  CHECK(server.ok()) << server.status();
  spillway::kube::Connection connection;
  connection.scheme = "http";
  connection.host = "127.0.0.1";
  connection.port = (*server)->port();
  spillway::kube::RestClient client(connection, spillway::kube::RestClient::Options());

  malloc_trim(0);
  const double rss_before = ResidentMiB();
  const double heap_before = HeapInUseMiB();

  using spillway::kube::Informer;
  Informer<spillway::kube::Node>::Options node_options;
  node_options.reflector.path = {"", "v1", "nodes", "", "", ""};
  node_options.reflector.page_size = page;
  node_options.publish_snapshots = true;  // As the extender's node store does.
  Informer<spillway::kube::Node> node_informer(client, node_options, &spillway::kube::DecodeNode);
  Informer<spillway::kube::PodRecord>::Options pod_options;
  pod_options.reflector.path = {"", "v1", "pods", "", "", ""};
  pod_options.reflector.page_size = page;
  Informer<spillway::kube::PodRecord> pod_informer(client, pod_options,
                                                   &spillway::kube::DecodePodRecord);

  const auto start = Clock::now();
  CHECK(Sync(node_informer));
  const auto nodes_synced = Clock::now();
  const double node_generation = pages.generating_seconds();
  CHECK(Sync(pod_informer));
  const auto pods_synced = Clock::now();
  const double rss_synced = ResidentMiB();
  CHECK_EQ(static_cast<int>(node_informer.size()), nodes);
  CHECK_EQ(static_cast<int>(pod_informer.size()), pods);

  // What the caches hold: stop the watches and the page server (whose
  // per-connection buffers keep the last ~6 MB page), keep the caches.
  node_informer.Stop();
  pod_informer.Stop();
  (*server)->Stop();
  server->reset();
  malloc_trim(0);
  const double heap = HeapInUseMiB() - heap_before;
  const double rss_caches = ResidentMiB();

  const double total = Seconds(pods_synced - start);
  const double generation = pages.generating_seconds();
  std::printf("listed %d nodes + %d pods (%.0f MiB of JSON, pages of %d)\n", nodes, pods,
              pages.megabytes(), page);
  std::printf("sync time: nodes %.2f s, pods %.2f s, total %.2f s (the page server spent %.2f s "
              "of it generating JSON: client list+decode %.2f s)\n",
              Seconds(nodes_synced - start), Seconds(pods_synced - nodes_synced), total, generation,
              total - generation);
  std::printf("node page generation alone: %.2f s\n", node_generation);
  std::printf("caches: %.1f MiB of heap in use, %.0f bytes per record (map entries included)\n",
              heap, heap * (1 << 20) / std::max(1, pods + nodes));
  std::printf("resident: %.1f MiB at start, %.1f MiB when synced (page server included), "
              "%.1f MiB with the caches alone\n",
              rss_before, rss_synced, rss_caches);
  return 0;
}
