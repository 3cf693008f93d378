#include "scheduler/extender_codec.h"

#include <atomic>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "kube/decode.h"
#include "kube/json_reader.h"
#include "scheduler/name_tokens.h"

namespace spillway::scheduler {
namespace {

using kube::json::ForEachElement;
using kube::json::ForEachField;
using kube::json::Path;
using kube::json::value;
namespace ondemand = simdjson::ondemand;

// Parses `body` (with `capacity` bytes allocated, padding included) with
// `parser` and calls fn(lowercased key, value) for each top-level field.
// Rejects a non-object document and bytes after it.
// Calls `fn` with each top-level field of the request object (lower-cased key).
//
// Validation: simdjson's stage 1 checks the whole body's UTF-8 and structure
// (strings terminated, brackets balanced), and every value the decoders read
// is fully checked as it is read. Values they skip (fields Spillway has no use
// for) are not checked for scalar syntax (`tru`, `1.2.3`): that is safe
// because nothing skipped is ever interpreted or echoed — the answer is built
// from values read and checked, and the Node objects echoed back verbatim are
// each fully parsed first. A full validation pass would cost ~25 ms on a 60 MB
// request, kube-scheduler's whole budget for us. What follows the object
// (another JSON document, garbage) is refused.
template <typename Fn>
absl::Status ForEachTopLevelField(ondemand::parser& parser, absl::string_view body,
                                  size_t capacity, absl::string_view type_name, Fn&& fn) {
  if (capacity < body.size() + simdjson::SIMDJSON_PADDING) {
    return absl::InternalError("request buffer lacks simdjson padding");
  }
  // On-Demand stops reading at the object's end; trailing garbage would pass
  // unseen, so check that the body ends where an object must.
  absl::string_view trimmed = absl::StripAsciiWhitespace(body);
  if (!trimmed.empty() && trimmed.front() == '{' && trimmed.back() != '}') {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed JSON: the ", type_name, " object is truncated or followed by other bytes"));
  }
  ondemand::document doc;
  if (auto err = parser.iterate(simdjson::padded_string_view(body.data(), body.size(), capacity))
                     .get(doc)) {
    return kube::json::Error(err, Path(type_name));
  }
  ondemand::json_type type;
  if (auto err = doc.type().get(type)) return kube::json::Error(err, Path(type_name));
  if (type != ondemand::json_type::object) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body must be a JSON object (", type_name, ")"));
  }
  ondemand::object object;
  if (auto err = doc.get_object().get(object)) return kube::json::Error(err, Path(type_name));
  for (auto field_result : object) {
    ondemand::field field;
    if (auto err = std::move(field_result).get(field)) {
      return kube::json::Error(err, Path(type_name));
    }
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return kube::json::Error(err, Path(type_name));
    std::string lower = absl::AsciiStrToLower(absl::string_view(key.data(), key.size()));
    if (absl::Status s = fn(absl::string_view(lower), field.value()); !s.ok()) return s;
  }
  // Past the object's closing brace: a location still in bounds is another
  // token (the document iterator reports OUT_OF_BOUNDS at the end).
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed JSON: the ", type_name, " object is followed by another JSON value"));
  }
  return absl::OkStatus();
}

// A new candidate-list generation, unique across decoders.
uint64_t NextGeneration() {
  static std::atomic<uint64_t> generations{0};
  return ++generations;
}

// Where a Node's name starts (its first "name" key: metadata's).
constexpr absl::string_view kNameKey = "\"name\":\"";

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool IsNull(value v) {
  bool null = false;
  return v.is_null().get(null) == simdjson::SUCCESS && null;
}

// Victims / MetaVictims: {"Pods": [...], "NumPDBViolations": n}. Full victims
// carry v1.Pod objects, meta victims {"UID": "..."}; both reduce to UIDs.
absl::Status DecodeVictims(value v, const Path& path, Victims* victims) {
  return ForEachField(v, path, [victims](absl::string_view key, value item, const Path& child) {
    if (absl::EqualsIgnoreCase(key, "NumPDBViolations")) {
      return kube::json::ReadInt(item, child, &victims->num_pdb_violations);
    }
    if (!absl::EqualsIgnoreCase(key, "Pods")) return absl::OkStatus();
    return ForEachElement(item, child, [victims](value pod, const Path& p) {
      std::string uid;
      absl::Status status = ForEachField(pod, p, [&uid](absl::string_view key, value item,
                                                        const Path& child) {
        if (absl::EqualsIgnoreCase(key, "UID")) return kube::json::ReadString(item, child, &uid);
        if (key == "metadata") {
          return ForEachField(item, child, [&uid](absl::string_view key, value item,
                                                  const Path& child) {
            if (key != "uid") return absl::OkStatus();
            return kube::json::ReadString(item, child, &uid);
          });
        }
        return absl::OkStatus();
      });
      if (status.ok()) victims->pod_uids.push_back(std::move(uid));
      return status;
    });
  });
}

// Whether `held` is this reference's alone, so what it points to may be
// written. An answer in flight holds a reference until the connection has
// sent it, possibly on another I/O thread: the fence orders that thread's
// last reads of the bytes (before its release of the reference) before
// this thread's writes.
template <typename T>
bool OnlyHolder(const std::shared_ptr<T>& held) {
  if (held.use_count() != 1) return false;
  std::atomic_thread_fence(std::memory_order_acquire);
  return true;
}

// `*list` emptied, its storage kept, when nothing else holds it (the
// arguments decoded last are gone); otherwise a fresh list. Writing 5,000
// views into memory just allocated cost more than finding the names.
NodeNameList& Recycled(std::shared_ptr<NodeNameList>& list) {
  if (list != nullptr && OnlyHolder(list)) {
    list->Clear();
  } else {
    list = std::make_shared<NodeNameList>();
  }
  return *list;
}

}  // namespace

absl::StatusOr<ExtenderArgs> RequestDecoder::DecodeExtenderArgs(absl::string_view body,
                                                                size_t capacity) {
  if (!remember_) {
    absl::StatusOr<ExtenderArgs> args = DecodeFields(body, capacity, absl::string_view());
    names_memo_.generation = 0;  // Decoded into, never reused.
    if (args.ok()) args->candidates_generation = 0;
    return args;
  }
  if (std::optional<ExtenderArgs> args = DecodeWithKnownNames(body)) return *std::move(args);
  if (std::optional<ExtenderArgs> args = DecodeWithTrailingNames(body)) return *std::move(args);
  if (std::optional<ExtenderArgs> args = DecodeWithKnownNodes(body)) return *std::move(args);
  if (std::optional<ExtenderArgs> args = DecodeWithReorderedNodes(body)) return *std::move(args);
  NodesSeen seen;
  absl::StatusOr<ExtenderArgs> args = DecodeFields(body, capacity, absl::string_view(), nullptr, &seen);
  if (args.ok() && args->nodes != nullptr) RememberNodes(body, seen, *args);
  return args;
}

absl::StatusOr<ExtenderArgs> RequestDecoder::DecodeExtenderArgs(std::string* body) {
  takeable_body_ = body;
  absl::StatusOr<ExtenderArgs> args = DecodeExtenderArgs(*body, body->capacity());
  takeable_body_ = nullptr;
  return args;
}

std::optional<ExtenderArgs> RequestDecoder::DecodeWithKnownNodes(absl::string_view body) {
  if (nodes_memo_.generation == 0) return std::nullopt;
  std::optional<absl::string_view> rest = FieldsBefore(body, ",\"Nodes\":", *nodes_memo_.bytes, ",\"NodeNames\":null}");
  if (!rest.has_value()) return std::nullopt;
  return DecodeBefore(*rest, absl::string_view(), &nodes_memo_);
}

void RequestDecoder::RememberNodes(absl::string_view body, const NodesSeen& seen, ExtenderArgs& args) {
  constexpr absl::string_view kTail = ",\"NodeNames\":null}";
  const absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(body);
  if (seen.start == nullptr || !seen.last_then_null_names || !absl::EndsWith(trimmed, kTail)) return;
  const char* end = trimmed.data() + trimmed.size() - kTail.size();
  if (seen.start < body.data() || end <= seen.start) return;
  const absl::string_view nodes =
      absl::StripTrailingAsciiWhitespace(absl::string_view(seen.start, static_cast<size_t>(end - seen.start)));
  if (nodes.size() > kMaxNodesMemoBytes) return;
  NodesMemo& memo = nodes_memo_;
  memo.generation = 0;
  for (const CandidateNode& candidate : *args.nodes) {
    if (candidate.raw_json.data() < nodes.data() ||
        candidate.raw_json.data() + candidate.raw_json.size() > nodes.data() + nodes.size()) {
      return;  // Not inside the value: remember nothing.
    }
  }
  // The memo's own string, or a new one while an answer in flight still
  // borrows the last list's bytes (ExtenderArgs::candidates_owner).
  if (!OnlyHolder(memo.bytes)) memo.bytes = std::make_shared<std::string>();
  memo.bytes->reserve(nodes.size() + simdjson::SIMDJSON_PADDING);
  memo.bytes->assign(nodes.data(), nodes.size());
  // DecodeFields made the list (non-const) and nothing else holds it yet:
  // its raw bytes move into the memo's copy in place.
  auto owned = std::const_pointer_cast<std::vector<CandidateNode>>(args.nodes);
  for (CandidateNode& candidate : *owned) {
    const size_t offset = static_cast<size_t>(candidate.raw_json.data() - nodes.data());
    candidate.raw_json = absl::string_view(memo.bytes->data() + offset, candidate.raw_json.size());
  }
  memo.nodes = std::move(owned);
  memo.generation = NextGeneration();
  args.nodes = memo.nodes;
  args.candidates_owner = memo.bytes;
  args.candidates_generation = memo.generation;
  IndexRememberedNodes();
}

void RequestDecoder::IndexRememberedNodes() {
  NodesMemo& memo = nodes_memo_;
  memo.by_name.clear();
  memo.node_head.clear();
  const std::vector<CandidateNode>& nodes = *memo.nodes;
  if (nodes.empty() || nodes.size() > UINT32_MAX) return;
  // Every node must open alike up to its name (kube-scheduler's informer
  // objects: {"metadata":{"name":"...; with TypeMeta, {"kind":"Node",...).
  const absl::string_view first = nodes.front().raw_json;
  const size_t name_at = first.find(kNameKey);
  if (name_at == absl::string_view::npos) return;
  const absl::string_view head = first.substr(0, name_at + kNameKey.size());
  memo.by_name.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const absl::string_view raw = nodes[i].raw_json;
    const absl::string_view name = nodes[i].node.metadata.name;
    const bool laid_out =
        absl::StartsWith(raw, head) && raw.size() > head.size() + name.size() &&
        raw.substr(head.size(), name.size()) == name && raw[head.size() + name.size()] == '"' &&
        (i == 0 || (raw.data() == nodes[i - 1].raw_json.data() + nodes[i - 1].raw_json.size() + 1 &&
                    raw.data()[-1] == ','));
    if (!laid_out || !memo.by_name.emplace(name, static_cast<uint32_t>(i)).second) {
      memo.by_name.clear();  // Another layout, or a name twice: no reordered matches.
      return;
    }
  }
  memo.node_head = std::string(head);
  const char* const base = memo.bytes->data();
  memo.items_begin = static_cast<size_t>(first.data() - base);
  memo.items_end = static_cast<size_t>(nodes.back().raw_json.data() + nodes.back().raw_json.size() - base);
}

std::optional<ExtenderArgs> RequestDecoder::DecodeWithReorderedNodes(absl::string_view body) {
  const NodesMemo& memo = nodes_memo_;
  if (memo.generation == 0 || memo.by_name.empty()) return std::nullopt;
  constexpr absl::string_view kKey = ",\"Nodes\":";
  constexpr absl::string_view kTail = ",\"NodeNames\":null}";
  const absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(body);
  const absl::string_view known = *memo.bytes;
  if (!absl::EndsWith(trimmed, kTail) || trimmed.size() < kTail.size() + known.size() + kKey.size() + 1) {
    return std::nullopt;
  }
  // The same nodes in any order make a value of the same length.
  const size_t value_begin = trimmed.size() - kTail.size() - known.size();
  const absl::string_view value = trimmed.substr(value_begin, known.size());
  if (trimmed.substr(value_begin - kKey.size(), kKey.size()) != kKey ||
      value.substr(0, memo.items_begin) != known.substr(0, memo.items_begin) ||
      value.substr(memo.items_end) != known.substr(memo.items_end)) {
    return std::nullopt;
  }
  const std::vector<CandidateNode>& nodes = *memo.nodes;
  auto order = std::make_shared<std::vector<uint32_t>>();
  order->reserve(nodes.size());
  size_t at = memo.items_begin;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i > 0 && value[at++] != ',') return std::nullopt;
    const absl::string_view rest = value.substr(at, memo.items_end - at);
    const absl::string_view head = memo.node_head;
    if (!absl::StartsWith(rest, head)) return std::nullopt;
    const size_t quote = rest.find('"', head.size());
    if (quote == absl::string_view::npos) return std::nullopt;
    // A name with escapes finds nothing: remembered names have none.
    auto found = memo.by_name.find(rest.substr(head.size(), quote - head.size()));
    if (found == memo.by_name.end()) return std::nullopt;
    const absl::string_view raw = nodes[found->second].raw_json;
    if (rest.size() < raw.size() || std::memcmp(rest.data(), raw.data(), raw.size()) != 0) return std::nullopt;
    order->push_back(found->second);
    at += raw.size();
  }
  // Every node is byte for byte one the memo decoded (a node listed twice
  // decodes twice alike), so the memo's decoded nodes are the answer.
  if (at != memo.items_end) return std::nullopt;
  std::optional<ExtenderArgs> args =
      DecodeBefore(trimmed.substr(0, value_begin - kKey.size()), absl::string_view(), &memo);
  if (!args.has_value()) return std::nullopt;
  args->node_order = std::move(order);
  args->candidates_generation = 0;  // Not the remembered list: nothing follows from it alone.
  return args;
}

std::optional<ExtenderArgs> RequestDecoder::DecodeWithKnownNames(absl::string_view body) {
  if (names_memo_.generation == 0) return std::nullopt;
  constexpr absl::string_view kKey = ",\"NodeNames\":";
  std::optional<absl::string_view> rest = FieldsBefore(body, kKey, names_memo_.bytes, "}");
  if (!rest.has_value()) return std::nullopt;
  // The request's array is the memo's, byte for byte: DecodeNodeNames is
  // handed the memo's own bytes so it does not compare them again.
  return DecodeBefore(*rest, names_memo_.bytes, nullptr);
}

std::optional<ExtenderArgs> RequestDecoder::DecodeWithTrailingNames(absl::string_view body) {
  constexpr absl::string_view kKey = ",\"NodeNames\":";
  absl::string_view rest = absl::StripTrailingAsciiWhitespace(body);
  if (!absl::EndsWith(rest, "]}")) return std::nullopt;
  rest.remove_suffix(1);
  // The key's first occurrence, searched from the front: the Pod before it
  // is a few KB, the array after it most of the body. Should the Pod hold
  // the same bytes (a field of its own named NodeNames), what follows them
  // is not a compact array running to the end, and the body takes the
  // general path.
  const size_t key_at = rest.find(kKey);
  if (key_at == absl::string_view::npos) return std::nullopt;
  const absl::string_view fields = rest.substr(0, key_at);
  const absl::string_view array = rest.substr(key_at + kKey.size());
  // Only a compact array (CompactNames) is known to be the body's last
  // field from its bytes alone: it holds no escape, so each quote in it and
  // in the key opens or closes a string, and the ':' and '[' are structure.
  NamesMemo& memo = names_memo_;
  memo.generation = 0;
  // A body of ours to take (a long string: its bytes live on the heap, so
  // views into them survive the swap) is scanned where it is and kept.
  std::string* taken = takeable_body_;
  const bool take = taken != nullptr && taken->size() > sizeof(std::string) && body.data() == taken->data();
  if (take) {
    WritableNamesStorage();  // Before the scan, which hands the storage to the list.
    memo.bytes = array;
  } else {
    CopyIntoNamesMemo(array);
  }
  if (!ScanRememberedNames()) {
    if (take) memo.bytes = absl::string_view();  // Not the memo's: the general path copies it.
    return std::nullopt;
  }
  if (take) std::swap(*memo.storage, *taken);  // The views move with the heap block.
  memo.generation = NextGeneration();
  // DecodeFields finds the array in the memo (handed its own bytes, which it
  // need not compare) and checks the fields before it.
  std::optional<ExtenderArgs> args = DecodeBefore(fields, memo.bytes, nullptr);
  if (!args.has_value()) {
    // The general path reads the whole body next, and may refill the memo:
    // the body goes back to the caller's string first.
    memo.generation = 0;
    memo.bytes = absl::string_view();
    if (take) std::swap(*memo.storage, *taken);
  }
  return args;
}

std::optional<absl::string_view> RequestDecoder::FieldsBefore(absl::string_view body, absl::string_view key,
                                                              absl::string_view known, absl::string_view tail) {
  absl::string_view rest = absl::StripTrailingAsciiWhitespace(body);
  if (rest.size() < key.size() + known.size() + tail.size() + 1 || !absl::EndsWith(rest, tail)) {
    return std::nullopt;
  }
  rest.remove_suffix(tail.size());
  if (!absl::EndsWith(rest, known)) return std::nullopt;
  rest.remove_suffix(known.size());
  if (!absl::EndsWith(rest, key)) return std::nullopt;
  rest.remove_suffix(key.size());
  return rest;
}

std::optional<ExtenderArgs> RequestDecoder::DecodeBefore(absl::string_view rest, absl::string_view last_node_names,
                                                         const NodesMemo* known_nodes) {
  // The request without its last fields: a JSON object when closed, if the
  // whole body is one (the list's bytes were fully checked when decoded).
  prefix_.reserve(rest.size() + 1 + simdjson::SIMDJSON_PADDING);
  prefix_.assign(rest.data(), rest.size());
  prefix_.push_back('}');
  absl::StatusOr<ExtenderArgs> args = DecodeFields(prefix_, prefix_.capacity(), last_node_names, known_nodes);
  // Anything wrong: the whole body's parse words the error as it always has.
  if (!args.ok()) return std::nullopt;
  return *std::move(args);
}

absl::StatusOr<ExtenderArgs> RequestDecoder::DecodeFields(absl::string_view body, size_t capacity,
                                                          absl::string_view last_node_names,
                                                          const NodesMemo* known_nodes, NodesSeen* seen) {
  ExtenderArgs args;
  bool has_pod = false;
  std::vector<CandidateNode> nodes;
  bool has_nodes = false;
  std::string previous_key;  // For `seen`: the field before the current one.
  absl::Status status = ForEachTopLevelField(parser_, body, capacity, "ExtenderArgs", [&](absl::string_view key,
                                                                      value v) -> absl::Status {
    if (seen != nullptr) {
      if (key == "nodes") {
        seen->start = v.raw_json_token().data();
      } else if (key == "nodenames" && previous_key == "nodes") {
        seen->last_then_null_names = IsNull(v);
      } else {
        seen->last_then_null_names = false;
      }
      previous_key = std::string(key);
    }
    if (key == "pod") {
      if (IsNull(v)) return absl::OkStatus();
      has_pod = true;
      return kube::DecodePod(v, Path("Pod"), &args.pod);
    }
    if (key == "nodes") {
      if (IsNull(v)) return absl::OkStatus();
      has_nodes = true;
      nodes.clear();
      return ForEachField(v, Path("Nodes"), [&](absl::string_view key, value items,
                                                const Path& items_path) -> absl::Status {
        if (key != "items") return absl::OkStatus();
        return ForEachElement(items, items_path, [&](value element, const Path& p) -> absl::Status {
          ondemand::json_type type;
          if (auto err = element.type().get(type)) return kube::json::Error(err, p);
          if (type != ondemand::json_type::object) return kube::json::TypeError(p, type, "object");
          ondemand::object node_object;
          if (auto err = element.get_object().get(node_object)) return kube::json::Error(err, p);
          std::string_view raw;
          if (auto err = node_object.raw_json().get(raw)) return kube::json::Error(err, p);
          // On-Demand skips what it does not read without validating it, and
          // a passing node's bytes are echoed to kube-scheduler verbatim: a full
          // parse of each node's bytes guarantees the answer is JSON whatever
          // the request held, and yields the fields the policy reads. The bytes
          // sit inside the padded request buffer, so no copy is needed.
          simdjson::dom::element node_element;
          if (auto err = node_parser_
                             .parse(raw.data(), raw.size(), /*realloc_if_needed=*/false)
                             .get(node_element)) {
            return kube::json::Error(err, p);
          }
          CandidateNode& candidate = nodes.emplace_back();
          // simdjson's span runs to the next token; keep the object's bytes only.
          candidate.raw_json =
              absl::StripTrailingAsciiWhitespace(absl::string_view(raw.data(), raw.size()));
          absl::Status s = kube::DecodeNode(node_element, p, &candidate.node);
          if (s.ok() && candidate.node.metadata.name.empty()) {
            return absl::InvalidArgumentError(absl::StrCat(p.ToString(), ": node has no metadata.name"));
          }
          return s;
        });
      });
    }
    if (key == "nodenames") {
      if (!last_node_names.empty()) {
        // NodeNames twice (keys match in any case): decoding this one would
        // replace the memo that holds the last one, which wins. The caller
        // leaves such a body to the general path.
        return absl::InvalidArgumentError("ExtenderArgs has NodeNames more than once");
      }
      if (IsNull(v)) return absl::OkStatus();
      ondemand::json_type type;
      if (auto err = v.type().get(type)) return kube::json::Error(err, Path("NodeNames"));
      if (type != ondemand::json_type::array) return kube::json::TypeError(Path("NodeNames"), type, "array");
      ondemand::array array;
      if (auto err = v.get_array().get(array)) return kube::json::Error(err, Path("NodeNames"));
      std::string_view raw;
      if (auto err = array.raw_json().get(raw)) return kube::json::Error(err, Path("NodeNames"));
      return DecodeNodeNames(absl::string_view(raw.data(), raw.size()), args);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!last_node_names.empty()) SPILLWAY_RETURN_IF_ERROR(DecodeNodeNames(last_node_names, args));
  // Made non-const: RememberNodes may move its raw bytes before sharing it.
  if (has_nodes) args.nodes = std::make_shared<std::vector<CandidateNode>>(std::move(nodes));
  if (known_nodes != nullptr) {
    args.nodes = known_nodes->nodes;
    args.candidates_owner = known_nodes->bytes;
  }
  if (!has_pod) return absl::InvalidArgumentError("ExtenderArgs has no Pod");
  if (args.nodes != nullptr) {
    // Full objects win if both came: nothing may be taken for names mode.
    args.node_names.reset();
    args.candidates_generation = known_nodes != nullptr ? known_nodes->generation : 0;
  } else if (args.node_names == nullptr) {
    return absl::InvalidArgumentError(
        "ExtenderArgs has neither Nodes (nodeCacheCapable: false) nor NodeNames "
        "(nodeCacheCapable: true)");
  }
  return args;
}

absl::Status RequestDecoder::DecodeNodeNames(absl::string_view array, ExtenderArgs& args) {
  // simdjson's span runs to the next token: compare the array's bytes only.
  while (!array.empty() && IsJsonSpace(array.back())) array.remove_suffix(1);
  NamesMemo& memo = names_memo_;
  // The callers that matched or copied the array already hand over the memo's
  // own bytes: 130 KB at 5,000 names, compared once already.
  const bool memo_bytes = array.data() == memo.bytes.data() && array.size() == memo.bytes.size();
  if (memo.generation == 0 || (!memo_bytes && array != memo.bytes)) {
    memo.generation = 0;  // Until decoded: a failure leaves no stale memo.
    if (!memo_bytes) CopyIntoNamesMemo(array);
    if (!remember_ || !ScanRememberedNames()) SPILLWAY_RETURN_IF_ERROR(WalkRememberedNames());
    memo.generation = NextGeneration();
  }
  args.node_names = memo.list;
  args.candidates_generation = memo.generation;
  return absl::OkStatus();
}

std::string& RequestDecoder::WritableNamesStorage() {
  NamesMemo& memo = names_memo_;
  if (memo.list != nullptr && OnlyHolder(memo.list)) memo.list->Clear();
  if (!OnlyHolder(memo.storage)) memo.storage = std::make_shared<std::string>();
  return *memo.storage;
}

void RequestDecoder::CopyIntoNamesMemo(absl::string_view array) {
  std::string& storage = WritableNamesStorage();
  storage.reserve(array.size() + simdjson::SIMDJSON_PADDING);
  storage.assign(array.data(), array.size());
  names_memo_.bytes = storage;
}

bool RequestDecoder::ScanRememberedNames() {
  NamesMemo& memo = names_memo_;
  memo.unescaped.clear();
  NodeNameList& list = Recycled(memo.list);
  if (!list.ScanCompact(memo.bytes, marked_first_bytes_)) return false;
  list.SetBytesOwner(memo.storage);
  return true;
}

absl::Status RequestDecoder::WalkRememberedNames() {
  NamesMemo& memo = names_memo_;
  NodeNameList& list = Recycled(memo.list);
  list.SetBytesOwner(memo.storage);
  std::vector<absl::string_view>& names = list.mutable_names();
  std::vector<absl::string_view>& tokens = list.mutable_tokens();
  memo.unescaped.clear();
  names.reserve(memo.bytes.size() / 24);
  tokens.reserve(memo.bytes.size() / 24);
  ondemand::document doc;
  if (auto err = names_parser_
                     .iterate(simdjson::padded_string_view(
                         memo.bytes.data(), memo.bytes.size(),
                         static_cast<size_t>(memo.storage->data() + memo.storage->capacity() - memo.bytes.data())))
                     .get(doc)) {
    return kube::json::Error(err, Path("NodeNames"));
  }
  ondemand::value value;
  if (auto err = doc.get_value().get(value)) return kube::json::Error(err, Path("NodeNames"));
  std::vector<size_t> escaped;  // Indices of the names in `unescaped`, in order.
  absl::Status status = ForEachElement(value, Path("NodeNames"), [&](ondemand::value element,
                                                                    const Path& p) -> absl::Status {
    // The token as sent, quotes included. Node names never need escapes,
    // so the name is normally the token's inside; only a token with a
    // backslash is unescaped by simdjson.
    std::string_view raw = element.raw_json_token();
    size_t length = raw.size();
    while (length > 0 && IsJsonSpace(raw[length - 1])) --length;
    absl::string_view token(raw.data(), length);
    // memchr, not a byte loop: the loop carried its flag from byte to byte
    // and was half of this decoder's time on 5,000 names (perf annotate).
    const bool plain = length >= 2 && token.front() == '"' && token.back() == '"' &&
                       std::memchr(token.data() + 1, '\\', length - 2) == nullptr;
    if (plain) {
      names.push_back(token.substr(1, token.size() - 2));
      tokens.push_back(token);
      return absl::OkStatus();  // Unread, the element is skipped on iteration.
    }
    ondemand::json_type type;
    if (auto err = element.type().get(type)) return kube::json::Error(err, p);
    if (type != ondemand::json_type::string) return kube::json::TypeError(p, type, "string");
    std::string_view name;
    if (auto err = element.get_string().get(name)) return kube::json::Error(err, p);
    memo.unescaped.emplace_back(name.data(), name.size());
    escaped.push_back(names.size());
    names.emplace_back();  // Pointed at its unescaped copy below.
    tokens.push_back(token);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  // `unescaped` no longer grows: point the escaped names at their copies.
  for (size_t i = 0; i < escaped.size(); ++i) names[escaped[i]] = memo.unescaped[i];
  return absl::OkStatus();
}

absl::StatusOr<PreemptionArgs> RequestDecoder::DecodePreemptionArgs(absl::string_view body,
                                                                    size_t capacity) {
  PreemptionArgs args;
  bool has_pod = false;
  bool has_victims = false;
  absl::Status status = ForEachTopLevelField(
      parser_, body, capacity, "ExtenderPreemptionArgs", [&](absl::string_view key, value v) -> absl::Status {
        if (key == "pod") {
          if (IsNull(v)) return absl::OkStatus();
          has_pod = true;
          return kube::DecodePod(v, Path("Pod"), &args.pod);
        }
        if (key == "nodenametovictims" || key == "nodenametometavictims") {
          if (IsNull(v)) return absl::OkStatus();
          if (has_victims) {
            // kube-scheduler sends one of the two; take the first that is set.
            return absl::OkStatus();
          }
          has_victims = true;
          Path path(key == "nodenametovictims" ? "NodeNameToVictims" : "NodeNameToMetaVictims");
          return ForEachField(v, path, [&](absl::string_view node, value victims,
                                           const Path& child) -> absl::Status {
            auto& entry = args.node_victims.emplace_back(std::string(node), Victims{});
            return DecodeVictims(victims, child, &entry.second);
          });
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  if (!has_pod) return absl::InvalidArgumentError("ExtenderPreemptionArgs has no Pod");
  return args;
}

}  // namespace spillway::scheduler
