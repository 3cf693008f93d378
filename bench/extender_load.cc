// Load driver for the extender: replays kube-scheduler-shaped filter and
// prioritize requests over one keep-alive HTTP connection, as kube-scheduler
// does (one pod at a time, waiting for each answer), and prints p50/p99 latency
// and requests/s.
//
//   bazel run -c opt //bench:extender_load -- --mode=names --nodes=5000 --requests=5000
//   bazel run -c opt //bench:extender_load -- --mode=full --nodes=500 --requests=200
//   bazel run -c opt //bench:extender_load -- --mode=names --nodes=5000 --orders=16
//   bazel run -c opt //bench:extender_load -- --mode=names --nodes=5000 --orders=16 --against-null=5
//
// --against-null=N alternates the server and a null server (the same HTTP
// stack answering the extender's precomputed bytes) for N rounds in one
// process and prints each round's p50 ratio and the median: the issue-25
// figure, measured on the same machine at nearly the same time.
//
// --orders=K sends the candidates in K different orders in turn, as a real
// kube-scheduler does: its filter runs on 16 goroutines that append feasible
// nodes as they find them, so the same candidates come in a new order with
// every pod (bench/cluster_objects.h, ParallelFilterOrder). With the default
// of 1, every request carries the same list byte for byte.
//
// Without --target it starts `spillway serve` in-process on 127.0.0.1:0 (its own
// I/O threads); with --target=HOST:PORT it drives a running server.
// --node-cache gives the in-process server the candidates' Node objects, as
// `serve --kubeconfig` keeps them (every real deployment): names are then
// classified from the cache, not by their prefix.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "app/flags.h"
#include "bench/stats.h"
#include "app/serve_app.h"
#include "bench/cluster_objects.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "glog/logging.h"
#include "kube/decode.h"
#include "scheduler/cluster_view.h"

namespace {

// A server with the same HTTP stack and limits that answers every request
// with the extender's answer to `body` (asked once of `extender`): the floor
// of what this client can measure. Null when the extender did not answer.
// With several orders of one list it answers each with the first order's
// answer: the same bytes in another order, so the same cost.
std::unique_ptr<spillway::http::Server> StartNullServer(const spillway::http::ClientOptions& extender,
                                                        const std::string& path, const std::string& body) {
  spillway::http::Client once(extender);
  auto answer = once.Post(path, body);
  if (!answer.ok() || answer->status != 200) {
    std::fprintf(stderr, "cannot precompute the answer\n");
    return nullptr;
  }
  spillway::http::ServerOptions server_options;
  server_options.host = "127.0.0.1";
  auto started = spillway::http::Server::Start(
      server_options, [answer = answer->body](spillway::http::Request& request) {
        spillway::http::Response response;
        response.body = std::move(request.response_buffer);
        response.body.assign(answer);
        return response;
      });
  return started.ok() ? std::move(*started) : nullptr;
}

double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

struct LoadOptions {
  std::string mode = "names";
  std::string target;
  std::string verb = "filter";
  int nodes = 5000;
  int requests = 1000;
  int warmup = 20;
  int virtual_every = 50;
  bool null_server = false;
  int against_null = 0;
  int orders = 1;
  bool node_cache = false;
};

// The command line into `options`; an exit code when the program should end.
std::optional<int> ParseFlags(int argc, char** argv, LoadOptions& options) {
  spillway::app::FlagSet flags("extender_load [flags]", "Extender latency and throughput.");
  flags.String("mode", &options.mode, "names (nodeCacheCapable: true) or full (Node objects)");
  flags.String("verb", &options.verb, "filter or prioritize");
  flags.String("target", &options.target, "HOST:PORT of a running spillway serve; empty starts one");
  flags.Int("nodes", &options.nodes, 1, 100000, "Candidate nodes per request");
  flags.Int("requests", &options.requests, 1, 10000000, "Measured requests");
  flags.Int("warmup", &options.warmup, 0, 10000000, "Unmeasured requests first");
  flags.Int("virtual-every", &options.virtual_every, 1, 100000, "Every Nth node is a virtual node");
  flags.Int("orders", &options.orders, 1, 1000,
            "Send the candidates in this many different orders in turn, as kube-scheduler's parallel "
            "filter does (1: the same list every time)");
  flags.Bool("node-cache", &options.node_cache,
             "Give the in-process server the candidates' Node objects, as `serve --kubeconfig` keeps them "
             "(names are classified from the cache, not by their prefix)");
  flags.Bool("null", &options.null_server,
             "Drive a null server instead: the same HTTP server and limits, answering every "
             "request with the extender's answer to it, precomputed (the floor for this client)");
  flags.Int("against-null", &options.against_null, 0, 100,
            "Rounds of the server, then a null server answering the same bytes, in turn in this one "
            "process; prints each round's p50 ratio and their median (0: one server, as --null says)");
  return spillway::app::ParseCommandLine(flags, argc, argv);
}

// The request bodies to send in turn: one per order of the candidates.
std::vector<std::string> RequestBodies(const LoadOptions& options) {
  const std::string pod = spillway::bench::BurstPodJson(1);
  std::vector<std::string> bodies;
  for (int i = 0; i < options.orders; ++i) {
    const std::vector<int> order = options.orders == 1
                                       ? std::vector<int>()
                                       : spillway::bench::ParallelFilterOrder(options.nodes, static_cast<uint64_t>(i));
    bodies.push_back(options.mode == "full"
                         ? spillway::bench::FullFilterRequest(pod, options.nodes, options.virtual_every, order)
                         : spillway::bench::NamesFilterRequest(pod, options.nodes, options.virtual_every, order));
  }
  return bodies;
}

struct Figures {
  double p50_ms = 0;
  double p99_ms = 0;
  double mean_ms = 0;
  double requests_per_second = 0;
  size_t response_bytes = 0;
};

// Sends the warm-up, then the measured requests (the bodies in turn); null
// when a request failed (said on stderr).
std::optional<Figures> Drive(const LoadOptions& options, const spillway::http::ClientOptions& client_options,
                             const std::string& path, const std::vector<std::string>& bodies) {
  spillway::http::Client client(client_options);
  size_t next_body = 0;
  auto next = [&]() -> const std::string& { return bodies[next_body++ % bodies.size()]; };
  Figures figures;
  for (int i = 0; i < options.warmup; ++i) {
    auto response = client.Post(path, next());
    if (!response.ok() || response->status != 200) {
      std::fprintf(stderr, "warm-up request failed: %s\n",
                   response.ok() ? response->body.substr(0, 200).c_str()
                                 : response.status().ToString().c_str());
      return std::nullopt;
    }
    figures.response_bytes = response->body.size();
  }
  const auto start = std::chrono::steady_clock::now();
  std::optional<std::vector<double>> measured = spillway::bench::MeasureMilliseconds(options.requests, [&] {
    auto response = client.Post(path, next());
    if (!response.ok() || response->status != 200) return false;
    client.Recycle(std::move(response->body));  // As a long-lived client's heap would.
    return true;
  });
  if (!measured.has_value()) {
    std::fprintf(stderr, "a request failed\n");
    return std::nullopt;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  figures.p50_ms = spillway::bench::Percentile(*measured, 0.50);
  figures.p99_ms = spillway::bench::Percentile(*measured, 0.99);
  figures.mean_ms = Mean(*measured);
  figures.requests_per_second = static_cast<double>(options.requests) / seconds;
  return figures;
}

void Print(const LoadOptions& options, const std::vector<std::string>& bodies, const Figures& figures,
           const char* label) {
  std::printf(
      "%sverb=%s mode=%s nodes=%d orders=%d request=%.2f MB response=%.2f MB requests=%d  "
      "p50=%.3f ms  p99=%.3f ms  mean=%.3f ms  %.0f req/s\n",
      label, options.verb.c_str(), options.mode.c_str(), options.nodes, options.orders,
      static_cast<double>(bodies.front().size()) / 1e6, static_cast<double>(figures.response_bytes) / 1e6,
      options.requests, figures.p50_ms, figures.p99_ms, figures.mean_ms, figures.requests_per_second);
}

// --against-null: the server and the null server in turn, round after round,
// so both see the same machine at nearly the same time.
int CompareWithNull(const LoadOptions& options, const spillway::http::ClientOptions& server,
                    const spillway::http::ClientOptions& null, const std::string& path,
                    const std::vector<std::string>& bodies) {
  std::vector<double> ratios;
  for (int round = 1; round <= options.against_null; ++round) {
    const std::optional<Figures> ours = Drive(options, server, path, bodies);
    const std::optional<Figures> floor = Drive(options, null, path, bodies);
    if (!ours.has_value() || !floor.has_value()) return 1;
    Print(options, bodies, *ours, "");
    Print(options, bodies, *floor, "NULL SERVER ");
    ratios.push_back(ours->p50_ms / floor->p50_ms);
    std::printf("round %d: p50 %.3f / %.3f ms = %.2fx the null server\n", round, ours->p50_ms, floor->p50_ms,
                ratios.back());
  }
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  std::printf("p50 ratio to the null server over %zu rounds: median %.2fx, lowest %.2fx, highest %.2fx\n",
              sorted.size(), sorted[sorted.size() / 2], sorted.front(), sorted.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 1;
  google::InitGoogleLogging(argv[0]);
  LoadOptions options;
  if (std::optional<int> exit_code = ParseFlags(argc, argv, options)) return *exit_code;

  std::unique_ptr<spillway::app::ServeApp> app;
  std::unique_ptr<spillway::scheduler::StaticClusterView> node_cache;
  spillway::http::ClientOptions client_options;
  if (options.target.empty()) {
    spillway::app::TuneAllocatorForServing();  // As `spillway serve` does.
    spillway::app::ServeOptions serve_options;
    serve_options.listen = "127.0.0.1:0";
    if (options.node_cache) {
      std::vector<spillway::kube::Node> nodes;
      for (int i = 0; i < options.nodes; ++i) {
        nodes.push_back(*spillway::kube::ParseNode(spillway::bench::NodeJson(i, options.virtual_every)));
      }
      node_cache = std::make_unique<spillway::scheduler::StaticClusterView>(nodes);
      serve_options.cluster_view = node_cache.get();
    }
    auto started = spillway::app::ServeApp::Start(serve_options, spillway::config::SpillwayConfig());
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start server: %s\n", started.status().ToString().c_str());
      return 1;
    }
    app = std::move(*started);
    client_options.port = app->port();
  } else if (absl::Status s = spillway::app::ParseListenAddress(options.target, &client_options.host,
                                                                &client_options.port);
             !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }

  const std::vector<std::string> bodies = RequestBodies(options);
  const std::string path = "/extender/" + options.verb;
  std::unique_ptr<spillway::http::Server> null;
  spillway::http::ClientOptions null_options = client_options;
  if (options.null_server || options.against_null > 0) {
    null = StartNullServer(client_options, path, bodies.front());
    if (null == nullptr) return 1;
    null_options.host = "127.0.0.1";
    null_options.port = null->port();
  }
  if (options.against_null > 0) return CompareWithNull(options, client_options, null_options, path, bodies);
  const std::optional<Figures> figures = Drive(options, options.null_server ? null_options : client_options, path, bodies);
  if (!figures.has_value()) return 1;
  Print(options, bodies, *figures, options.null_server ? "NULL SERVER " : "");
  return 0;
}
