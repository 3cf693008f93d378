// The NodeNames of a names-mode request (nodeCacheCapable: true): each name
// and its JSON token as sent.
//
// A list is one of two forms. A compact array (CompactNames, as
// kube-scheduler writes it) is kept as its bytes and bit masks, and the
// per-name views are built only when something asks for a name by index
// (prioritize, which scores every name): a filter classifies and answers
// from the compact array alone (Extender::ClassifyNodes,
// EncodeFilterResult). Any other array is walked by the JSON parser, which
// gives the views at once (escaped names unescaped into storage of the
// decoder's).
//
// Thread-compatible: the first name() or token() call on a compact list
// builds its views, so a list is read by one thread at a time (the request
// thread whose decoder owns it). An answer in pieces may hold the list
// until it is sent, on another I/O thread, but only keeps it alive.
#ifndef SPILLWAY_SCHEDULER_NODE_NAME_LIST_H_
#define SPILLWAY_SCHEDULER_NODE_NAME_LIST_H_

#include <bitset>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "scheduler/name_tokens.h"

namespace spillway::scheduler {

class NodeNameList {
 public:
  NodeNameList() = default;
  NodeNameList(const NodeNameList&) = delete;  // Views point into what the list owns.
  NodeNameList& operator=(const NodeNameList&) = delete;

  // A walked list: `names[i]` and `tokens[i]` (quoted as sent) are the i-th
  // name; both must outlive the list's use.
  static std::shared_ptr<NodeNameList> FromViews(std::vector<absl::string_view> names,
                                                 std::vector<absl::string_view> tokens) {
    auto list = std::make_shared<NodeNameList>();
    list->names_ = std::move(names);
    list->tokens_ = std::move(tokens);
    list->tokens_built_ = true;
    list->names_built_ = true;
    return list;
  }

  size_t size() const { return compact_ ? compact_storage_.size() : names_.size(); }

  // The i-th name, and its token as sent.
  absl::string_view name(size_t i) const { return names()[i]; }
  absl::string_view token(size_t i) const { return tokens()[i]; }
  const std::vector<absl::string_view>& names() const {
    BuildNames();
    return names_;
  }
  const std::vector<absl::string_view>& tokens() const {
    BuildTokens();
    return tokens_;
  }

  // The compact array the list was scanned from; null for a walked list.
  const CompactNames* compact() const { return compact_ ? &compact_storage_ : nullptr; }

  // Keeps `owner` (the buffer the tokens point into) alive as long as the
  // list: an answer that borrows the list's bytes holds the list
  // (EncodeFilterInPieces).
  void SetBytesOwner(std::shared_ptr<const void> owner) { bytes_owner_ = std::move(owner); }

  // For the decoder, which refills one list in place once no request holds
  // it: empties the list, keeping its storage.
  void Clear() {
    compact_ = false;  // compact_storage_ keeps its storage for the next Scan.
    bytes_owner_.reset();
    names_.clear();
    tokens_.clear();
    tokens_built_ = true;
    names_built_ = true;
  }
  // Scans `array` (which must outlive the list's use) as a compact array,
  // marking the names that begin with a byte of `mark` (CompactNames::Scan);
  // false, the list empty, when it is not one.
  bool ScanCompact(absl::string_view array, const std::bitset<256>& mark) {
    Clear();
    if (!compact_storage_.Scan(array, mark)) return false;
    compact_ = true;
    tokens_built_ = false;
    names_built_ = false;
    return true;
  }
  // A walked list's views, to append to.
  std::vector<absl::string_view>& mutable_names() { return names_; }
  std::vector<absl::string_view>& mutable_tokens() { return tokens_; }

 private:
  // A compact list's views, each built on first use (prioritize answers
  // with the tokens alone).
  void BuildTokens() const {
    if (tokens_built_) return;
    compact_storage_.AppendTokens(&tokens_);
    tokens_built_ = true;
  }
  void BuildNames() const {
    if (names_built_) return;
    BuildTokens();
    names_.resize(tokens_.size());
    for (size_t i = 0; i < tokens_.size(); ++i) {
      names_[i] = absl::string_view(tokens_[i].data() + 1, tokens_[i].size() - 2);
    }
    names_built_ = true;
  }

  std::shared_ptr<const void> bytes_owner_;
  CompactNames compact_storage_;
  bool compact_ = false;  // compact_storage_ holds the list.
  // Built on first use for a compact list.
  mutable std::vector<absl::string_view> names_;
  mutable std::vector<absl::string_view> tokens_;
  mutable bool tokens_built_ = true;
  mutable bool names_built_ = true;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_NODE_NAME_LIST_H_
