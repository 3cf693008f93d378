#include "scheduler/name_tokens.h"

#include <bitset>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace spillway::scheduler {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Appends to `tokens` each token of `array` and returns true when it is a
// compact array; false, with `tokens` as it was, otherwise.
bool ScanNameTokens(absl::string_view array, std::vector<absl::string_view>* tokens) {
  CompactNames names;
  if (!names.Scan(array)) return false;
  names.AppendTokens(tokens);
  return true;
}

std::vector<std::string> Scan(absl::string_view array, bool* scanned) {
  std::vector<absl::string_view> tokens;
  *scanned = ScanNameTokens(array, &tokens);
  return std::vector<std::string>(tokens.begin(), tokens.end());
}

TEST(ScanNameTokensTest, ReadsCompactArrays) {
  struct Case {
    const char* array;
    std::vector<std::string> tokens;
  };
  const Case cases[] = {
      {R"([])", {}},
      {R"(["a"])", {R"("a")"}},
      {R"(["node-1","node-2","virtual-kubelet-cn-hangzhou-j"])",
       {R"("node-1")", R"("node-2")", R"("virtual-kubelet-cn-hangzhou-j")"}},
      {R"([""])", {R"("")"}},
      // Brackets, commas and spaces inside a name are its bytes, not structure.
      {R"(["a,b","[c]"," d "])", {R"("a,b")", R"("[c]")", R"(" d ")"}}};
  for (const Case& c : cases) {
    bool scanned = false;
    EXPECT_EQ(Scan(c.array, &scanned), c.tokens) << c.array;
    EXPECT_TRUE(scanned) << c.array;
  }
}

TEST(ScanNameTokensTest, LeavesOtherFormsToTheJsonParser) {
  const char* const arrays[] = {
      "",                  // nothing
      "[",                 // unclosed
      R"(["a")",           // unclosed
      R"( ["a"])",         // whitespace before
      R"([ "a"])",         // whitespace inside
      R"(["a", "b"])",     // a space after the comma
      R"(["a" ,"b"])",     // a space before the comma
      "[\"a\",\n\"b\"]",   // a newline
      R"([ ])",            // an empty array with a space
      R"(["a",])",         // a trailing comma
      R"([,"a"])",         // a leading comma
      R"(["a""b"])",       // no comma
      R"(["a",,"b"])",     // two commas
      R"(["a"])"
      "x",                 // bytes after the array
      R"(["]")",           // a quote never closed
      R"(["a\"b"])",       // an escaped quote
      R"(["a\\"])",        // an escaped backslash
      R"(["\u0061"])",     // a \u escape
      "[\"a\tb\"]",        // a raw control byte (invalid JSON)
      "[\"caf\xc3\xa9\"]", // UTF-8 beyond ASCII
      "[\"a\x7f\"]",       // DEL
      R"([1])",            // not a string
      R"([null])",
      R"(["a",1])",
      R"({"a":"b"})",      // not an array
  };
  for (const char* array : arrays) {
    std::vector<absl::string_view> tokens = {"kept"};
    EXPECT_FALSE(ScanNameTokens(array, &tokens)) << array;
    EXPECT_THAT(tokens, ElementsAre("kept")) << array << ": tokens must be left as they were";
  }
}

// Quotes, refused bytes and the end of the array at each position around the
// 64-byte blocks the scan reads.
TEST(ScanNameTokensTest, BlockBoundaries) {
  for (size_t length = 0; length < 140; ++length) {
    const std::string name(length, 'n');
    const std::string array = "[\"a\",\"" + name + "\",\"b\"]";
    bool scanned = false;
    EXPECT_THAT(Scan(array, &scanned), ElementsAre("\"a\"", "\"" + name + "\"", "\"b\"")) << length;
    EXPECT_TRUE(scanned) << length;
    for (size_t at = 1; at < array.size(); ++at) {
      std::string broken = array;
      broken[at] = '\\';
      std::vector<absl::string_view> tokens;
      EXPECT_FALSE(ScanNameTokens(broken, &tokens)) << broken;
    }
  }
}

// Whatever the scan accepts, simdjson reads as the same array of strings,
// and every compact array of printable names is accepted: random arrays built
// from the bytes that matter to the grammar.
TEST(ScanNameTokensTest, AgreesWithSimdjson) {
  std::mt19937 random(20261204);
  const std::string alphabet = "[]\",a \\\x01\x80";
  simdjson::dom::parser parser;
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string array;
    if (round % 2 == 0) {  // Mostly well formed, so accepted cases are many.
      array = "[";
      const int count = static_cast<int>(random() % 5);
      for (int i = 0; i < count; ++i) {
        if (i > 0) array += ',';
        array += '"' + std::string(random() % 70, static_cast<char>('a' + random() % 26)) + '"';
      }
      array += ']';
      if (random() % 3 == 0) array[random() % array.size()] = alphabet[random() % alphabet.size()];
    } else {
      const size_t size = random() % 12;
      for (size_t i = 0; i < size; ++i) array += alphabet[random() % alphabet.size()];
    }
    std::vector<absl::string_view> tokens;
    const bool scanned = ScanNameTokens(array, &tokens);
    simdjson::dom::element element;
    const bool parsed = parser.parse(array).get(element) == simdjson::SUCCESS;
    std::vector<std::string> names;
    simdjson::dom::array items;
    bool strings_only = parsed && element.get_array().get(items) == simdjson::SUCCESS;
    if (strings_only) {
      for (simdjson::dom::element item : items) {
        if (!item.is_string()) {
          strings_only = false;
          break;
        }
        std::string_view name;
        ASSERT_EQ(item.get_string().get(name), simdjson::SUCCESS);
        names.emplace_back(name);
      }
    }
    // Compact: the array is its strings written back without spaces or
    // escapes, and none holds a byte outside printable ASCII.
    std::string rewritten = "[";
    bool printable = true;
    for (const std::string& name : names) {
      if (rewritten.size() > 1) rewritten += ',';
      rewritten += '"' + name + '"';
      for (char c : name) printable = printable && c >= 0x20 && c < 0x7f && c != '\\';
    }
    rewritten += ']';
    const bool compact = strings_only && printable && rewritten == array;
    EXPECT_EQ(scanned, compact) << array;
    if (!scanned) continue;
    ++accepted;
    ASSERT_EQ(tokens.size(), names.size()) << array;
    for (size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(tokens[i], "\"" + names[i] + "\"") << array;
    }
  }
  EXPECT_GT(accepted, 50000);  // The test exercised the accepting side.
}

// Every byte value inside a name, at every offset of a 64-byte block: only
// printable ASCII but for the backslash (and the quote, which ends the name)
// is read by the scan.
TEST(ScanNameTokensTest, EachByteValueInAName) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    if (c == '"') continue;
    const bool printable = byte >= 0x20 && byte <= 0x7e && c != '\\';
    for (size_t offset = 0; offset < 70; ++offset) {
      const std::string array = "[\"" + std::string(offset, 'n') + c + "x\"]";
      std::vector<absl::string_view> tokens;
      EXPECT_EQ(ScanNameTokens(array, &tokens), printable) << "byte " << byte << " at " << offset;
    }
  }
}

// CompactNames against a plain reading of the same arrays: random names of
// 0 to 70 bytes (so names begin and end at every offset of a 64-byte block,
// and a name begins on a block's first byte), first bytes from a small
// alphabet. For each array: every token in order, the tokens that begin with
// a set of bytes (marked while scanning, and not: the set is then found
// again, 64 bytes at a time for up to four bytes, name by name above), the
// tokens at chosen indices, and the array without them.
TEST(CompactNamesTest, AgreesWithAPlainReading) {
  std::mt19937 random(20261205);
  const std::string first_bytes = "abvwxyz\"";  // '"': an empty name's byte.
  for (int round = 0; round < 3000; ++round) {
    const int count = static_cast<int>(random() % 60);
    std::vector<std::string> tokens;
    std::string array = "[";
    for (int i = 0; i < count; ++i) {
      const size_t length = random() % 71;
      std::string name;
      if (length > 0) {
        name = std::string(1, first_bytes[random() % (first_bytes.size() - 1)]);
        name += std::string(length - 1, static_cast<char>('a' + random() % 26));
      }
      tokens.push_back("\"" + name + "\"");
      if (i > 0) array += ',';
      array += tokens.back();
    }
    array += ']';
    std::bitset<256> set;
    for (int k = 0, n = 1 + static_cast<int>(random() % 6); k < n; ++k) {
      set.set(static_cast<unsigned char>(first_bytes[random() % first_bytes.size()]));
    }
    std::vector<size_t> want_found;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (set[static_cast<unsigned char>(tokens[i][1])]) want_found.push_back(i);
    }
    std::vector<size_t> excluded;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (random() % 4 == 0) excluded.push_back(i);
    }
    std::string want_rest;
    for (size_t i = 0, k = 0; i < tokens.size(); ++i) {
      if (k < excluded.size() && excluded[k] == i) {
        ++k;
        continue;
      }
      if (!want_rest.empty()) want_rest += ',';
      want_rest += tokens[i];
    }
    for (const bool marked : {true, false}) {
      CompactNames names;
      ASSERT_TRUE(names.Scan(array, marked ? set : std::bitset<256>())) << array;
      ASSERT_EQ(names.size(), tokens.size()) << array;
      std::vector<absl::string_view> all;
      names.AppendTokens(&all);
      EXPECT_EQ(std::vector<std::string>(all.begin(), all.end()), tokens) << array;
      std::vector<CompactNames::Found> found;
      names.FindStartingWith(set, &found);
      ASSERT_EQ(found.size(), want_found.size()) << array;
      for (size_t k = 0; k < found.size(); ++k) {
        EXPECT_EQ(found[k].index, want_found[k]) << array;
        EXPECT_EQ(found[k].token, tokens[want_found[k]]) << array;
      }
      std::vector<absl::string_view> at;
      names.AppendTokensAt(excluded, &at);
      ASSERT_EQ(at.size(), excluded.size()) << array;
      for (size_t k = 0; k < at.size(); ++k) EXPECT_EQ(at[k], tokens[excluded[k]]) << array;
      std::vector<absl::string_view> runs;
      names.RunsBut(at, &runs);
      std::string rest;
      for (size_t k = 0; k < runs.size(); ++k) {
        EXPECT_FALSE(runs[k].empty()) << array;
        if (k + 1 < runs.size()) {
          EXPECT_EQ(runs[k].data()[runs[k].size()], ',') << array;
        }
        rest += (k > 0 ? "," : "") + std::string(runs[k]);
      }
      EXPECT_EQ(rest, want_rest) << array;
    }
  }
}

}  // namespace
}  // namespace spillway::scheduler
