// libFuzzer target for the extender's request decoding: any bytes, as a filter
// or preemption body, must decode to arguments or to an InvalidArgument error,
// never crash, hang or read out of bounds; decoded filter arguments must encode
// back to JSON that parses.
//
// Built two ways: with clang's -fsanitize=fuzzer,address,undefined by
// `./spillway.sh test` (a short coverage-guided run), and with the project
// toolchain as request_fuzzer_replay_test (replay_main.cc), which feeds it the
// seed corpus and deterministic mutations of it on every `bazel test`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "scheduler/extender_codec.h"
#include "simdjson.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* const decoder = new spillway::scheduler::RequestDecoder();
  std::string body(reinterpret_cast<const char*>(data), size);
  body.reserve(size + simdjson::SIMDJSON_PADDING);

  absl::StatusOr<spillway::scheduler::ExtenderArgs> args =
      decoder->DecodeExtenderArgs(body, body.capacity());
  if (args.ok()) {
    // Pass every node, fail none: the answer splices in every raw node.
    spillway::scheduler::FilterResult result;
    for (size_t i = 0; i < args->NodeCount(); ++i) result.passed.push_back(i);
    std::string encoded;
    spillway::scheduler::EncodeFilterResult(*args, result, &encoded);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(encoded).get(root) != simdjson::SUCCESS) {
      // Raw node bytes are copied verbatim; if On-Demand accepted a node that a
      // full parse rejects, the answer would be invalid JSON for kube-scheduler.
      std::fprintf(stderr, "filter answer is not JSON for input: %s\n", body.c_str());
      std::abort();
    }
  } else if (args.status().code() != absl::StatusCode::kInvalidArgument) {
    std::fprintf(stderr, "unexpected error %s\n", args.status().ToString().c_str());
    std::abort();
  }

  absl::StatusOr<spillway::scheduler::PreemptionArgs> preemption =
      decoder->DecodePreemptionArgs(body, body.capacity());
  if (!preemption.ok() && preemption.status().code() != absl::StatusCode::kInvalidArgument) {
    std::fprintf(stderr, "unexpected error %s\n", preemption.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
