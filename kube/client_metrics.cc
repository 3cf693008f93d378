#include "kube/client_metrics.h"

#include "absl/strings/str_cat.h"

namespace spillway::kube {
namespace {

// client-go's: ExponentialBuckets(10e-9, 10, 10), 10 ns to 10 s.
const prometheus::Histogram::BucketBoundaries& WorkQueueBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      1e-08, 1e-07, 1e-06, 1e-05, 0.0001, 0.001, 0.01, 0.1, 1.0, 10.0};
  return *kBuckets;
}

// client-go's request latency buckets (component-base's restclient metrics).
const prometheus::Histogram::BucketBoundaries& RequestBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0};
  return *kBuckets;
}

}  // namespace

WorkQueueMetrics::WorkQueueMetrics(prometheus::Registry& registry)
    : depth_(prometheus::BuildGauge().Name("workqueue_depth").Help("Current depth of workqueue").Register(registry)),
      adds_(prometheus::BuildCounter()
                .Name("workqueue_adds_total")
                .Help("Total number of adds handled by workqueue")
                .Register(registry)),
      queue_duration_(prometheus::BuildHistogram()
                          .Name("workqueue_queue_duration_seconds")
                          .Help("How long in seconds an item stays in workqueue before being requested")
                          .Register(registry)),
      work_duration_(prometheus::BuildHistogram()
                         .Name("workqueue_work_duration_seconds")
                         .Help("How long in seconds processing an item from workqueue takes")
                         .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("workqueue_retries_total")
                   .Help("Total number of retries handled by workqueue")
                   .Register(registry)) {}

WorkQueueMetrics::Queue WorkQueueMetrics::ForQueue(const std::string& name) {
  const prometheus::Labels labels{{"name", name}};
  return Queue{depth_.Add(labels), adds_.Add(labels), queue_duration_.Add(labels, WorkQueueBuckets()),
               work_duration_.Add(labels, WorkQueueBuckets()), retries_.Add(labels)};
}

RestClientMetrics::RestClientMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("rest_client_requests_total")
                    .Help("Number of HTTP requests, partitioned by status code, method, and host")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("rest_client_request_duration_seconds")
                    .Help("Request latency in seconds. Broken down by verb, and host")
                    .Register(registry)),
      watch_events_(prometheus::BuildCounter()
                        .Name("spillway_informer_watch_events_total")
                        .Help("Watch events (added, modified, deleted) applied to Spillway's informer caches, "
                              "their handlers run, per resource")
                        .Register(registry)) {}

void RestClientMetrics::DeclareWatchResource(const std::string& resource) {
  watch_events_.Add({{"resource", resource}});
}

void RestClientMetrics::CountWatchEvent(const std::string& resource) {
  watch_events_.Add({{"resource", resource}}).Increment();
}

void RestClientMetrics::Observe(absl::string_view host, absl::string_view method, int code, absl::Duration took) {
  const std::string host_label(host);
  const std::string method_label(method);
  requests_.Add({{"code", code == 0 ? std::string("<error>") : absl::StrCat(code)}, {"method", method_label},
                 {"host", host_label}})
      .Increment();
  duration_.Add({{"verb", method_label}, {"host", host_label}}, RequestBuckets()).Observe(absl::ToDoubleSeconds(took));
}

}  // namespace spillway::kube
