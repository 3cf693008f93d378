// What follows from a request's candidate list alone, kept between requests.
// kube-scheduler asks twice per pod, filter then prioritize, and when every
// candidate passes the second list is the first one byte for byte (between
// pods the list comes in a new order: its filter runs on 16 goroutines, see
// RequestDecoder). RequestDecoder decodes such a list once and gives it a
// generation (ExtenderArgs::candidates_generation); here the nodes' classes
// are reused while the generation and the node snapshot (the same immutable
// object) are, and the encoded filter or prioritize answer while the result
// is equal to the last one's. Either way the answer is byte-for-byte what
// computing it again gives (candidates_memo_test compares them). A list
// without a generation (0) is never memoized.
//
// Thread-compatible: one per request thread, beside its RequestDecoder.
#ifndef SPILLWAY_SCHEDULER_CANDIDATES_MEMO_H_
#define SPILLWAY_SCHEDULER_CANDIDATES_MEMO_H_

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>

#include "common/text_pieces.h"
#include "scheduler/extender.h"
#include "scheduler/extender_args.h"
#include "scheduler/virtual_node_index.h"

namespace spillway::scheduler {

class CandidatesMemo {
 public:
  // The candidates' classes (Extender::ClassifyNodes), from the memo when
  // `args` carries the same names generation and the extender's node
  // snapshot is the one they were computed against. The reference is valid
  // until the next call.
  const NodeClasses& Classes(const Extender& extender, const ExtenderArgs& args);

  // The bytes a virtual candidate's name can begin with, for the decoder to
  // mark as it scans (RequestDecoder::MarkNamesStartingWith): the rule's
  // name prefixes' and, with a node snapshot, its virtual nodes' (the same
  // set Classes looks for, so the marks are used).
  std::bitset<256> VirtualFirstBytes(const Extender& extender);

  // EncodeFilterResult into `out`, or the last answer's bytes when the
  // candidates generation and `result` are the same (kept from the answer's
  // second time: most lists are seen once). With `pieces`, the answer is
  // made EncodeFilterInPieces: one that can go out as pieces is made so
  // every time, repeated or not (into `*pieces`, `out` untouched), and
  // nothing is kept that would hold the decoder's bytes between requests.
  void EncodeFilter(const ExtenderArgs& args, FilterResult result, std::string* out,
                    std::shared_ptr<const TextPieces>* pieces = nullptr);

  // EncodeHostPriorities into `out`, or the last answer's bytes when the
  // names generation and `scores` are the same (kept as EncodeFilter's).
  void EncodePriorities(const ExtenderArgs& args, HostScores scores, std::string* out);

 private:
  uint64_t classes_generation_ = 0;
  std::shared_ptr<const NodeSnapshot> classes_snapshot_;
  NodeClasses classes_;
  // The virtual nodes of the last snapshot a names-mode request was
  // classified against: built once per snapshot, not per request.
  std::unique_ptr<VirtualNodeIndex> virtual_nodes_;
  // virtual_nodes_ for `snapshot` (non-null), built when it is another's.
  const VirtualNodeIndex& IndexFor(const Extender& extender, const std::shared_ptr<const NodeSnapshot>& snapshot);

  uint64_t filter_generation_ = 0;
  FilterResult filter_result_;
  std::string filter_answer_;

  uint64_t priorities_generation_ = 0;
  HostScores priorities_;
  std::string priorities_answer_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_CANDIDATES_MEMO_H_
