#include "scheduler/name_tokens.h"

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

}  // namespace
}  // namespace spillway::scheduler
