#include "scheduler/metrics.h"

#include <string>

#include "common/latency_buckets.h"

namespace spillway::scheduler {

absl::string_view VerbName(Verb verb) {
  switch (verb) {
    case Verb::kFilter:
      return "filter";
    case Verb::kPrioritize:
      return "prioritize";
    case Verb::kPreempt:
      return "preempt";
  }
  return "unknown";
}

ExtenderMetrics::ExtenderMetrics(prometheus::Registry& registry) {
  auto& requests = prometheus::BuildCounter()
                       .Name("spillway_extender_requests_total")
                       .Help("Extender requests from kube-scheduler, by verb and outcome.")
                       .Register(registry);
  auto& decisions = prometheus::BuildCounter()
                        .Name("spillway_extender_node_decisions_total")
                        .Help("Per-node extender decisions, by verb and outcome.")
                        .Register(registry);
  auto& intents = prometheus::BuildCounter()
                      .Name("spillway_extender_pod_intents_total")
                      .Help("Pods seen by the extender, by resolved burst intent.")
                      .Register(registry);
  auto& duration = prometheus::BuildHistogram()
                       .Name("spillway_extender_request_duration_seconds")
                       .Help("Time from a complete request body to the encoded answer, by verb.")
                       .Register(registry);
  const prometheus::Histogram::BucketBoundaries& buckets = LatencyBuckets();
  for (Verb verb : {Verb::kFilter, Verb::kPrioritize, Verb::kPreempt}) {
    const std::string name(VerbName(verb));
    requests_ok_[Index(verb)] = &requests.Add({{"verb", name}, {"outcome", "ok"}});
    requests_bad_[Index(verb)] = &requests.Add({{"verb", name}, {"outcome", "bad_request"}});
    duration_[Index(verb)] = &duration.Add({{"verb", name}}, buckets);
  }
  for (burst::Intent intent : {burst::Intent::kNone, burst::Intent::kEcs, burst::Intent::kBurst,
                               burst::Intent::kEciOnly}) {
    intents_[static_cast<int>(intent)] =
        &intents.Add({{"intent", std::string(burst::IntentName(intent))}});
  }
  invalid_intent_ = &intents.Add({{"intent", "invalid"}});
  filter_passed_ = &decisions.Add({{"verb", "filter"}, {"outcome", "passed"}});
  filter_failed_ = &decisions.Add({{"verb", "filter"}, {"outcome", "failed"}});
  filter_unresolvable_ = &decisions.Add({{"verb", "filter"}, {"outcome", "unresolvable"}});
  preempt_kept_ = &decisions.Add({{"verb", "preempt"}, {"outcome", "kept"}});
  preempt_dropped_ = &decisions.Add({{"verb", "preempt"}, {"outcome", "dropped"}});
}

}  // namespace spillway::scheduler
