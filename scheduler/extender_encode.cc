// The extender's answers (extender_codec.h): ExtenderFilterResult,
// HostPriorityList and ExtenderPreemptionResult, written as Go's
// encoding/json would and, in names mode, from the request's own tokens.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "scheduler/extender_codec.h"

namespace spillway::scheduler {
namespace {

// The i-th candidate's name as a JSON string: the request's own token in
// names mode (no re-escaping), otherwise the escaped decoded name.
void AppendNodeName(std::string* out, const ExtenderArgs& args, size_t i) {
  if (args.node_names != nullptr) {
    absl::string_view token = args.node_names->token(i);
    out->append(token.data(), token.size());
  } else {
    json::AppendString(out, args.NodeName(i));
  }
}

// The tokens at `passed` (ascending indices), comma-separated. Tokens that
// follow each other in the request, separated by a bare ',', are copied as
// one run: with most candidates passing, the answer is a few copies of the
// request's array instead of one append per name.
void AppendPassedTokens(std::string* out, const std::vector<absl::string_view>& tokens,
                        const std::vector<size_t>& passed) {
  const char* run_begin = nullptr;
  const char* run_end = nullptr;
  size_t last = 0;
  for (size_t k = 0; k < passed.size(); ++k) {
    const absl::string_view token = tokens[passed[k]];
    if (run_begin != nullptr && passed[k] == last + 1 && token.data() == run_end + 1 && *run_end == ',') {
      run_end = token.data() + token.size();
    } else {
      if (run_begin != nullptr) {
        out->append(run_begin, static_cast<size_t>(run_end - run_begin));
        out->push_back(',');
      }
      run_begin = token.data();
      run_end = token.data() + token.size();
    }
    last = passed[k];
  }
  if (run_begin != nullptr) out->append(run_begin, static_cast<size_t>(run_end - run_begin));
}

// `reasons` are already JSON strings (escaped once per request, not once
// per node that cites them); `append_name(out, node)` writes a node's name.
template <typename AppendName>
void AppendNodeMap(std::string* out, absl::string_view key, const std::vector<FilterResult::Failure>& failures,
                   const std::vector<std::string>& reasons, AppendName append_name) {
  out->push_back('"');
  out->append(key.data(), key.size());
  out->append("\":{");
  for (size_t i = 0; i < failures.size(); ++i) {
    if (i > 0) out->push_back(',');
    append_name(out, failures[i].node);
    out->push_back(':');
    out->append(reasons[failures[i].reason]);
  }
  out->push_back('}');
}

// FailedNodes, FailedAndUnresolvableNodes and an empty Error: an answer's
// end after its passing nodes, each name written by `append_name`.
template <typename AppendName>
void AppendFailuresAndError(std::string* out, const FilterResult& result, AppendName append_name) {
  std::vector<std::string> reasons(result.reasons.size());
  for (size_t i = 0; i < reasons.size(); ++i) json::AppendString(&reasons[i], result.reasons[i]);
  AppendNodeMap(out, "FailedNodes", result.failed, reasons, append_name);
  out->push_back(',');
  AppendNodeMap(out, "FailedAndUnresolvableNodes", result.unresolvable, reasons, append_name);
  // A decided request has no error; undecidable ones use EncodeFilterError.
  out->append(R"(,"Error":""})");
}

// The same, each name as AppendNodeName writes it.
void AppendFailuresAndError(std::string* out, const ExtenderArgs& args, const FilterResult& result) {
  AppendFailuresAndError(out, result,
                         [&](std::string* to, size_t node) { AppendNodeName(to, args, node); });
}

// HostPriorityList in names mode: each entry is the name's token as sent
// between two fixed strings, so the answer is sized first and written with
// copies alone (appending three pieces and formatting a number per name
// was most of a 5,000-name prioritize). Scores take a few values: each
// one's text is made once.
void AppendNamesPriorities(const std::vector<absl::string_view>& tokens, const HostScores& scores,
                           std::string* out) {
  constexpr absl::string_view kHost = R"({"Host":)";
  std::vector<std::pair<int64_t, std::string>> suffixes;  // Score -> `,"Score":N}`.
  std::vector<uint32_t> suffix_of(scores.size());
  size_t total = 2 + (scores.empty() ? 0 : scores.size() - 1);
  for (size_t i = 0; i < scores.size(); ++i) {
    size_t k = 0;
    while (k < suffixes.size() && suffixes[k].first != scores[i]) ++k;
    if (k == suffixes.size()) suffixes.emplace_back(scores[i], absl::StrCat(R"(,"Score":)", scores[i], "}"));
    suffix_of[i] = static_cast<uint32_t>(k);
    total += kHost.size() + tokens[i].size() + suffixes[k].second.size();
  }
  const size_t before = out->size();
  out->resize(before + total);
  char* at = out->data() + before;
  *at++ = '[';
  for (size_t i = 0; i < scores.size(); ++i) {
    if (i > 0) *at++ = ',';
    std::memcpy(at, kHost.data(), kHost.size());
    at += kHost.size();
    std::memcpy(at, tokens[i].data(), tokens[i].size());
    at += tokens[i].size();
    const std::string& suffix = suffixes[suffix_of[i]].second;
    std::memcpy(at, suffix.data(), suffix.size());
    at += suffix.size();
  }
  *at = ']';
}

// A names-mode answer from a compact array, in parts. The passing names are
// the array but for the failures (FilterResult: every candidate is in one
// list): its bytes in runs around them. Only the failing names' tokens are
// found.
struct CompactAnswer {
  std::vector<absl::string_view> runs;  // NodeNames' items: joined by ','.
  std::string tail;                     // From the array's ']' to the end.
};

CompactAnswer ComposeCompactAnswer(const CompactNames& names, const FilterResult& result) {
  std::vector<size_t> excluded;
  excluded.reserve(result.failed.size() + result.unresolvable.size());
  auto failed = result.failed.begin();
  auto unresolvable = result.unresolvable.begin();
  while (failed != result.failed.end() || unresolvable != result.unresolvable.end()) {
    const bool take_failed = unresolvable == result.unresolvable.end() ||
                             (failed != result.failed.end() && failed->node < unresolvable->node);
    excluded.push_back(take_failed ? (failed++)->node : (unresolvable++)->node);
  }
  std::vector<absl::string_view> tokens;
  tokens.reserve(excluded.size());
  names.AppendTokensAt(excluded, &tokens);
  CompactAnswer answer;
  names.RunsBut(tokens, &answer.runs);
  answer.tail = "],";
  // Each failing name's token, found in `excluded` (every failure, in order)
  // rather than by index, which would build every name's view.
  AppendFailuresAndError(&answer.tail, result, [&](std::string* out, size_t node) {
    const size_t at = static_cast<size_t>(std::lower_bound(excluded.begin(), excluded.end(), node) - excluded.begin());
    out->append(tokens[at].data(), tokens[at].size());
  });
  return answer;
}

constexpr absl::string_view kNamesAnswerHead = R"({"Nodes":null,"NodeNames":[)";

// The most runs of passing nodes an answer borrows rather than copies. The
// HTTP server offers a plain connection's pieces to one sendmsg, which takes
// 1,024 buffers (http/internal/gathered_send.h): 500 runs, with a full-mode
// answer's separators, its head and tail, and the HTTP header, still fit.
// Through asio's own gathered write (64 buffers a call) 100 runs were slower
// than one copy; in one call they are faster (bench/README.md).
constexpr size_t kMaxBorrowedRuns = 500;

// A full-mode answer as pieces, when the passing nodes are the decoder's
// remembered list (args.candidates_owner) and their bytes lie in a few runs
// of it (nodes listed in the remembered order, separated by a bare ','):
// then 6 MB of Node objects for 500 nodes are sent, not copied. Null
// otherwise.
std::shared_ptr<const TextPieces> FullAnswerInPieces(const ExtenderArgs& args, const FilterResult& result) {
  if (args.candidates_owner == nullptr) return nullptr;
  std::vector<absl::string_view> runs;
  for (size_t i : result.PassedIndices(args.NodeCount())) {
    const absl::string_view raw = args.Candidate(i).raw_json;
    if (!runs.empty() && runs.back().data() + runs.back().size() + 1 == raw.data() && raw.data()[-1] == ',') {
      runs.back() = absl::string_view(runs.back().data(), runs.back().size() + 1 + raw.size());
      continue;
    }
    if (runs.size() == kMaxBorrowedRuns) return nullptr;
    runs.push_back(raw);
  }
  auto pieces = std::make_shared<TextPieces>();
  pieces->Append(R"({"Nodes":{"metadata":{},"items":[)");
  for (size_t k = 0; k < runs.size(); ++k) {
    if (k > 0) pieces->Append(",");
    pieces->AppendBorrowed(runs[k]);
  }
  std::string tail = R"(]},"NodeNames":null,)";
  AppendFailuresAndError(&tail, args, result);
  pieces->Append(tail);
  pieces->KeepAlive(args.candidates_owner);
  return pieces;
}

void AppendCompactAnswer(const CompactNames& names, const CompactAnswer& answer, std::string* out) {
  out->reserve(out->size() + kNamesAnswerHead.size() + names.bytes().size() + answer.tail.size());
  out->append(kNamesAnswerHead.data(), kNamesAnswerHead.size());
  for (size_t i = 0; i < answer.runs.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(answer.runs[i].data(), answer.runs[i].size());
  }
  out->append(answer.tail);
}

}  // namespace

void EncodeFilterResult(const ExtenderArgs& args, const FilterResult& result, std::string* out) {
  if (args.node_names != nullptr && args.node_names->compact() != nullptr) {
    AppendCompactAnswer(*args.node_names->compact(), ComposeCompactAnswer(*args.node_names->compact(), result), out);
    return;
  }
  size_t estimate = 256 + 64 * (result.failed.size() + result.unresolvable.size());
  for (const std::string& reason : result.reasons) estimate += reason.size();
  const std::vector<size_t> passed = result.PassedIndices(args.NodeCount());
  if (args.nodes != nullptr) {
    for (size_t i : passed) estimate += args.Candidate(i).raw_json.size() + 1;
  } else {
    estimate += 40 * passed.size();
  }
  out->reserve(out->size() + estimate);
  if (args.nodes != nullptr) {
    out->append(R"({"Nodes":{"metadata":{},"items":[)");
    for (size_t i = 0; i < passed.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::string_view raw = args.Candidate(passed[i]).raw_json;
      out->append(raw.data(), raw.size());
    }
    out->append(R"(]},"NodeNames":null,)");
  } else {
    out->append(kNamesAnswerHead.data(), kNamesAnswerHead.size());
    AppendPassedTokens(out, args.node_names->tokens(), passed);
    out->append("],");
  }
  AppendFailuresAndError(out, args, result);
}

std::shared_ptr<const TextPieces> EncodeFilterInPieces(const ExtenderArgs& args, const FilterResult& result,
                                                       std::string* out) {
  if (args.nodes != nullptr) {
    if (std::shared_ptr<const TextPieces> pieces = FullAnswerInPieces(args, result)) return pieces;
  }
  if (args.node_names == nullptr || args.node_names->compact() == nullptr) {
    EncodeFilterResult(args, result, out);
    return nullptr;
  }
  const CompactNames& names = *args.node_names->compact();
  const CompactAnswer answer = ComposeCompactAnswer(names, result);
  if (answer.runs.size() > kMaxBorrowedRuns) {
    AppendCompactAnswer(names, answer, out);
    return nullptr;
  }
  auto pieces = std::make_shared<TextPieces>();
  pieces->Append(kNamesAnswerHead);
  for (size_t i = 0; i < answer.runs.size(); ++i) {
    // Each run but the last with the ',' that follows it in the array: one
    // piece per run.
    const absl::string_view run = answer.runs[i];
    pieces->AppendBorrowed(i + 1 < answer.runs.size() ? absl::string_view(run.data(), run.size() + 1) : run);
  }
  pieces->Append(answer.tail);
  pieces->KeepAlive(args.node_names);  // Holds the bytes the runs borrow.
  return pieces;
}

void EncodeFilterError(absl::string_view error, std::string* out) {
  out->append(R"({"Nodes":null,"NodeNames":null,"FailedNodes":{},)"
              R"("FailedAndUnresolvableNodes":{},"Error":)");
  json::AppendString(out, error);
  out->push_back('}');
}

void EncodeHostPriorities(const ExtenderArgs& args, const HostScores& scores, std::string* out) {
  if (args.node_names != nullptr) {
    AppendNamesPriorities(args.node_names->tokens(), scores, out);
    return;
  }
  out->reserve(out->size() + 2 + scores.size() * 48);
  out->push_back('[');
  for (size_t i = 0; i < scores.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(R"({"Host":)");
    AppendNodeName(out, args, i);
    absl::StrAppend(out, R"(,"Score":)", scores[i], "}");
  }
  out->push_back(']');
}

void EncodePreemptionResult(const PreemptionResult& result, std::string* out) {
  out->append(R"({"NodeNameToMetaVictims":{)");
  bool first_node = true;
  for (const auto* entry : result.kept) {
    if (!first_node) out->push_back(',');
    first_node = false;
    json::AppendString(out, entry->first);
    out->append(R"(:{"Pods":[)");
    const Victims& victims = entry->second;
    for (size_t i = 0; i < victims.pod_uids.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append(R"({"UID":)");
      json::AppendString(out, victims.pod_uids[i]);
      out->push_back('}');
    }
    absl::StrAppend(out, R"(],"NumPDBViolations":)", victims.num_pdb_violations, "}");
  }
  out->append("}}");
}

}  // namespace spillway::scheduler
