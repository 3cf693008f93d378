// The extender's HTTP endpoints: POST <prefix>/filter, /prioritize, /preempt.
//
// Decodes kube-scheduler's JSON, asks the Extender, encodes the answer, counts
// and times it, and logs each decision at VLOG(1). Bad requests never crash or
// wedge the server:
//  * filter answers 200 with ExtenderFilterResult.Error (the protocol's error
//    channel, which kube-scheduler shows to the user);
//  * prioritize and preempt have no error field, so they answer 400 with
//    {"Error": "..."};
//  * an unknown verb is 404 and a method other than POST is 405.
//
// Thread-safe: each request thread uses its own RequestDecoder.
#ifndef SPILLWAY_SCHEDULER_EXTENDER_SERVICE_H_
#define SPILLWAY_SCHEDULER_EXTENDER_SERVICE_H_

#include "absl/strings/string_view.h"
#include "common/http/server.h"
#include "scheduler/extender.h"
#include "scheduler/metrics.h"

namespace spillway::scheduler {

inline constexpr absl::string_view kExtenderPathPrefix = "/extender/";

class ExtenderService {
 public:
  // `extender` and `metrics` must outlive the service.
  ExtenderService(const Extender& extender, ExtenderMetrics& metrics);

  // Handles a request whose target starts with kExtenderPathPrefix.
  http::Response Handle(http::Request& request);

 private:
  http::Response Filter(http::Request& request, bool prioritize);
  http::Response Preempt(http::Request& request);
  void CountIntent(const absl::StatusOr<burst::PodPolicy>& policy);

  const Extender& extender_;
  ExtenderMetrics& metrics_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_EXTENDER_SERVICE_H_
