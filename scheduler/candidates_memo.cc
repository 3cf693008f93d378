#include "scheduler/candidates_memo.h"

#include <utility>

#include "scheduler/extender_codec.h"

namespace spillway::scheduler {
namespace {

bool SameFailures(const std::vector<FilterResult::Failure>& a, const std::vector<FilterResult::Failure>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].node != b[i].node || a[i].reason != b[i].reason) return false;
  }
  return true;
}

bool SameResult(const FilterResult& a, const FilterResult& b) {
  return a.passed_are_the_rest == b.passed_are_the_rest && a.passed == b.passed && a.reasons == b.reasons &&
         SameFailures(a.failed, b.failed) &&
         SameFailures(a.unresolvable, b.unresolvable);
}

}  // namespace

const NodeClasses& CandidatesMemo::Classes(const Extender& extender, const ExtenderArgs& args) {
  std::shared_ptr<const NodeSnapshot> snapshot = extender.NodeSnapshotNow();
  if (args.candidates_generation == 0 || args.candidates_generation != classes_generation_ ||
      snapshot != classes_snapshot_) {
    if (snapshot != nullptr && args.node_names != nullptr) {
      classes_ = extender.ClassifyNodes(args, IndexFor(extender, snapshot));
    } else {
      classes_ = extender.ClassifyNodes(args, snapshot.get());
    }
    classes_generation_ = args.candidates_generation;
    classes_snapshot_ = std::move(snapshot);
  }
  return classes_;
}

const VirtualNodeIndex& CandidatesMemo::IndexFor(const Extender& extender,
                                                 const std::shared_ptr<const NodeSnapshot>& snapshot) {
  if (virtual_nodes_ == nullptr || virtual_nodes_->snapshot() != snapshot.get()) {
    virtual_nodes_ = std::make_unique<VirtualNodeIndex>(snapshot, extender.rule());
  }
  return *virtual_nodes_;
}

std::bitset<256> CandidatesMemo::VirtualFirstBytes(const Extender& extender) {
  std::shared_ptr<const NodeSnapshot> snapshot = extender.NodeSnapshotNow();
  if (snapshot == nullptr) return extender.rule().prefix_first_bytes();
  return IndexFor(extender, snapshot).first_bytes() | extender.rule().prefix_first_bytes();
}

void CandidatesMemo::EncodeFilter(const ExtenderArgs& args, FilterResult result, std::string* out,
                                  std::shared_ptr<const TextPieces>* pieces) {
  const bool repeated = args.candidates_generation != 0 && args.candidates_generation == filter_generation_ &&
                        SameResult(result, filter_result_);
  // An answer that had to be copied, kept from its second time.
  if (repeated && !filter_answer_.empty()) {
    out->append(filter_answer_);
    return;
  }
  // Otherwise the answer goes straight out. As pieces it is made again each
  // time (it copies only its text), so nothing holds the decoder's bytes
  // between requests; a copied answer is kept once the same one comes again
  // (most lists are seen once: a new order with every pod).
  const size_t start = out->size();
  if (pieces != nullptr) {
    *pieces = EncodeFilterInPieces(args, result, out);
    if (*pieces != nullptr) return;
  } else {
    EncodeFilterResult(args, result, out);
  }
  if (repeated) {
    filter_answer_.assign(*out, start, std::string::npos);
  } else if (args.candidates_generation != 0) {
    filter_answer_.clear();
    filter_result_ = std::move(result);
    filter_generation_ = args.candidates_generation;
  }
}

void CandidatesMemo::EncodePriorities(const ExtenderArgs& args, HostScores scores, std::string* out) {
  if (args.candidates_generation == 0) {
    EncodeHostPriorities(args, scores, out);
    return;
  }
  const bool repeated = args.candidates_generation == priorities_generation_ && scores == priorities_;
  if (!repeated) {
    EncodeHostPriorities(args, scores, out);
    priorities_answer_.clear();
    priorities_ = std::move(scores);
    priorities_generation_ = args.candidates_generation;
    return;
  }
  if (priorities_answer_.empty()) EncodeHostPriorities(args, scores, &priorities_answer_);
  out->append(priorities_answer_);
}

}  // namespace spillway::scheduler
