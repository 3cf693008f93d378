// The extender's wire format: decoding kube-scheduler's JSON requests and
// encoding the answers.
//
// Top-level keys are matched case-insensitively ("Pod", "pod", "NodeNames",
// "nodenames" all work; older extenders and configs use lowercase) and answers
// use the PascalCase of the Go types. Objects inside (Pod, Node) use the usual
// Kubernetes camelCase. Unknown fields are ignored; wrong types, malformed
// JSON and a missing Pod are InvalidArgument errors naming the field.
//
// Thread-compatible: one RequestDecoder per thread (it owns simdjson parsers
// whose buffers are reused across requests).
#ifndef SPILLWAY_SCHEDULER_EXTENDER_CODEC_H_
#define SPILLWAY_SCHEDULER_EXTENDER_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scheduler/extender_args.h"
#include "simdjson.h"

namespace spillway::scheduler {

class RequestDecoder {
 public:
  // Decodes ExtenderArgs (filter and prioritize). `capacity` is the number of
  // bytes allocated at body.data(); it must be at least body.size() +
  // simdjson::SIMDJSON_PADDING. The result borrows from `body` and from this
  // decoder until the next Decode call.
  absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(absl::string_view body, size_t capacity);

  // Decodes ExtenderPreemptionArgs; same contract.
  absl::StatusOr<PreemptionArgs> DecodePreemptionArgs(absl::string_view body, size_t capacity);

 private:
  simdjson::ondemand::parser parser_;
  // Fully parses each Node's bytes: validates what is echoed back and reads
  // the fields the policy needs.
  simdjson::dom::parser node_parser_;
};

// The encoders append JSON to `*out` (which may hold reusable capacity).

// ExtenderFilterResult: passing nodes as raw Node objects (full mode) or
// names, FailedNodes, FailedAndUnresolvableNodes, and an empty Error.
void EncodeFilterResult(const ExtenderArgs& args, const FilterResult& result, std::string* out);

// An ExtenderFilterResult that carries only Error (undecidable request).
void EncodeFilterError(absl::string_view error, std::string* out);

// HostPriorityList: `scores[i]` is the score of the request's i-th node.
void EncodeHostPriorities(const ExtenderArgs& args, const HostScores& scores, std::string* out);

// ExtenderPreemptionResult (NodeNameToMetaVictims).
void EncodePreemptionResult(const PreemptionResult& result, std::string* out);

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_EXTENDER_CODEC_H_
