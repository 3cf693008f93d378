#include "common/yaml_json.h"

#include <string>

#include "gtest/gtest.h"

namespace spillway {
namespace {

std::string Json(const std::string& yaml) {
  std::string out;
  absl::Status status = YamlToJson(YAML::Load(yaml), 1 << 20, &out);
  return status.ok() ? out : "error: " + std::string(status.message());
}

// Issue 23.5: JSON gets a number only where JSON can write it as the user
// did; 012 used to reach the JSON parser as 012 and fail with an excerpt of
// JSON the user never wrote.
TEST(YamlToJsonTest, PlainScalarsBecomeWhatYamlReadsAndJsonCanWrite) {
  struct Row {
    std::string yaml;
    std::string json;
  };
  const Row rows[] = {
      {"a: 2", R"({"a":2})"},
      {"a: -1.5", R"({"a":-1.5})"},
      {"a: 1e3", R"({"a":1e3})"},
      {"a: 0", R"({"a":0})"},
      {"a: '2'", R"({"a":"2"})"},
      {"a: \"2\"", R"({"a":"2"})"},
      {"a: 012", R"({"a":"012"})"},
      {"a: 0x1A", R"({"a":"0x1A"})"},
      {"a: +5", R"({"a":"+5"})"},
      {"a: 1.", R"({"a":"1."})"},
      {"a: 1E", R"({"a":"1E"})"},
      {"a: 6400Ti", R"({"a":"6400Ti"})"},
      {"a: true", R"({"a":true})"},
      {"a: ~", R"({"a":null})"},
      {"a: [1, x]", R"({"a":[1,"x"]})"},
  };
  for (const Row& row : rows) EXPECT_EQ(Json(row.yaml), row.json) << row.yaml;
}

TEST(YamlToJsonTest, IsPlainYamlNumberIsWhatAYamlReaderTakesForANumber) {
  for (const char* number : {"2", "-1.5", "1e3", "012", "0x1A", "+5", ".5"}) {
    EXPECT_TRUE(IsPlainYamlNumber(number)) << number;
  }
  for (const char* text : {"", "1E", "6400Ti", "2Gi", "abc", "v1", "true"}) {
    EXPECT_FALSE(IsPlainYamlNumber(text)) << text;
  }
}

TEST(YamlToJsonTest, AliasBombsAreRefusedPastTheBudget) {
  const std::string bomb = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n";
  std::string out;
  absl::Status status = YamlToJson(YAML::Load(bomb), 4096, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("expands to more than 4096 bytes"), std::string::npos) << status;
}

}  // namespace
}  // namespace spillway
