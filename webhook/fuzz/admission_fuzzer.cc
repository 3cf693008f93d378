// libFuzzer target for the admission webhook's decoding and decision: any
// bytes as an AdmissionReview must be answered (a response that parses, or an
// InvalidArgument error), never crash, hang or read out of bounds; an allowed
// answer's patch must be JSON.
//
// Built as webhook/fuzz:admission_fuzzer_replay_test (seed corpus plus
// deterministic mutations on every `bazel test`) and, with clang's
// -fsanitize=fuzzer,address,undefined, by tools/run_fuzzer.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "boost/json.hpp"
#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "webhook/admission_review.h"
#include "webhook/pod_admission.h"

namespace {

struct Fixture {
  Fixture() : resolver(rule) {
    resolver.AddSource(std::make_unique<spillway::burst::ProfileSource>(store));
    spillway::kube::StringMap data;
    data.Set("selectors",
             R"([{"name": "a", "objectSelector": {"matchLabels": {"type": "offline-task"}},
                  "effect": {"annotations": {"k8s.aliyun.com/eci-use-specs": "2-4Gi"}}},
                 {"name": "b", "effect": {"labels": {"created-by-eci": "true"}}}])");
    store.Set(std::make_shared<const spillway::burst::EciProfile>(*spillway::burst::ParseEciProfile(data)));
  }
  spillway::burst::VirtualNodeRule rule;
  spillway::burst::EciProfileStore store;
  spillway::burst::IntentResolver resolver;
  spillway::webhook::AdmissionReviewReader reader;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* const fixture = new Fixture();
  const std::string body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<spillway::webhook::AdmissionReviewRequest> review = fixture->reader.Read(body);
  if (!review.ok()) {
    if (review.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  spillway::kube::Pod pod;
  if (!fixture->reader.DecodePod(review->object, &pod).ok()) return 0;
  spillway::webhook::PodAdmission admission = spillway::webhook::AdmitPod(
      review->object, pod, nullptr, fixture->resolver, fixture->rule, *fixture->store.Get());
  const std::string answer = spillway::webhook::AdmissionResponse(*review, admission);
  boost::system::error_code ec;
  boost::json::parse(answer, ec);
  if (ec) {
    std::fprintf(stderr, "the AdmissionReview response is not JSON\n");
    std::abort();
  }
  return 0;
}
