#include "scheduler/extender_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace spillway::scheduler {
namespace {

std::string FilterJson(const ExtenderArgs& args, const FilterResult& result) {
  std::string out;
  EncodeFilterResult(args, result, &out);
  return out;
}

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ExtenderCodecTest : public ::testing::Test {
 protected:
  // Keeps the padded body alive as long as the decoded arguments borrow it.
  absl::StatusOr<ExtenderArgs> Decode(std::string body) {
    body_ = std::move(body);
    body_.reserve(body_.size() + simdjson::SIMDJSON_PADDING);
    return decoder_.DecodeExtenderArgs(body_, body_.capacity());
  }
  absl::StatusOr<PreemptionArgs> DecodePreemption(std::string body) {
    body_ = std::move(body);
    body_.reserve(body_.size() + simdjson::SIMDJSON_PADDING);
    return decoder_.DecodePreemptionArgs(body_, body_.capacity());
  }

  RequestDecoder decoder_;
  std::string body_;
};

TEST_F(ExtenderCodecTest, KeysAreCaseInsensitive) {
  for (const char* body : {R"({"Pod":{"metadata":{"name":"p"}},"NodeNames":["a","b"],"Nodes":null})",
                           R"({"pod":{"metadata":{"name":"p"}},"nodenames":["a","b"]})",
                           R"({"POD":{"metadata":{"name":"p"}},"nodeNames":["a","b"]})"}) {
    absl::StatusOr<ExtenderArgs> args = Decode(body);
    ASSERT_TRUE(args.ok()) << body << ": " << args.status();
    EXPECT_EQ(args->pod.metadata.name, "p");
    ASSERT_NE(args->node_names, nullptr);
    EXPECT_THAT(args->node_names->names(), ElementsAre("a", "b"));
    EXPECT_EQ(args->nodes, nullptr);
  }
}

TEST_F(ExtenderCodecTest, FullNodesKeepTheirExactBytes) {
  const std::string node_a = R"({"metadata":{"name":"a","labels":{"x":"1"}},"spec":{}})";
  const std::string node_b =
      R"({"metadata":{"name":"vk","labels":{"type":"virtual-kubelet"}},"status":{"images":[]}})";
  absl::StatusOr<ExtenderArgs> args = Decode(R"({"Pod":{},"Nodes":{"metadata":{},"items":[ )" +
                                             node_a + " ,\n" + node_b + R"(]},"NodeNames":null})");
  ASSERT_TRUE(args.ok()) << args.status();
  ASSERT_NE(args->nodes, nullptr);
  ASSERT_EQ(args->nodes->size(), 2u);
  EXPECT_EQ((*args->nodes)[0].raw_json, node_a);
  EXPECT_EQ((*args->nodes)[1].raw_json, node_b);
  EXPECT_TRUE((*args->nodes)[1].node.metadata.labels.Has("type", "virtual-kubelet"));

  FilterResult result;
  result.passed = {1};
  result.reasons = {"no"};
  result.unresolvable = {{0, 0}};
  EXPECT_EQ(FilterJson(*args, result),
            R"({"Nodes":{"metadata":{},"items":[)" + node_b +
                R"(]},"NodeNames":null,"FailedNodes":{},"FailedAndUnresolvableNodes":{"a":"no"},"Error":""})");
}

TEST_F(ExtenderCodecTest, NamesModeAnswersNames) {
  absl::StatusOr<ExtenderArgs> args = Decode(R"({"Pod":{},"NodeNames":["a","b\"q"]})");
  ASSERT_TRUE(args.ok());
  FilterResult result;
  result.passed = {0};
  result.reasons = {"why \"not\""};
  result.failed = {{1, 0}};
  EXPECT_EQ(FilterJson(*args, result),
            R"({"Nodes":null,"NodeNames":["a"],"FailedNodes":{"b\"q":"why \"not\""},)"
            R"("FailedAndUnresolvableNodes":{},"Error":""})");
}

// Passing names are answered with their tokens as sent, neighbours copied as
// one run; whatever stood between them in the request is not.
TEST_F(ExtenderCodecTest, PassingNamesAreTheirTokensWithoutTheRequestsWhitespace) {
  absl::StatusOr<ExtenderArgs> args =
      Decode("{\"Pod\":{},\"NodeNames\":[\"a\", \"b\" ,\n\"c\",\"d\",\"e\\u0066\",\"g\"]}");
  ASSERT_TRUE(args.ok()) << args.status();
  FilterResult result;
  result.passed = {0, 1, 2, 3, 4, 5};
  EXPECT_THAT(FilterJson(*args, result), HasSubstr(R"("NodeNames":["a","b","c","d","e\u0066","g"],)"));
  result.passed = {5, 3, 2, 0};  // Any order, runs or not.
  EXPECT_THAT(FilterJson(*args, result), HasSubstr(R"("NodeNames":["g","d","c","a"],)"));
  result.passed = {2, 3, 5};
  EXPECT_THAT(FilterJson(*args, result), HasSubstr(R"("NodeNames":["c","d","g"],)"));
  result.passed = {};
  EXPECT_THAT(FilterJson(*args, result), HasSubstr(R"("NodeNames":[],)"));
}

TEST_F(ExtenderCodecTest, BadRequestsAreReadableErrors) {
  struct Case {
    const char* body;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"NodeNames":["a"]})", "ExtenderArgs has no Pod"},
           {R"({"Pod":null,"NodeNames":["a"]})", "ExtenderArgs has no Pod"},
           {R"({"Pod":{}})", "ExtenderArgs has neither Nodes"},
           {R"([1,2])", "request body must be a JSON object (ExtenderArgs)"},
           {R"({"Pod":"web","NodeNames":["a"]})", "Pod: expected object, got string"},
           {R"({"Pod":{},"NodeNames":"a"})", "NodeNames: expected array, got string"},
           {R"({"Pod":{},"NodeNames":[1]})", "NodeNames[0]: expected string, got number"},
           {R"({"Pod":{},"Nodes":{"items":[{"metadata":{}}]}})",
            "Nodes.items[0]: node has no metadata.name"},
           {R"({"Pod":{},"Nodes":{"items":["a"]}})", "Nodes.items[0]: expected object, got string"},
           {R"({"Pod":{"spec":{"volumes":{}}},"NodeNames":[]})",
            "Pod.spec.volumes: expected array, got object"},
           {R"({"Pod":{},"NodeNames":["a"]} trailing)", "followed by other bytes"},
           {R"({"Pod":{},"NodeNames":["a"]}{"Pod":{},"NodeNames":["b"]})",
            "followed by another JSON value"},
           {R"({"Pod":{},"NodeNames":["a"]} {})", "followed by another JSON value"},
           {R"({"Pod":{},"NodeNames":["a")", "malformed JSON"},
           {"", "malformed JSON"},
       }) {
    absl::StatusOr<ExtenderArgs> args = Decode(c.body);
    EXPECT_EQ(args.status().code(), absl::StatusCode::kInvalidArgument) << c.body;
    EXPECT_THAT(args.status().message(), HasSubstr(c.message)) << c.body;
  }
}

// On-Demand does not validate values it skips; nothing skipped reaches an
// answer (see ForEachTopLevelField), and this pins that down: a malformed
// scalar inside an ignored field is accepted, the fields read are intact, and
// structural damage (unbalanced brackets) is still an error.
TEST_F(ExtenderCodecTest, SkippedValuesAreNeverInterpretedButStructureIsChecked) {
  absl::StatusOr<ExtenderArgs> args =
      Decode(R"({"Pod":{"metadata":{"name":"web"}},"Ignored":[tru, 1.2.3],"NodeNames":["a"]})");
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->node_names->names(), ElementsAre("a"));
  EXPECT_EQ(Decode(R"({"Pod":{},"Ignored":[[1],"NodeNames":["a"]})").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ExtenderCodecTest, PreemptionArgsFromFullAndMetaVictims) {
  absl::StatusOr<PreemptionArgs> full = DecodePreemption(
      R"({"Pod":{"metadata":{"name":"p"}},"NodeNameToVictims":{"n1":{"Pods":[{"metadata":{"uid":"u1"}}],"NumPDBViolations":2}},"NodeNameToMetaVictims":null})");
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_EQ(full->node_victims.size(), 1u);
  EXPECT_EQ(full->node_victims[0].first, "n1");
  EXPECT_THAT(full->node_victims[0].second.pod_uids, ElementsAre("u1"));
  EXPECT_EQ(full->node_victims[0].second.num_pdb_violations, 2);

  absl::StatusOr<PreemptionArgs> meta = DecodePreemption(
      R"({"pod":{},"nodenametovictims":null,"nodenametometavictims":{"n2":{"pods":[{"uid":"u2"},{"UID":"u3"}],"numpdbviolations":0}}})");
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_THAT(meta->node_victims[0].second.pod_uids, ElementsAre("u2", "u3"));

  PreemptionResult result;
  result.kept = {&meta->node_victims[0]};
  std::string preemption_json;
  EncodePreemptionResult(result, &preemption_json);
  EXPECT_EQ(preemption_json,
            R"({"NodeNameToMetaVictims":{"n2":{"Pods":[{"UID":"u2"},{"UID":"u3"}],"NumPDBViolations":0}}})");
}

TEST_F(ExtenderCodecTest, HostPrioritiesFollowRequestOrder) {
  absl::StatusOr<ExtenderArgs> args = Decode(R"({"Pod":{},"NodeNames":["a","b"]})");
  ASSERT_TRUE(args.ok());
  std::string out = "prefix:";
  EncodeHostPriorities(*args, {10, 0}, &out);
  EXPECT_EQ(out, "prefix:" R"([{"Host":"a","Score":10},{"Host":"b","Score":0}])");
  absl::StatusOr<ExtenderArgs> none = Decode(R"({"Pod":{},"NodeNames":[]})");
  ASSERT_TRUE(none.ok());
  std::string empty;
  EncodeHostPriorities(*none, {}, &empty);
  EXPECT_EQ(empty, "[]");
}

// A compact list's priorities are written from its masks, a walked list's
// from its views: the same names give the same bytes (300 names across
// blocks, an empty one, scores of several values).
TEST_F(ExtenderCodecTest, HostPrioritiesAreTheSameForCompactAndWalkedLists) {
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back(i == 7 ? "" : absl::StrCat("node-", i, std::string(i % 50, 'x')));
  std::string compact = "[";
  std::string spaced = "[ ";
  for (size_t i = 0; i < names.size(); ++i) {
    compact += (i > 0 ? "," : "") + ("\"" + names[i] + "\"");
    spaced += (i > 0 ? " , " : "") + ("\"" + names[i] + "\"");
  }
  HostScores scores;
  for (int i = 0; i < 300; ++i) scores.push_back(i % 3 == 0 ? 0 : i % 3 == 1 ? 10 : 100);
  std::string answers[2];
  for (int form = 0; form < 2; ++form) {
    absl::StatusOr<ExtenderArgs> args =
        Decode(absl::StrCat(R"({"Pod":{},"NodeNames":)", form == 0 ? compact + "]" : spaced + " ]", "}"));
    ASSERT_TRUE(args.ok()) << args.status();
    ASSERT_EQ(args->node_names->compact() != nullptr, form == 0) << "form " << form;
    EncodeHostPriorities(*args, scores, &answers[form]);
  }
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_EQ(answers[0].substr(0, 70), R"([{"Host":"node-0","Score":0},{"Host":"node-1x","Score":10},{"Host":"no)");
  EXPECT_NE(answers[0].find(R"({"Host":"","Score":10})"), std::string::npos);
}

// The service lets the decoder take the request body over
// (DecodeExtenderArgs(std::string*)): a compact array is kept where it
// arrived and the caller gets another string back; the names stay readable
// whatever the caller then writes into that string, the same list sent again
// is recognised, and a list the scan refuses is copied and walked as before.
// A body that names its NodeNames twice (keys match in any case) reads as
// the JSON walk reads it, the last one winning, whether its string is taken
// over or not and whatever came before: the trailing array was the memo's,
// which decoding the earlier one replaced (a use after free the fuzzer
// found, when the earlier array was the longer).
TEST(RequestDecoderTakingBodiesTest, NodeNamesGivenTwiceReadAsTheLastOne) {
  const std::string longer = "[" + std::string("\"ecs-1\",") + std::string(200, ' ') + "\"ecs-2\"]";
  const std::vector<std::string> bodies = {
      R"({"Pod":{}, "NodeNames":["early"],"NodeNames":["late-1","late-2"]})",
      R"({"Pod":{},"nodenames":)" + longer + R"(,"NodeNames":["late-1","late-2"]})",
      R"({"Pod":{},"NODENAMES":["early-1","early-2","early-3"],"NodeNames":["late-1","late-2"]})",
  };
  for (const bool take : {false, true}) {
    RequestDecoder decoder;
    for (int round = 0; round < 3; ++round) {
      for (const std::string& sent : bodies) {
        std::string body = sent;
        body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
        absl::StatusOr<ExtenderArgs> args =
            take ? decoder.DecodeExtenderArgs(&body) : decoder.DecodeExtenderArgs(body, body.capacity());
        ASSERT_TRUE(args.ok()) << args.status() << " " << sent;
        body.assign(body.size(), 'x');  // The connection reuses its string.
        ASSERT_NE(args->node_names, nullptr) << sent;
        EXPECT_THAT(args->node_names->names(), ElementsAre("late-1", "late-2"))
            << "take=" << take << " round " << round << ": " << sent;
      }
    }
  }
}

TEST(RequestDecoderTakingBodiesTest, NamesSurviveTheCallersReuseOfItsString) {
  auto padded = [](std::string body) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    return body;
  };
  const std::string compact =
      padded(R"({"Pod":{"metadata":{"name":"p"}},"Nodes":null,"NodeNames":["ecs-1","virtual-kubelet-a","ecs-2"]})");
  const std::string spaced = padded(R"({"Pod":{"metadata":{"name":"p"}},"NodeNames":[ "ecs-1", "ecs-\u0032" ]})");
  // As the HTTP server fills a connection's string: the request, then padding.
  auto refill = [](std::string& body, const std::string& request) {
    body = request;
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  };
  RequestDecoder decoder;
  std::string body;
  refill(body, compact);
  const char* const sent = body.data();
  absl::StatusOr<ExtenderArgs> first = decoder.DecodeExtenderArgs(&body);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_NE(body.data(), sent) << "the compact array was copied, not taken";
  body.assign(body.capacity() > 0 ? body.capacity() - 1 : 0, 'x');  // The connection reuses the string.
  ASSERT_NE(first->node_names, nullptr);
  EXPECT_THAT(first->node_names->names(), ElementsAre("ecs-1", "virtual-kubelet-a", "ecs-2"));
  const uint64_t generation = first->candidates_generation;
  EXPECT_NE(generation, 0u);

  refill(body, compact);  // The same list again (prioritize): recognised, not decoded again.
  absl::StatusOr<ExtenderArgs> again = decoder.DecodeExtenderArgs(&body);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->candidates_generation, generation);
  EXPECT_THAT(again->node_names->names(), ElementsAre("ecs-1", "virtual-kubelet-a", "ecs-2"));

  refill(body, spaced);  // Not compact: walked by the JSON parser, from a copy.
  absl::StatusOr<ExtenderArgs> walked = decoder.DecodeExtenderArgs(&body);
  ASSERT_TRUE(walked.ok()) << walked.status();
  body.assign(body.size(), 'x');
  EXPECT_THAT(walked->node_names->names(), ElementsAre("ecs-1", "ecs-2"));
  EXPECT_EQ(walked->node_names->compact(), nullptr);
  EXPECT_NE(walked->candidates_generation, generation);

  refill(body, compact);  // Back to the first list: taken again, read correctly.
  absl::StatusOr<ExtenderArgs> back = decoder.DecodeExtenderArgs(&body);
  ASSERT_TRUE(back.ok()) << back.status();
  body.assign(body.size(), 'x');
  EXPECT_THAT(back->node_names->names(), ElementsAre("ecs-1", "virtual-kubelet-a", "ecs-2"));
  std::string answer;
  FilterResult result;
  result.passed_are_the_rest = true;
  result.reasons.push_back("busy");
  result.failed.push_back({1, 0});
  EncodeFilterResult(*back, result, &answer);
  EXPECT_EQ(answer, R"({"Nodes":null,"NodeNames":["ecs-1","ecs-2"],"FailedNodes":{"virtual-kubelet-a":"busy"},)"
                    R"("FailedAndUnresolvableNodes":{},"Error":""})");
}

}  // namespace
}  // namespace spillway::scheduler
