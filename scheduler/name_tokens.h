// Reading a NodeNames array as kube-scheduler writes it, without a JSON
// parser.
//
// Go's encoding/json writes the array compactly (["a","b"], no spaces) and a
// node name is a DNS subdomain, so nothing in it needs escaping. For arrays
// in that form, CompactNames checks the grammar with bit masks over 64-byte
// blocks and keeps where each name opens, nothing per name: a filter of
// 5,000 names then reads only the names that may be virtual nodes (by their
// first byte, FindStartingWith) and answers with the array's own bytes
// around the names that fail (RunsBut). See bench/README.md, "A names
// filter that reads only the names it must". Anything else (whitespace,
// escapes, bytes outside printable ASCII, another type) is left to the JSON
// parser, which reads every form and words the errors.
//
// Thread-compatible: a CompactNames is immutable once scanned.
#ifndef SPILLWAY_SCHEDULER_NAME_TOKENS_H_
#define SPILLWAY_SCHEDULER_NAME_TOKENS_H_

#include <bitset>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace spillway::scheduler {

// A compact NodeNames array: '[' then zero or more strings separated by a
// bare ',' then ']', each string of printable ASCII (0x20-0x7e) without a
// backslash. A token is a string with its quotes; its name is the bytes
// between them (nothing in it is escaped).
class CompactNames {
 public:
  // Reads `array`, which must outlive this object's use, keeping this
  // object's storage. Returns false, leaving the object empty, when `array`
  // is not in the compact form: it may still be valid JSON, and the caller
  // parses it as such.
  // Names that begin with a byte of `mark` are marked as the bytes are
  // read, so FindStartingWith with the same set reads no byte again. A set
  // of more than four bytes marks nothing (FindStartingWith then reads
  // each name's first byte).
  bool Scan(absl::string_view array, const std::bitset<256>& mark = {});

  // The number of names.
  size_t size() const { return count_; }
  // The array's JSON, from '[' to ']'.
  absl::string_view bytes() const { return bytes_; }

  // Appends every token, in order.
  void AppendTokens(std::vector<absl::string_view>* tokens) const;

  // Appends the tokens at `indices` (ascending, each below size()), in order.
  void AppendTokensAt(const std::vector<size_t>& indices, std::vector<absl::string_view>* tokens) const;

  // A token found by FindStartingWith.
  struct Found {
    size_t index;
    absl::string_view token;
  };
  // Appends to `found`, in order, each token whose name begins with a byte
  // in `first_bytes` (an empty name's byte is taken to be its closing
  // quote). With up to four bytes in the set, the names that begin
  // otherwise are passed over 64 bytes at a time.
  void FindStartingWith(const std::bitset<256>& first_bytes, std::vector<Found>* found) const;

  // Appends to `runs` the array's bytes between the excluded tokens
  // (`excluded_tokens`, from AppendTokensAt with ascending indices), each
  // run "t,...,t" and none empty: joined with ',' they are the tokens not
  // excluded, comma-separated, in order. A run but the array's last is
  // followed in bytes() by a ',' (the one before the next excluded token).
  void RunsBut(const std::vector<absl::string_view>& excluded_tokens, std::vector<absl::string_view>* runs) const;

 private:
  void Clear();
  // The token whose name begins at `start` (just after its opening quote).
  absl::string_view TokenAt(size_t start) const;

  absl::string_view bytes_;
  size_t count_ = 0;
  // Per 64-byte block, a bit per byte that begins a name (the byte after an
  // opening quote; for an empty name, its closing quote), and one per
  // closing quote.
  std::vector<uint64_t> starts_;
  std::vector<uint64_t> ends_;
  // Per block, the names that begin in earlier blocks.
  std::vector<uint32_t> names_before_;
  // The names the scan marked, ascending: (index, where its name begins).
  // Those beginning with a byte of marked_set_; an empty set: the scan
  // marked none.
  std::vector<std::pair<size_t, size_t>> marked_;
  std::bitset<256> marked_set_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_NAME_TOKENS_H_
