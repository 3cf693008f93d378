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

#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/text_pieces.h"
#include "scheduler/extender_args.h"
#include "simdjson.h"

namespace spillway::scheduler {

class RequestDecoder {
 public:
  // The largest full-mode Nodes list remembered (a 500-node request is
  // 6.3 MB); larger ones are decoded on every request.
  static constexpr size_t kMaxNodesMemoBytes = 16 << 20;

  // `remember_candidates`: keep the last candidate lists (the default, as
  // the extender runs); false decodes every request from scratch and gives
  // no generation (the reference the memo is tested against).
  explicit RequestDecoder(bool remember_candidates = true) : remember_(remember_candidates) {}

  // Decodes ExtenderArgs (filter and prioritize). `capacity` is the number of
  // bytes allocated at body.data(); it must be at least body.size() +
  // simdjson::SIMDJSON_PADDING. The result borrows from `body` and from this
  // decoder (node names) until the next Decode call.
  absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(absl::string_view body, size_t capacity);

  // Names of a compact NodeNames array that begin with one of these bytes
  // (at most four are marked) are marked as the array is scanned, so that
  // classifying them (Extender::ClassifyNodes) reads no other name
  // (CompactNames). Set before each request: the set follows the cluster.
  void MarkNamesStartingWith(const std::bitset<256>& first_bytes) { marked_first_bytes_ = first_bytes; }

  // The same, free to take over `*body`'s storage (leaving in its place
  // another string whose capacity the caller may reuse): a compact NodeNames
  // array is then remembered where it arrived rather than copied. `*body`'s
  // capacity must be at least body->size() + simdjson::SIMDJSON_PADDING. The
  // result borrows from `*body` or the storage taken from it until the next
  // Decode, and the caller leaves `*body` as it is while it uses the result
  // (the service: until its answer is written).
  absl::StatusOr<ExtenderArgs> DecodeExtenderArgs(std::string* body);

  // Decodes ExtenderPreemptionArgs; same contract.
  absl::StatusOr<PreemptionArgs> DecodePreemptionArgs(absl::string_view body, size_t capacity);

 private:
  // kube-scheduler sends a pod's candidates twice (filter, then prioritize
  // with those that passed: all of them, often). The last NodeNames array is kept with its
  // decoded names, and a request whose array is byte-identical reuses them
  // instead of walking 5,000 elements again (ExtenderArgs::candidates_generation
  // says so to the layers above).
  struct NamesMemo {
    // Holds `bytes`: a copy of the array, or a request body taken over.
    // Shared with the list (NodeNameList::SetBytesOwner), so an answer in
    // flight that borrows the bytes keeps them; written only when no one
    // else holds it (WritableNamesStorage), replaced otherwise.
    std::shared_ptr<std::string> storage = std::make_shared<std::string>();
    // The array's JSON, from '[', in `storage` (simdjson padding after it).
    absl::string_view bytes;
    // Handed to requests as const; refilled in place once they let go.
    // Names point into `bytes` or `unescaped`, tokens into `bytes`.
    std::shared_ptr<NodeNameList> list;
    std::vector<std::string> unescaped;     // Names whose token has escapes.
    uint64_t generation = 0;
  };
  // The last full-mode Nodes list kube-scheduler sent last (`..., "Nodes":
  // {...}, "NodeNames": null}`), up to kMaxNodesMemoBytes, with its decoded
  // nodes (raw_json pointing into `bytes`).
  struct NodesMemo {
    // The Nodes object's JSON (simdjson-padded capacity). Shared with the
    // arguments (ExtenderArgs::candidates_owner), so an answer in flight
    // that borrows the nodes' bytes keeps them; replaced, not overwritten,
    // while one does.
    std::shared_ptr<std::string> bytes = std::make_shared<std::string>();
    std::shared_ptr<const std::vector<CandidateNode>> nodes;
    uint64_t generation = 0;
    // For the same nodes in another order (DecodeWithReorderedNodes): each
    // node by name (views into `nodes`), and where the items run in `bytes`
    // (from the first node's '{' to just past the last node's '}'), and
    // the bytes every node opens with up to its name. Empty when the list
    // is not laid out as kube-scheduler writes it (nodes separated by a bare
    // ',', each opening alike up to its name: {"metadata":{"name":"...).
    absl::flat_hash_map<absl::string_view, uint32_t> by_name;
    std::string node_head;
    size_t items_begin = 0;
    size_t items_end = 0;
  };
  // Where the general path saw the Nodes value, for RememberNodes.
  struct NodesSeen {
    const char* start = nullptr;  // The value's first byte in the body; null: none.
    bool last_then_null_names = false;  // Followed by "NodeNames": null, the last field.
  };
  // Keeps a successfully decoded full-mode list in nodes_memo_ when it is
  // shaped as kube-scheduler sends it, moving `args.nodes`' raw bytes into
  // the memo's copy.
  void RememberNodes(absl::string_view body, const NodesSeen& seen, ExtenderArgs& args);
  // The same as DecodeWithKnownNames for a full-mode body ending with the
  // memo's Nodes and "NodeNames": null.
  std::optional<ExtenderArgs> DecodeWithKnownNodes(absl::string_view body);
  // kube-scheduler filters nodes on 16 goroutines that append the feasible
  // ones as they finish, so the same candidates come in a new order with
  // every pod. When each node of the body's Nodes value is, byte for byte,
  // one of the memo's (in any order, framed and separated as in the memo,
  // the value as long as the memo's), only the fields before it are parsed
  // and `node_order` maps the request's positions to the memo's nodes.
  // Nullopt otherwise.
  std::optional<ExtenderArgs> DecodeWithReorderedNodes(absl::string_view body);
  // Fills nodes_memo_'s by_name and item bounds when its list is laid out
  // as kube-scheduler writes it; leaves by_name empty otherwise.
  void IndexRememberedNodes();
  // `body` up to `key` when it ends (but for whitespace) with `key`, `known`
  // and `tail`, byte for byte; nullopt otherwise.
  static std::optional<absl::string_view> FieldsBefore(absl::string_view body, absl::string_view key,
                                                       absl::string_view known, absl::string_view tail);
  // DecodeFields over `rest` closed as an object (a copy in prefix_), with
  // the list the caller found after it; nullopt when anything fails.
  std::optional<ExtenderArgs> DecodeBefore(absl::string_view rest, absl::string_view last_node_names,
                                           const NodesMemo* known_nodes);
  // Decodes `array` (a NodeNames array's raw JSON) into names_memo_ unless it
  // holds these bytes already, then points `args` at the memo.
  absl::Status DecodeNodeNames(absl::string_view array, ExtenderArgs& args);
  // kube-scheduler sends NodeNames last ({"Pod":...,"Nodes":null,
  // "NodeNames":[...]}). When that array is the memo's, byte for byte, only
  // the fields before it are parsed: simdjson indexes every byte it is
  // given, and 5,000 names are most of a request. Nullopt when the body is
  // not so shaped or anything fails (the whole body is then parsed).
  std::optional<ExtenderArgs> DecodeWithKnownNames(absl::string_view body);
  // kube-scheduler's names-mode body (`{"Pod":...,"Nodes":null,"NodeNames":
  // [...]}`) with an array not seen before: when the array is compact
  // (CompactNames), it is read with a vector scan into names_memo_ and only
  // the fields before it are parsed. Nullopt when the body is not so shaped
  // or anything fails (the whole body is then parsed).
  std::optional<ExtenderArgs> DecodeWithTrailingNames(absl::string_view body);
  // Reads names_memo_.bytes into its list: ScanRememberedNames when the
  // array is compact (false otherwise), else WalkRememberedNames with
  // simdjson (which words any error). A decoder that remembers nothing
  // always walks: it is the reference the scan is tested against.
  bool ScanRememberedNames();
  // Copies `array` into names_memo_.storage and points its bytes there.
  void CopyIntoNamesMemo(absl::string_view array);
  // names_memo_.storage, to be overwritten: the memo's own once its list
  // lets go (a list no request holds is emptied), a new one while an answer
  // or a request's arguments still hold the bytes.
  std::string& WritableNamesStorage();
  absl::Status WalkRememberedNames();
  // The fields of `body`, then `last_node_names` (an array's raw JSON; empty:
  // none) or `known_nodes` (the memo's list; null: none) as if it were the
  // last field. `seen`, when given, learns where the Nodes value was.
  absl::StatusOr<ExtenderArgs> DecodeFields(absl::string_view body, size_t capacity,
                                            absl::string_view last_node_names,
                                            const NodesMemo* known_nodes = nullptr,
                                            NodesSeen* seen = nullptr);

  simdjson::ondemand::parser parser_;
  simdjson::ondemand::parser names_parser_;
  const bool remember_;
  NamesMemo names_memo_;
  NodesMemo nodes_memo_;
  std::string prefix_;  // DecodeWithKnownNames' copy of the fields before NodeNames.
  std::bitset<256> marked_first_bytes_;
  // During DecodeExtenderArgs(std::string*): the body that may be taken over.
  std::string* takeable_body_ = nullptr;
  // Fully parses each Node's bytes: validates what is echoed back and reads
  // the fields the policy needs.
  simdjson::dom::parser node_parser_;
};

// The encoders append JSON to `*out` (which may hold reusable capacity).

// ExtenderFilterResult: passing nodes as raw Node objects (full mode) or
// names, FailedNodes, FailedAndUnresolvableNodes, and an empty Error.
void EncodeFilterResult(const ExtenderArgs& args, const FilterResult& result, std::string* out);

// The same answer as EncodeFilterResult. When the passing candidates' bytes
// lie in at most 500 runs of what the decoder keeps (a compact NodeNames
// array, NodeNameList::compact; a remembered full-mode list in its
// remembered order, ExtenderArgs::candidates_owner), it is returned as
// pieces that borrow the runs instead of copying them: the HTTP server
// sends them without joining them (http::Response::body_pieces), and they
// keep those bytes alive. Otherwise it is appended to `out` and null is
// returned.
std::shared_ptr<const TextPieces> EncodeFilterInPieces(const ExtenderArgs& args, const FilterResult& result,
                                                       std::string* out);

// An ExtenderFilterResult that carries only Error (undecidable request).
void EncodeFilterError(absl::string_view error, std::string* out);

// HostPriorityList: `scores[i]` is the score of the request's i-th node.
void EncodeHostPriorities(const ExtenderArgs& args, const HostScores& scores, std::string* out);

// ExtenderPreemptionResult (NodeNameToMetaVictims).
void EncodePreemptionResult(const PreemptionResult& result, std::string* out);

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_EXTENDER_CODEC_H_
