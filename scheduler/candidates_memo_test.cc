// A differential test of the candidate memos (RequestDecoder's NodeNames and
// Nodes memos and CandidatesMemo): over the fuzz seed corpus, the extender's
// request fixtures and generated names and full requests, sent in an order
// that repeats lists, changes pods under the same list and swaps the node
// snapshot, every filter and prioritize answer is byte-for-byte the answer of
// the path without memo (RequestDecoder(false), ClassifyNodes,
// EncodeFilterResult and EncodeHostPriorities), and the memo is actually hit.
#include "scheduler/candidates_memo.h"

#include <bitset>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/testdata.h"
#include "gtest/gtest.h"
#include "scheduler/cluster_view.h"
#include "scheduler/extender.h"
#include "scheduler/extender_codec.h"
#include "simdjson.h"

namespace spillway::scheduler {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Padded(std::string body) {
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  return body;
}

// Names of 256 bytes: past VirtualNodeIndex's table of name lengths.
const std::string kLongVirtualName = "virtual-kubelet-" + std::string(250, 'v');
const std::string kLongRegularName = "ecs-" + std::string(262, 'r');

kube::Node Node(const std::string& name, bool is_virtual, const std::string& arch = "") {
  kube::Node node;
  node.metadata.name = name;
  if (is_virtual) {
    node.metadata.labels.Set("type", "virtual-kubelet");
    node.taints.push_back({"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"});
  }
  if (!arch.empty()) node.metadata.labels.Set("kubernetes.io/arch", arch);
  return node;
}

// A view whose node snapshot the test swaps, as the informer's watch does.
class SwappableView : public ClusterView {
 public:
  void Set(const std::vector<kube::Node>& nodes) {
    auto snapshot = std::make_shared<NodeSnapshot>();
    for (const kube::Node& node : nodes) (*snapshot)[node.metadata.name] = std::make_shared<const kube::Node>(node);
    absl::MutexLock lock(&mu_);
    nodes_ = std::move(snapshot);
  }
  std::shared_ptr<const NodeSnapshot> Nodes() const override {
    absl::MutexLock lock(&mu_);
    return nodes_;
  }
  std::shared_ptr<const kube::Namespace> FindNamespace(absl::string_view) const override { return nullptr; }
  bool HasSynced() const override { return true; }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const NodeSnapshot> nodes_ ABSL_GUARDED_BY(mu_);
};

// The names-mode request for the pod JSON `pod` over `names` (JSON tokens).
std::string NamesRequest(const std::string& pod, const std::vector<std::string>& names) {
  std::string body = absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":null,"NodeNames":[)");
  for (size_t i = 0; i < names.size(); ++i) absl::StrAppend(&body, i > 0 ? "," : "", names[i]);
  return body + "]}";
}

// A Node as kube-scheduler lists it to an extender (Go's encoding/json of an
// informer's object: compact, no TypeMeta, "metadata" and its "name" first).
std::string AsKubeSchedulerSendsIt(const std::string& pretty) {
  std::string compact(pretty.size(), '\0');
  size_t length = 0;
  EXPECT_EQ(simdjson::minify(pretty.data(), pretty.size(), compact.data(), length), simdjson::SUCCESS);
  compact.resize(length);
  return absl::StrReplaceAll(compact, {{R"({"apiVersion":"v1","kind":"Node",)", "{"}});
}

// The full-mode request for `pod` over `nodes` (Node JSON), as kube-scheduler
// sends it.
std::string FullRequest(const std::string& pod, const std::vector<std::string>& nodes) {
  std::string body = absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":{"metadata":{},"items":[)");
  for (size_t i = 0; i < nodes.size(); ++i) absl::StrAppend(&body, i > 0 ? "," : "", nodes[i]);
  return body + R"(]},"NodeNames":null})";
}

struct Answers {
  std::string filter;
  std::string prioritize;
};

// The path without memo: what the extender answered before the memo existed.
Answers Plain(const Extender& extender, const std::string& body) {
  RequestDecoder decoder(/*remember_candidates=*/false);
  absl::StatusOr<ExtenderArgs> args = decoder.DecodeExtenderArgs(body, body.capacity());
  Answers out;
  if (!args.ok()) return Answers{std::string(args.status().message()), ""};
  auto policy = extender.Resolve(args->pod);
  const NodeClasses classes = extender.ClassifyNodes(*args);
  EncodeFilterResult(*args, extender.Filter(*args, policy, classes), &out.filter);
  EncodeHostPriorities(*args, extender.Prioritize(*args, policy, classes), &out.prioritize);
  return out;
}

// How the memoized path is driven: marking names as the service does (the
// set the classification looks for), marking another set or none (the
// classification then finds the names itself), and letting the decoder take
// a copy of the body over as the service does.
struct Drive {
  enum class Marks { kService, kOther, kNone } marks = Marks::kService;
  bool take_body = false;
};

// The service's path: one decoder and one memo for every request.
Answers Memoized(const Extender& extender, RequestDecoder& decoder, CandidatesMemo& memo, const std::string& body,
                 uint64_t* generation, Drive drive = {}) {
  std::bitset<256> marks;
  if (drive.marks == Drive::Marks::kService) marks = memo.VirtualFirstBytes(extender);
  if (drive.marks == Drive::Marks::kOther) marks.set('e');
  decoder.MarkNamesStartingWith(marks);
  std::string taken = body;
  taken.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  absl::StatusOr<ExtenderArgs> args =
      drive.take_body ? decoder.DecodeExtenderArgs(&taken) : decoder.DecodeExtenderArgs(body, body.capacity());
  Answers out;
  if (!args.ok()) return Answers{std::string(args.status().message()), ""};
  *generation = args->candidates_generation;
  auto policy = extender.Resolve(args->pod);
  const NodeClasses& classes = memo.Classes(extender, *args);
  std::shared_ptr<const TextPieces> pieces;
  memo.EncodeFilter(*args, extender.Filter(*args, policy, classes), &out.filter, &pieces);
  if (pieces != nullptr) out.filter = pieces->Joined();
  HostScores scores = extender.Prioritize(*args, policy, memo.Classes(extender, *args));
  memo.EncodePriorities(*args, scores, &out.prioritize);
  // The answers are written: the connection reuses its string. Whatever the
  // decoder took must not have been left in it.
  taken.assign(taken.size(), 'x');
  return out;
}

// The pods every list is sent under (the extender's request fixtures).
std::vector<std::string> TestPods() {
  std::vector<std::string> pods;
  for (const char* name : {"pod_burst.json", "pod_none.json", "pod_eci_only_annotation.json",
                           "pod_burst_hostpath.json", "pod_bad_burst_value.json", "pod_eci_label.json"}) {
    pods.push_back(Read(testing::RunfilePath(absl::StrCat("testdata/extender/", name))));
    EXPECT_FALSE(pods.back().empty()) << name;
  }
  return pods;
}

// A Node fixture as stored (pretty-printed, with TypeMeta).
std::string TestdataNode(const char* name) {
  return Read(testing::RunfilePath(absl::StrCat("testdata/extender/", name)));
}

// Names mode: lists under each pod, and shapes around the fast path.
void AppendNamesBodies(const std::vector<std::string>& pods, std::vector<std::string>& bodies) {
  const std::vector<std::vector<std::string>> lists = {
      {R"("ecs-1")", R"("ecs-2")", R"("virtual-kubelet-cn-hangzhou-j")", R"("virtual-kubelet-cn-hangzhou-arm")"},
      {R"("virtual-kubelet-cn-hangzhou-j")", R"("virtual-kubelet-cn-hangzhou-arm")"},
      {R"("ecs-1")", R"("ecs-\u0032")", R"("virtual-kubelet-cn-hangzhou-j")"},  // An escaped name.
      {R"("ecs-1")", R"("ecs-2")"},
      {},
      // Around the snapshot's index of virtual nodes (VirtualNodeIndex): a
      // regular node named like a virtual one, a virtual node by its taint
      // alone, unknown names with and without the virtual prefix, names of
      // 256 bytes and more, virtual and not.
      {R"("virtual-kubelet-impostor")", R"("tainted-only")", R"("virtual-kubelet-cn-hangzhou-x")", R"("ecs-9")",
       absl::StrCat("\"", kLongVirtualName, "\""), absl::StrCat("\"", kLongRegularName, "\""), R"("ecs-1")"},
      {R"("tainted-only")", R"("ecs-2")"},
      // Virtual nodes whose names begin with five different bytes: the
      // classification's set is then found name by name.
      {R"("a-tainted")", R"("b-tainted")", R"("ecs-1")", R"("c-tainted")", R"("tainted-only")",
       R"("virtual-kubelet-cn-hangzhou-j")"},
  };
  // A long list (names begin at every offset of the 64-byte blocks the
  // scan reads): regular names of many lengths, known virtual nodes, and
  // unknown names with the virtual prefix.
  std::vector<std::string> long_list;
  for (int i = 0; i < 300; ++i) {
    if (i % 11 == 0) {
      long_list.push_back(R"("virtual-kubelet-cn-hangzhou-j")");
    } else if (i % 13 == 0) {
      long_list.push_back(absl::StrCat(R"("virtual-kubelet-cn-shanghai-)", i, "\""));
    } else if (i % 17 == 0) {
      long_list.push_back(R"("virtual-kubelet-cn-hangzhou-arm")");
    } else {
      long_list.push_back(absl::StrCat(R"("ecs-)", std::string(static_cast<size_t>(i % 37), 'r'), i, "\""));
    }
  }
  std::vector<std::vector<std::string>> all_lists = lists;
  all_lists.push_back(long_list);
  for (const auto& list : all_lists) {
    for (const std::string& pod : pods) bodies.push_back(Padded(NamesRequest(pod, list)));
  }
  // Shapes around the fast path (a known NodeNames array last): a duplicate
  // key before it, full Nodes before it, no Pod, bytes after the object, a
  // broken field before it, whitespace after it.
  const std::string names = R"(["ecs-1","virtual-kubelet-cn-hangzhou-j"])";
  for (const std::string& shape : {
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":["ecs-2"],"NodeNames":)", names, "}"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"Nodes":{"items":[{"metadata":{"name":"ecs-9"}}]},"NodeNames":)",
                        names, "}"),
           absl::StrCat(R"({"Pods":)", pods[0], R"(,"NodeNames":)", names, "}"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":)", names, "}}"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"x":[1,"NodeNames":)", names, "}"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":)", names, "}\n"),
           // Whitespace between the names: the answer's runs of names must not copy it.
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":["ecs-1", "ecs-2" ,)", "\n",
                        R"("virtual-kubelet-cn-hangzhou-j","ecs-9"]})"),
           absl::StrCat(R"({"Pod":)", pods[1], R"(,"NodeNames":[ "ecs-1",	"ecs-2","ecs-9" ]})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":)", names, "}"),
           // Around the trailing array's scan: a '[' in a name, the array
           // closing a nested object, the object unclosed.
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":["ecs-1","ecs[2"]})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"A":[{"b":1,"NodeNames":["ecs-1"]}]})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":["ecs-2"],"Q":{"r":1,"NodeNames":["ecs-1"]})"),
       }) {
    bodies.push_back(Padded(shape));
  }
}

// Full mode as kube-scheduler sends it, and shapes around it.
void AppendFullBodies(const std::vector<std::string>& pods, std::vector<std::string>& bodies) {
  // Full mode as kube-scheduler sends it (Nodes, then "NodeNames":null last),
  // the same list under each pod, another list, and shapes around it.
  const std::string all_nodes = absl::StrCat(R"({"metadata":{},"items":[)", TestdataNode("node_ecs_a.json"), ",",
                                             TestdataNode("node_virtual.json"), ",", TestdataNode("node_virtual_arm.json"), ",",
                                             TestdataNode("node_ecs_b.json"), "]}");
  const std::string some_nodes =
      absl::StrCat(R"({"metadata":{},"items":[)", TestdataNode("node_virtual.json"), ",", TestdataNode("node_ecs_b.json"), "]}");
  for (const std::string& pod : pods) {
    bodies.push_back(Padded(absl::StrCat(R"({"Pod":)", pod, R"(,"Nodes":)", all_nodes, R"(,"NodeNames":null})")));
  }
  for (const std::string& shape : {
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"Nodes":)", some_nodes, R"(,"NodeNames":null})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"Nodes":)", some_nodes, R"(,"Nodes":)", all_nodes,
                        R"(,"NodeNames":null})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"NodeNames":["ecs-1"],"Nodes":)", all_nodes,
                        R"(,"NodeNames":null})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"Nodes":)", all_nodes, R"(,"NodeNames":null,"x":1})"),
           absl::StrCat(R"({"Nodes":)", all_nodes, R"(,"NodeNames":null})"),
           absl::StrCat(R"({"Pod":)", pods[0], R"(,"Nodes":)", all_nodes, R"(,"NodeNames":null}})"),
       }) {
    bodies.push_back(Padded(shape));
  }
}

// Full mode, the same nodes in other orders, and near misses.
void AppendReorderedFullBodies(const std::vector<std::string>& pods, std::vector<std::string>& bodies) {
  // The same nodes in other orders, as kube-scheduler's parallel filter
  // lists them (the reordered path), and near misses: a node twice in place
  // of another of the same length, one byte changed, another separator.
  const std::string a = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_a.json"));
  const std::string b = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_b.json"));
  const std::string v = AsKubeSchedulerSendsIt(TestdataNode("node_virtual.json"));
  const std::string arm = AsKubeSchedulerSendsIt(TestdataNode("node_virtual_arm.json"));
  EXPECT_EQ(a.rfind(R"({"metadata":{"name":")", 0), 0u) << a.substr(0, 80);
  std::string a_twin = a;  // Another node of a's length: ...0.10 -> ...0.19.
  a_twin.replace(a_twin.find("192.168.0.10"), 12, "192.168.0.19");
  std::string a_changed = a;
  a_changed.replace(a_changed.find("a1b2c3d4"), 8, "a1b2c3d5");
  for (const std::vector<std::string>& list : std::vector<std::vector<std::string>>{
           {a, v, arm, b}, {b, arm, v, a}, {v, a, b, arm}, {v, a, b, arm}, {a, a_twin, v, arm, b},
           {a_twin, v, a, b, arm}, {a, a, v, arm, b}, {a_twin, a_twin, v, arm, b}, {b, arm, v, a_changed},
           {arm, b, v, a}, {a}, {b, arm, v, a}}) {
    for (size_t p = 0; p < pods.size(); p += 2) bodies.push_back(Padded(FullRequest(pods[p], list)));
  }
  bodies.push_back(Padded(absl::StrReplaceAll(FullRequest(pods[0], {arm, v, a, b}), {{"}},{", "}}, {"}})));
}

// The fuzz seed corpus and the request fixtures.
void AppendCorpusBodies(std::vector<std::string>& bodies) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::RunfilePath("testdata/fuzz"))) {
    bodies.push_back(Padded(Read(entry.path().string())));
  }
  for (const char* name : {"filter_names_request.json", "filter_full_request.json"}) {
    bodies.push_back(Padded(Read(testing::RunfilePath(absl::StrCat("testdata/extender/", name)))));
  }
}

TEST(CandidatesMemoTest, AnswersAreThoseOfThePathWithoutMemo) {
  const std::vector<std::string> pods = TestPods();
  std::vector<std::string> bodies;
  AppendNamesBodies(pods, bodies);
  AppendFullBodies(pods, bodies);
  AppendReorderedFullBodies(pods, bodies);
  AppendCorpusBodies(bodies);

  kube::Node tainted_only = Node("tainted-only", false);
  tainted_only.taints.push_back({"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"});
  const std::vector<kube::Node> before = {Node("ecs-1", false), Node("ecs-2", false),
                                          Node("virtual-kubelet-cn-hangzhou-j", true),
                                          Node("virtual-kubelet-cn-hangzhou-arm", true, "arm64"),
                                          Node("virtual-kubelet-impostor", false), tainted_only,
                                          Node(kLongVirtualName, true), Node(kLongRegularName, false)};
  // After the swap ecs-2 is a virtual node: classes computed before are stale.
  std::vector<kube::Node> after = before;
  after[1] = Node("ecs-2", true);
  for (const char* name : {"a-tainted", "b-tainted", "c-tainted"}) {
    after.push_back(Node(name, false));
    after.back().taints.push_back({"virtual-kubelet.io/provider", "alibabacloud", "NoSchedule"});
  }
  SwappableView view;
  view.Set(before);
  burst::VirtualNodeRule rule;
  burst::IntentResolver resolver(rule);
  Extender extender(resolver, rule, &view, ScoreValues());
  RequestDecoder decoder;
  CandidatesMemo memo;
  int repeats = 0;
  uint64_t last_generation = 0;
  // Each body three times in a row (the memo's case: it encodes an answer
  // seen the second time into its own bytes and answers the third from
  // them); in the second round the snapshot is swapped after the first (the
  // same list, other nodes); then all again in reverse.
  bool swapped = false;
  for (int round = 0; round < 3; ++round) {
    for (size_t k = 0; k < bodies.size(); ++k) {
      const std::string& body = bodies[round == 2 ? bodies.size() - 1 - k : k];
      for (int time = 0; time < 3; ++time) {
        if (round == 1 && time == 1) {
          swapped = !swapped;
          view.Set(swapped ? after : before);
        }
        const Answers want = Plain(extender, body);
        uint64_t generation = 0;
        Drive drive;
        drive.marks = static_cast<Drive::Marks>((k + static_cast<size_t>(time)) % 3);
        drive.take_body = (k + static_cast<size_t>(round)) % 2 == 0;
        const Answers got = Memoized(extender, decoder, memo, body, &generation, drive);
        EXPECT_EQ(got.filter, want.filter) << "round " << round << ": " << body.substr(0, 200);
        EXPECT_EQ(got.prioritize, want.prioritize) << "round " << round << ": " << body.substr(0, 200);
        if (generation != 0 && generation == last_generation) ++repeats;
        last_generation = generation;
      }
    }
  }
  // Same lists came back with the same generation: the memo was used.
  EXPECT_GT(repeats, static_cast<int>(bodies.size()));
}

// The service's filter path, standalone, with answers that may be pieces.
struct ServicePath {
  // The request in a string of the connection's (taken over by the decoder
  // when `take`), rewritten once the answer is made, as the connection
  // reuses it.
  void Filter(const std::string& body, bool take, std::shared_ptr<const TextPieces>* pieces) {
    std::string request = body;
    request.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    absl::StatusOr<ExtenderArgs> args =
        take ? decoder.DecodeExtenderArgs(&request) : decoder.DecodeExtenderArgs(request, request.capacity());
    ASSERT_TRUE(args.ok()) << args.status();
    auto policy = extender.Resolve(args->pod);
    std::string out;
    memo.EncodeFilter(*args, extender.Filter(*args, policy, memo.Classes(extender, *args)), &out, pieces);
    answer = *pieces != nullptr ? (*pieces)->Joined() : out;
    request.assign(request.size(), 'x');
  }

  std::string answer;  // The last Filter's, joined.
  burst::VirtualNodeRule rule;
  burst::IntentResolver resolver{rule};
  Extender extender{resolver, rule, nullptr, ScoreValues()};
  RequestDecoder decoder;
  CandidatesMemo memo;
};

// An answer sent as pieces borrows the list's bytes: they stay as they were
// while the decoder goes on with other requests (taken over, copied,
// walked, the same list again) before the answer is written.
TEST(CandidatesMemoTest, AnAnswerInPiecesKeepsItsBytesWhileTheDecoderGoesOn) {
  const std::string pod = Read(testing::RunfilePath("testdata/extender/pod_burst.json"));
  const std::string first = Padded(NamesRequest(pod, {R"("ecs-1")", R"("virtual-kubelet-cn-hangzhou-j")", R"("ecs-2")"}));
  const std::vector<std::string> others = {
      Padded(NamesRequest(pod, {R"("ecs-3")", R"("ecs-4")", R"("virtual-kubelet-cn-hangzhou-k")"})),
      Padded(NamesRequest(pod, {R"("ecs-\u0035")"})), first,
      Padded(NamesRequest(pod, {R"("ecs-6")", R"("ecs-7")", R"("ecs-8")", R"("ecs-9")"}))};
  ServicePath service;
  const std::string want = Plain(service.extender, first).filter;
  auto filter = [&](const std::string& body, bool take, std::shared_ptr<const TextPieces>* pieces) {
    service.Filter(body, take, pieces);
  };
  std::shared_ptr<const TextPieces> kept;
  filter(first, /*take=*/true, &kept);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->Joined(), want);
  for (size_t i = 0; i < others.size(); ++i) {
    std::shared_ptr<const TextPieces> other;
    filter(others[i], /*take=*/i % 2 == 0, &other);
    EXPECT_EQ(kept->Joined(), want) << "after request " << i;
  }
}

// The same for a full-mode answer: it borrows the remembered list's bytes,
// which stay as they were while other lists are remembered.
TEST(CandidatesMemoTest, AFullAnswerInPiecesKeepsItsBytesWhileOtherListsAreRemembered) {
  const std::string pod = Read(testing::RunfilePath("testdata/extender/pod_burst.json"));
  const std::string a = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_a.json"));
  const std::string b = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_b.json"));
  const std::string v = AsKubeSchedulerSendsIt(TestdataNode("node_virtual.json"));
  const std::string first = Padded(FullRequest(pod, {a, v, b}));
  const std::vector<std::string> others = {Padded(FullRequest(pod, {b, v})), Padded(FullRequest(pod, {v, a})),
                                           Padded(FullRequest(pod, {a}))};
  ServicePath service;
  const std::string want = Plain(service.extender, first).filter;
  auto filter = [&](const std::string& body, std::shared_ptr<const TextPieces>* pieces) {
    service.Filter(body, /*take=*/true, pieces);
  };
  std::shared_ptr<const TextPieces> kept;
  filter(first, &kept);  // Remembered as it is decoded.
  filter(first, &kept);  // Found in the memo: the answer borrows the memo's bytes.
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->Joined(), want);
  for (size_t i = 0; i < others.size(); ++i) {
    std::shared_ptr<const TextPieces> other;
    filter(others[i], &other);
    filter(others[i], &other);
    EXPECT_EQ(kept->Joined(), want) << "after list " << i;
  }
}

// The same answer asked for again (a pod's filter repeated, or the next pod
// on the same list) goes out as pieces every time, not as a kept copy:
// full-mode answers are megabytes.
TEST(CandidatesMemoTest, RepeatedAnswersAreSentAsPiecesToo) {
  const std::string pod = Read(testing::RunfilePath("testdata/extender/pod_burst.json"));
  const std::string a = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_a.json"));
  const std::string b = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_b.json"));
  const std::string v = AsKubeSchedulerSendsIt(TestdataNode("node_virtual.json"));
  for (const std::string& body :
       {Padded(FullRequest(pod, {a, v, b})),
        Padded(NamesRequest(pod, {R"("ecs-1")", R"("virtual-kubelet-cn-hangzhou-j")", R"("ecs-2")"}))}) {
    ServicePath service;
    const std::string want = Plain(service.extender, body).filter;
    for (int time = 0; time < 4; ++time) {
      std::shared_ptr<const TextPieces> pieces;
      service.Filter(body, /*take=*/true, &pieces);
      ASSERT_NE(pieces, nullptr) << "time " << time << ": " << body.substr(0, 120);
      EXPECT_EQ(pieces->Joined(), want) << "time " << time;
    }
  }
}

// A names answer around many failing names goes out as pieces too, up to
// 500 runs (one sendmsg takes 1,024 buffers; the HTTP server sends them in
// one call): a pod that may not use ECI, with 5,000 candidates of which 100
// are virtual nodes, borrows 100 runs instead of copying 130 KB. Past 500
// runs the answer is copied, and is the same either way.
TEST(CandidatesMemoTest, AnswersAroundManyFailingNamesAreSentAsPiecesUpTo500Runs) {
  const std::string pod = Read(testing::RunfilePath("testdata/extender/pod_none.json"));
  for (const auto& [every, runs] : std::vector<std::pair<int, size_t>>{{50, 100}, {8, 625}}) {
    std::vector<std::string> names;
    for (int i = 0; i < 5000; ++i) {
      names.push_back(i % every == every - 1 ? absl::StrCat(R"("virtual-kubelet-cn-hangzhou-)", i, R"(")")
                                             : absl::StrCat(R"("ecs-)", i, R"(")"));
    }
    const std::string body = Padded(NamesRequest(pod, names));
    ServicePath service;
    const std::string want = Plain(service.extender, body).filter;
    ASSERT_NE(want.find(R"("virtual-kubelet-cn-hangzhou-4999":)"), std::string::npos) << "a virtual node fails";
    std::shared_ptr<const TextPieces> pieces;
    service.Filter(body, /*take=*/true, &pieces);
    if (runs <= 500) {
      ASSERT_NE(pieces, nullptr) << runs << " runs";
      EXPECT_EQ(pieces->piece_count(), runs + 2) << "the head, each run, the failures";
      EXPECT_TRUE(pieces->Joined() == want);
    } else {
      EXPECT_EQ(pieces, nullptr) << runs << " runs";
    }
    EXPECT_TRUE(service.answer == want) << runs << " runs";
  }
}

// A list that differs in one byte is decoded again, never taken for the last.
TEST(CandidatesMemoTest, ADifferentListIsDecodedAgain) {
  RequestDecoder decoder;
  const std::string pod = Read(testing::RunfilePath("testdata/extender/pod_burst.json"));
  const std::string a = Padded(NamesRequest(pod, {R"("ecs-1")", R"("ecs-2")"}));
  const std::string b = Padded(NamesRequest(pod, {R"("ecs-1")", R"("ecs-3")"}));
  absl::StatusOr<ExtenderArgs> first = decoder.DecodeExtenderArgs(a, a.capacity());
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t generation = first->candidates_generation;
  absl::StatusOr<ExtenderArgs> again = decoder.DecodeExtenderArgs(a, a.capacity());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->candidates_generation, generation);
  absl::StatusOr<ExtenderArgs> other = decoder.DecodeExtenderArgs(b, b.capacity());
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->candidates_generation, generation);
  EXPECT_EQ(other->node_names->name(1), "ecs-3");
  // A malformed list after a good one leaves no memo behind.
  const std::string bad = Padded(NamesRequest(pod, {R"("ecs-1")", "7"}));
  EXPECT_FALSE(decoder.DecodeExtenderArgs(bad, bad.capacity()).ok());
  absl::StatusOr<ExtenderArgs> after_bad = decoder.DecodeExtenderArgs(b, b.capacity());
  ASSERT_TRUE(after_bad.ok());
  EXPECT_EQ(after_bad->node_names->name(1), "ecs-3");
}

// kube-scheduler lists the same nodes in a new order with every pod: the
// second order is matched node by node against the first, not parsed again,
// and the decoded list follows the request's order.
TEST(CandidatesMemoTest, TheSameNodesInAnotherOrderAreNotParsedAgain) {
  const std::string pod = Read(testing::RunfilePath("testdata/extender/pod_burst.json"));
  const std::string a = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_a.json"));
  const std::string v = AsKubeSchedulerSendsIt(TestdataNode("node_virtual.json"));
  const std::string b = AsKubeSchedulerSendsIt(TestdataNode("node_ecs_b.json"));
  const std::string first = Padded(FullRequest(pod, {a, v, b}));
  const std::string second = Padded(FullRequest(pod, {b, a, v}));
  RequestDecoder decoder;
  absl::StatusOr<ExtenderArgs> decoded = decoder.DecodeExtenderArgs(first, first.capacity());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->node_order, nullptr);
  const auto* remembered = decoded->nodes.get();
  absl::StatusOr<ExtenderArgs> reordered = decoder.DecodeExtenderArgs(second, second.capacity());
  ASSERT_TRUE(reordered.ok()) << reordered.status();
  ASSERT_NE(reordered->node_order, nullptr);
  EXPECT_EQ(reordered->nodes.get(), remembered);  // The first request's nodes, not a new parse.
  EXPECT_EQ(reordered->candidates_generation, 0u);
  ASSERT_EQ(reordered->NodeCount(), 3u);
  EXPECT_EQ(reordered->NodeName(0), "cn-hangzhou.192.168.0.11");
  EXPECT_EQ(reordered->Candidate(0).raw_json, b);
  EXPECT_EQ(reordered->Candidate(1).raw_json, a);
  EXPECT_EQ(reordered->Candidate(2).raw_json, v);
  EXPECT_EQ(reordered->pod.metadata.name, decoded->pod.metadata.name);
  // One node fewer is another list: decoded from scratch.
  const std::string fewer = Padded(FullRequest(pod, {b, a}));
  absl::StatusOr<ExtenderArgs> other = decoder.DecodeExtenderArgs(fewer, fewer.capacity());
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->node_order, nullptr);
  EXPECT_EQ(other->NodeCount(), 2u);
}

}  // namespace
}  // namespace spillway::scheduler
