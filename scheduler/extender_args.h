// kube-scheduler's extender messages (k8s.io/kube-scheduler/extender/v1),
// decoded into what the burst policy needs, and the results it answers with.
//
// Decoded arguments borrow: node names and raw Node bytes point into the
// request body and the RequestDecoder that produced them, so both must outlive
// the arguments. That keeps a 5000-node request free of per-node copies.
#ifndef SPILLWAY_SCHEDULER_EXTENDER_ARGS_H_
#define SPILLWAY_SCHEDULER_EXTENDER_ARGS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/objects.h"
#include "scheduler/node_name_list.h"

namespace spillway::scheduler {

// A candidate node of a full-object request (nodeCacheCapable: false).
struct CandidateNode {
  kube::Node node;
  // The Node object's JSON exactly as kube-scheduler sent it; a passing node is
  // answered with these bytes rather than re-serialised.
  absl::string_view raw_json;
};

// ExtenderArgs: the pod and its candidate nodes (after kube-scheduler's own
// filters). Exactly one of `nodes` and `node_names` is set.
struct ExtenderArgs {
  kube::Pod pod;
  // Full mode: shared with the decoder's memo of the list (RequestDecoder),
  // whose bytes `raw_json` may point into until its next Decode call. Read
  // through Candidate(i): the request may list them in another order.
  std::shared_ptr<const std::vector<CandidateNode>> nodes;
  // Full mode, when the request listed the remembered nodes in another order
  // (kube-scheduler's parallel filter does, pod after pod): its i-th node is
  // (*nodes)[(*node_order)[i]]. Null: in the order of `nodes`.
  std::shared_ptr<const std::vector<uint32_t>> node_order;
  // Names mode: shared with the decoder's memo of the list (RequestDecoder),
  // which owns the bytes the names point into until its next Decode call.
  // Passing names are answered with their tokens as sent.
  std::shared_ptr<const NodeNameList> node_names;
  // Full mode, when the nodes are the decoder's memo of the list: what their
  // raw_json bytes point into, kept alive by whoever holds this (an answer
  // that borrows them, EncodeFilterInPieces). Null when they point into the
  // request body.
  std::shared_ptr<const void> candidates_owner;
  // Identifies the decoded candidate list (NodeNames, or full Nodes). Two
  // requests with the same non-zero value carried byte-identical lists
  // (decoded once, RequestDecoder), so what follows from the candidates
  // alone may be reused. 0: not remembered.
  uint64_t candidates_generation = 0;

  size_t NodeCount() const { return nodes ? nodes->size() : node_names ? node_names->size() : 0; }
  // The request's i-th full node (full mode only).
  const CandidateNode& Candidate(size_t i) const { return (*nodes)[node_order ? (*node_order)[i] : i]; }
  absl::string_view NodeName(size_t i) const {
    return nodes ? absl::string_view(Candidate(i).node.metadata.name) : node_names->name(i);
  }
};

// The pods preemption would evict on one node (Victims or MetaVictims).
struct Victims {
  std::vector<std::string> pod_uids;
  int64_t num_pdb_violations = 0;
};

// ExtenderPreemptionArgs: NodeNameToVictims (full pods) or
// NodeNameToMetaVictims (UIDs only, nodeCacheCapable: true).
struct PreemptionArgs {
  kube::Pod pod;
  std::vector<std::pair<std::string, Victims>> node_victims;
};

// ExtenderFilterResult before encoding.
struct FilterResult {
  struct Failure {
    size_t node;  // Index into the request's nodes / node names.
    int reason;   // Index into `reasons`.
  };
  // Every candidate is in exactly one of the three lists, each ascending.
  std::vector<size_t> passed;
  std::vector<Failure> failed;        // FailedNodes: preemption may help.
  std::vector<Failure> unresolvable;  // FailedAndUnresolvableNodes.
  // Distinct reasons, shared by the failures that cite them.
  std::vector<std::string> reasons;
  // When true, `passed` is left empty and stands for every candidate not
  // failed: a compact names list is answered as "all but the failures"
  // (EncodeFilterResult), and listing thousands of passing indices only to
  // count them cost more than the rest of the policy.
  bool passed_are_the_rest = false;

  // How many of `candidates` passed.
  size_t PassedCount(size_t candidates) const {
    return passed_are_the_rest ? candidates - failed.size() - unresolvable.size() : passed.size();
  }
  // The passing indices, listed (`candidates`: the request's node count).
  std::vector<size_t> PassedIndices(size_t candidates) const;
};

inline std::vector<size_t> FilterResult::PassedIndices(size_t candidates) const {
  if (!passed_are_the_rest) return passed;
  std::vector<uint8_t> failing(candidates);
  for (const Failure& failure : failed) failing[failure.node] = 1;
  for (const Failure& failure : unresolvable) failing[failure.node] = 1;
  std::vector<size_t> rest;
  rest.reserve(PassedCount(candidates));
  for (size_t i = 0; i < candidates; ++i) {
    if (!failing[i]) rest.push_back(i);
  }
  return rest;
}

// HostPriorityList before encoding: one score per candidate, in request order.
using HostScores = std::vector<int64_t>;

// ExtenderPreemptionResult: the nodes (and their victims) the pod may use.
struct PreemptionResult {
  std::vector<const std::pair<std::string, Victims>*> kept;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_EXTENDER_ARGS_H_
