#include "scheduler/extender_service.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log_format.h"
#include "glog/logging.h"
#include "scheduler/extender_codec.h"
#include "scheduler/candidates_memo.h"

namespace spillway::scheduler {
namespace {

http::Response Json(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}


// Each request thread reuses its decoder's parse buffers and keeps what its
// last names-mode request's candidates decided.
RequestDecoder& ThreadDecoder() {
  thread_local RequestDecoder decoder;
  return decoder;
}

CandidatesMemo& ThreadMemo() {
  thread_local CandidatesMemo memo;
  return memo;
}

// Observes the elapsed time into a histogram when it goes out of scope.
class ScopedTimer {
 public:
  explicit ScopedTimer(prometheus::Histogram& histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    histogram_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  prometheus::Histogram& histogram_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

ExtenderService::ExtenderService(const Extender& extender, ExtenderMetrics& metrics)
    : extender_(extender), metrics_(metrics) {}

http::Response ExtenderService::Handle(http::Request& request) {
  absl::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  absl::string_view verb = path.substr(std::min(path.size(), kExtenderPathPrefix.size()));
  if (verb != "filter" && verb != "prioritize" && verb != "preempt") {
    return http::ErrorResponse(404, absl::StrCat("unknown extender verb '", verb,
                                       "'; Spillway serves filter, prioritize and preempt "
                                       "(kube-scheduler binds by itself)"));
  }
  if (request.method != "POST") {
    return http::ErrorResponse(405, absl::StrCat("extender verbs take POST, not ", request.method));
  }
  if (verb == "preempt") return Preempt(request);
  return Filter(request, verb == "prioritize");
}

void ExtenderService::CountIntent(const absl::StatusOr<burst::PodPolicy>& policy) {
  if (policy.ok()) {
    metrics_.Intent(policy->intent).Increment();
  } else {
    metrics_.InvalidIntent().Increment();
  }
}

http::Response ExtenderService::Filter(http::Request& request, bool prioritize) {
  const Verb verb = prioritize ? Verb::kPrioritize : Verb::kFilter;
  ScopedTimer timer(metrics_.Duration(verb));
  CandidatesMemo& memo = ThreadMemo();
  RequestDecoder& decoder = ThreadDecoder();
  decoder.MarkNamesStartingWith(memo.VirtualFirstBytes(extender_));
  // The decoder may keep the body's storage (and give back another for the
  // connection to reuse): request.body is not read after this.
  absl::StatusOr<ExtenderArgs> args = decoder.DecodeExtenderArgs(&request.body);
  if (!args.ok()) {
    metrics_.RequestBad(verb).Increment();
    LOG(WARNING) << "verb=" << VerbName(verb) << " bad_request=true error=" << LogValue(args.status().message());
    if (prioritize) return http::ErrorResponse(400, args.status().message());
    EncodeFilterError(args.status().message(), &request.response_buffer);
    return Json(200, std::move(request.response_buffer));
  }
  metrics_.RequestOk(verb).Increment();
  if (args->node_names != nullptr && !extender_.has_view()) {
    LOG_FIRST_N(INFO, 1) << "names mode (nodeCacheCapable: true) without cluster access: "
                            "classifying nodes by name";
  }
  absl::StatusOr<burst::PodPolicy> policy = extender_.Resolve(args->pod);
  const NodeClasses& classes = memo.Classes(extender_, *args);
  if (prioritize) {
    HostScores scores = extender_.Prioritize(*args, policy, classes);
    VLOG(1) << "verb=prioritize pod=" << args->pod.Key() << " nodes=" << scores.size();
    memo.EncodePriorities(*args, std::move(scores), &request.response_buffer);
    return Json(200, std::move(request.response_buffer));
  }
  CountIntent(policy);
  FilterResult result = extender_.Filter(*args, policy, classes);
  const size_t passed = result.PassedCount(args->NodeCount());
  metrics_.filter_passed().Increment(static_cast<double>(passed));
  metrics_.filter_failed().Increment(static_cast<double>(result.failed.size()));
  metrics_.filter_unresolvable().Increment(static_cast<double>(result.unresolvable.size()));
  VLOG(1) << "verb=filter pod=" << args->pod.Key()
          << " intent=" << (policy.ok() ? burst::IntentName(policy->intent) : "invalid")
          << " passed=" << passed << " failed=" << result.failed.size()
          << " unresolvable=" << result.unresolvable.size()
          << " reason=" << LogValue(policy.ok() ? policy->reason : policy.status().message());
  // A compact names list's first answer borrows the list's bytes (pieces
  // sent with a gathered write) rather than copying them.
  std::shared_ptr<const TextPieces> pieces;
  memo.EncodeFilter(*args, std::move(result), &request.response_buffer, &pieces);
  http::Response response = Json(200, std::move(request.response_buffer));
  response.body_pieces = std::move(pieces);
  return response;
}

http::Response ExtenderService::Preempt(http::Request& request) {
  ScopedTimer timer(metrics_.Duration(Verb::kPreempt));
  absl::StatusOr<PreemptionArgs> args =
      ThreadDecoder().DecodePreemptionArgs(request.body, request.body.capacity());
  if (!args.ok()) {
    metrics_.RequestBad(Verb::kPreempt).Increment();
    LOG(WARNING) << "verb=preempt bad_request=true error=" << LogValue(args.status().message());
    return http::ErrorResponse(400, args.status().message());
  }
  metrics_.RequestOk(Verb::kPreempt).Increment();
  absl::StatusOr<burst::PodPolicy> policy = extender_.Resolve(args->pod);
  PreemptionResult result = extender_.Preempt(*args, policy);
  metrics_.preempt_kept().Increment(static_cast<double>(result.kept.size()));
  metrics_.preempt_dropped().Increment(
      static_cast<double>(args->node_victims.size() - result.kept.size()));
  VLOG(1) << "verb=preempt pod=" << args->pod.Key() << " candidates=" << args->node_victims.size()
          << " kept=" << result.kept.size();
  EncodePreemptionResult(result, &request.response_buffer);
  return Json(200, std::move(request.response_buffer));
}

}  // namespace spillway::scheduler
