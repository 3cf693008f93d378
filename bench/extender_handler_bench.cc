// Microbenchmarks of the extender's request path without the network: decode
// kube-scheduler's JSON, apply the burst policy, encode the answer.
//
//   bazel run //bench:extender_handler_bench
#include <bitset>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "bench/cluster_objects.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "kube/decode.h"
#include "scheduler/cluster_view.h"
#include "scheduler/extender.h"
#include "scheduler/extender_codec.h"
#include "scheduler/virtual_node_index.h"
#include "scheduler/candidates_memo.h"
#include "scheduler/name_tokens.h"
#include "simdjson.h"

namespace spillway::bench {
namespace {

std::string Padded(std::string body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  return body;
}

// The service's filter path (ExtenderService::Filter): one decoder and one
// candidates memo across requests, which take `bodies` in turn (with more
// than one, the memo never finds its last list). Two differences, both
// costing the bench more than the service: the decoder borrows each body
// (so a NodeNames array is copied into its memo, where the service lets it
// take the body over), and every answer is written into a string (the
// service sends an answer of a few runs as pieces).
// `view`: the cluster's nodes as `serve --kubeconfig` knows them (null: the
// extender runs standalone and classifies names by name).
void RunFilter(benchmark::State& state, std::vector<std::string> bodies,
               const scheduler::ClusterView* view = nullptr) {
  for (std::string& body : bodies) body = Padded(std::move(body));  // Copies lose the padding.
  burst::VirtualNodeRule rule;
  burst::IntentResolver resolver(rule);
  scheduler::Extender extender(resolver, rule, view, scheduler::ScoreValues());
  scheduler::RequestDecoder decoder;
  scheduler::CandidatesMemo memo;
  std::string out;
  size_t next = 0;
  for (auto _ : state) {
    const std::string& request = bodies[next++ % bodies.size()];
    decoder.MarkNamesStartingWith(memo.VirtualFirstBytes(extender));
    absl::StatusOr<scheduler::ExtenderArgs> args =
        decoder.DecodeExtenderArgs(request, request.capacity());
    auto policy = extender.Resolve(args->pod);
    const scheduler::NodeClasses& classes = memo.Classes(extender, *args);
    scheduler::FilterResult result = extender.Filter(*args, policy, classes);
    out.clear();
    memo.EncodeFilter(*args, std::move(result), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bodies.front().size()));
}

// `orders` requests listing the same candidates, each in a different order
// as kube-scheduler's parallel filter sends them (ParallelFilterOrder).
std::vector<std::string> Reordered(bool full, int nodes, int orders) {
  std::vector<std::string> bodies;
  for (int i = 0; i < orders; ++i) {
    const std::vector<int> order = ParallelFilterOrder(nodes, static_cast<uint64_t>(i));
    bodies.push_back(Padded(full ? FullFilterRequest(BurstPodJson(1), nodes, 50, order)
                                 : NamesFilterRequest(BurstPodJson(1), nodes, 50, order)));
  }
  return bodies;
}

void BM_FilterNames(benchmark::State& state) {
  const std::string body =
      Padded(NamesFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50));
  RunFilter(state, {body});
}
BENCHMARK(BM_FilterNames)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);

// Every request's list differs from the last one's (one node fewer).
void BM_FilterNamesChanging(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const std::string body = Padded(NamesFilterRequest(BurstPodJson(1), nodes, 50));
  const std::string other = Padded(NamesFilterRequest(BurstPodJson(1), nodes - 1, 50));
  RunFilter(state, {body, other});
}
BENCHMARK(BM_FilterNamesChanging)->Arg(5000)->Unit(benchmark::kMicrosecond);

// The same names in a new order every request, as kube-scheduler sends them.
void BM_FilterNamesReordered(benchmark::State& state) {
  RunFilter(state, Reordered(false, static_cast<int>(state.range(0)), 16));
}
BENCHMARK(BM_FilterNamesReordered)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);

// The same with the node cache `serve --kubeconfig` keeps: each name is
// classified from its Node's labels and taints.
void BM_FilterNamesReorderedWithNodeCache(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  std::vector<kube::Node> nodes;
  for (int i = 0; i < count; ++i) nodes.push_back(*kube::ParseNode(NodeJson(i, 50)));
  const scheduler::StaticClusterView view(nodes);
  RunFilter(state, Reordered(false, count, 16), &view);
}
BENCHMARK(BM_FilterNamesReorderedWithNodeCache)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);

// What a request thread pays once per node snapshot (the informer publishes
// one after every node change): indexing its virtual nodes.
void BM_VirtualNodeIndexBuild(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  std::vector<kube::Node> nodes;
  for (int i = 0; i < count; ++i) nodes.push_back(*kube::ParseNode(NodeJson(i, 50)));
  const scheduler::StaticClusterView view(nodes);
  const burst::VirtualNodeRule rule;
  for (auto _ : state) {
    scheduler::VirtualNodeIndex index(view.Nodes(), rule);
    benchmark::DoNotOptimize(index.FindVirtual("virtual-kubelet"));
  }
}
BENCHMARK(BM_VirtualNodeIndexBuild)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_DecodeNames(benchmark::State& state) {
  const std::string body =
      Padded(NamesFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50));
  scheduler::RequestDecoder decoder;
  for (auto _ : state) {
    auto args = decoder.DecodeExtenderArgs(body, body.capacity());
    benchmark::DoNotOptimize(args->node_names.get());
  }
}
BENCHMARK(BM_DecodeNames)->Arg(5000)->Unit(benchmark::kMicrosecond);

// The compact NodeNames array alone: its grammar checked and its names
// found (CompactNames::Scan), marking those that begin with 'v'.
void BM_ScanCompactNames(benchmark::State& state) {
  const std::string body = NamesFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50);
  const absl::string_view array = absl::string_view(body).substr(body.find("\"NodeNames\":") + 12);
  std::bitset<256> mark;
  mark.set('v');
  scheduler::CompactNames names;
  const absl::string_view compact = array.substr(0, array.size() - 1);
  if (!names.Scan(compact, mark) || names.size() != static_cast<size_t>(state.range(0))) {
    state.SkipWithError("not read as a compact array");
  }
  for (auto _ : state) benchmark::DoNotOptimize(names.Scan(compact, mark));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * array.size()));
}
BENCHMARK(BM_ScanCompactNames)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_FilterFull(benchmark::State& state) {
  const std::string body =
      Padded(FullFilterRequest(BurstPodJson(1), static_cast<int>(state.range(0)), 50));
  RunFilter(state, {body});
}
BENCHMARK(BM_FilterFull)->Arg(500)->Arg(5000)->Unit(benchmark::kMillisecond);

// Every request's node list differs from the last one's (one node fewer).
void BM_FilterFullChanging(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const std::string body = Padded(FullFilterRequest(BurstPodJson(1), nodes, 50));
  const std::string other = Padded(FullFilterRequest(BurstPodJson(1), nodes - 1, 50));
  RunFilter(state, {body, other});
}
BENCHMARK(BM_FilterFullChanging)->Arg(500)->Unit(benchmark::kMillisecond);

// The same nodes in a new order every request, as kube-scheduler sends them.
void BM_FilterFullReordered(benchmark::State& state) {
  RunFilter(state, Reordered(true, static_cast<int>(state.range(0)), 16));
}
BENCHMARK(BM_FilterFullReordered)->Arg(500)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace spillway::bench

BENCHMARK_MAIN();
