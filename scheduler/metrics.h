// The extender's Prometheus metrics, declared together (Envoy style) and built
// from the registry the server exposes at /metrics. Every label child is
// created up front, so the request path only increments.
//
//   spillway_extender_requests_total{verb,outcome}   outcome: ok | bad_request
//   spillway_extender_node_decisions_total{verb,outcome}
//       filter: passed | failed | unresolvable; preempt: kept | dropped
//   spillway_extender_pod_intents_total{intent}      none | ecs | eci | eci_only | invalid
//   spillway_extender_request_duration_seconds{verb} (histogram)
#ifndef SPILLWAY_SCHEDULER_METRICS_H_
#define SPILLWAY_SCHEDULER_METRICS_H_

#include <array>

#include "burst/intent.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace spillway::scheduler {

enum class Verb { kFilter = 0, kPrioritize = 1, kPreempt = 2 };
inline constexpr int kVerbCount = 3;
absl::string_view VerbName(Verb verb);

class ExtenderMetrics {
 public:
  // `registry` must outlive the metrics.
  explicit ExtenderMetrics(prometheus::Registry& registry);

  prometheus::Counter& RequestOk(Verb verb) { return *requests_ok_[Index(verb)]; }
  prometheus::Counter& RequestBad(Verb verb) { return *requests_bad_[Index(verb)]; }
  prometheus::Histogram& Duration(Verb verb) { return *duration_[Index(verb)]; }
  prometheus::Counter& Intent(burst::Intent intent) { return *intents_[static_cast<int>(intent)]; }
  prometheus::Counter& InvalidIntent() { return *invalid_intent_; }

  prometheus::Counter& filter_passed() { return *filter_passed_; }
  prometheus::Counter& filter_failed() { return *filter_failed_; }
  prometheus::Counter& filter_unresolvable() { return *filter_unresolvable_; }
  prometheus::Counter& preempt_kept() { return *preempt_kept_; }
  prometheus::Counter& preempt_dropped() { return *preempt_dropped_; }

 private:
  static int Index(Verb verb) { return static_cast<int>(verb); }

  std::array<prometheus::Counter*, kVerbCount> requests_ok_;
  std::array<prometheus::Counter*, kVerbCount> requests_bad_;
  std::array<prometheus::Histogram*, kVerbCount> duration_;
  std::array<prometheus::Counter*, 4> intents_;
  prometheus::Counter* invalid_intent_;
  prometheus::Counter* filter_passed_;
  prometheus::Counter* filter_failed_;
  prometheus::Counter* filter_unresolvable_;
  prometheus::Counter* preempt_kept_;
  prometheus::Counter* preempt_dropped_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_METRICS_H_
