// Microbenchmarks of the extender's request path without the network: decode
// kube-scheduler's JSON, apply the burst policy, encode the answer.
//
//   bazel run //bench:extender_handler_bench
#include <string>

#include "benchmark/benchmark.h"
#include "bench/cluster_objects.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "scheduler/extender.h"
#include "scheduler/extender_codec.h"
#include "scheduler/candidates_memo.h"
#include "simdjson.h"

namespace spillway::bench {
namespace {

std::string Padded(std::string body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  return body;
}

// The service's filter path (ExtenderService::Filter): one decoder and one
// names-mode memo across requests. With two bodies the requests alternate
// between them, so names mode never finds its last list (the memo's misses).
void RunFilter(benchmark::State& state, const std::string& body, const std::string* other = nullptr) {
  burst::VirtualNodeRule rule;
  burst::IntentResolver resolver(rule);
  scheduler::Extender extender(resolver, rule, nullptr, scheduler::ScoreValues());
  scheduler::RequestDecoder decoder;
  scheduler::CandidatesMemo memo;
  std::string out;
  bool flip = false;
  for (auto _ : state) {
    const std::string& request = other != nullptr && (flip = !flip) ? *other : body;
    absl::StatusOr<scheduler::ExtenderArgs> args =
        decoder.DecodeExtenderArgs(request, request.capacity());
    auto policy = extender.Resolve(args->pod);
    const scheduler::NodeClasses& classes = memo.Classes(extender, *args);
    scheduler::FilterResult result = extender.Filter(*args, policy, classes);
    out.clear();
    memo.EncodeFilter(*args, result, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_FilterNames(benchmark::State& state) {
  const std::string body =
      Padded(NamesFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50));
  RunFilter(state, body);
}
BENCHMARK(BM_FilterNames)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);

// Every request's list differs from the last one's (one node fewer).
void BM_FilterNamesChanging(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const std::string body = Padded(NamesFilterRequest(BurstPodJson(1), nodes, 50));
  const std::string other = Padded(NamesFilterRequest(BurstPodJson(1), nodes - 1, 50));
  RunFilter(state, body, &other);
}
BENCHMARK(BM_FilterNamesChanging)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_DecodeNames(benchmark::State& state) {
  const std::string body =
      Padded(NamesFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50));
  scheduler::RequestDecoder decoder;
  for (auto _ : state) {
    auto args = decoder.DecodeExtenderArgs(body, body.capacity());
    benchmark::DoNotOptimize(args->node_names->data());
  }
}
BENCHMARK(BM_DecodeNames)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_FilterFull(benchmark::State& state) {
  const std::string body =
      Padded(FullFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50));
  RunFilter(state, body);
}
BENCHMARK(BM_FilterFull)->Arg(500)->Arg(5000)->Unit(benchmark::kMillisecond);

// Every request's node list differs from the last one's (one node fewer).
void BM_FilterFullChanging(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const std::string body = Padded(FullFilterRequest(BurstPodJson(1), nodes, 50));
  const std::string other = Padded(FullFilterRequest(BurstPodJson(1), nodes - 1, 50));
  RunFilter(state, body, &other);
}
BENCHMARK(BM_FilterFullChanging)->Arg(500)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace spillway::bench

BENCHMARK_MAIN();
