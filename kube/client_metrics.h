// Prometheus metrics of Spillway's Kubernetes client under the names client-go
// publishes, so the dashboards and alerts platform teams already have for
// controllers work on Spillway unchanged:
//  - workqueue_{depth,adds_total,queue_duration_seconds,work_duration_seconds,retries_total}{name}
//    for each controller's WorkQueue (client-go's util/workqueue);
//  - rest_client_requests_total{code,method,host} and
//    rest_client_request_duration_seconds{verb,host} for every API call
//    (client-go's rest client; a call that got no answer has code "<error>").
// Label sets are bounded: queue names are the controllers' fixed names, hosts
// the one API server, methods and codes HTTP's.
//
// Thread-safe (prometheus-cpp's families and series are).
#ifndef SPILLWAY_KUBE_CLIENT_METRICS_H_
#define SPILLWAY_KUBE_CLIENT_METRICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace spillway::kube {

class WorkQueueMetrics {
 public:
  // One queue's series, labelled name=<queue>.
  struct Queue {
    prometheus::Gauge& depth;
    prometheus::Counter& adds;
    prometheus::Histogram& queue_duration;
    prometheus::Histogram& work_duration;
    prometheus::Counter& retries;
  };

  // `registry` must outlive the metrics.
  explicit WorkQueueMetrics(prometheus::Registry& registry);

  // The series of the queue `name`, created at 0 (asking twice answers the
  // same series).
  Queue ForQueue(const std::string& name);

 private:
  prometheus::Family<prometheus::Gauge>& depth_;
  prometheus::Family<prometheus::Counter>& adds_;
  prometheus::Family<prometheus::Histogram>& queue_duration_;
  prometheus::Family<prometheus::Histogram>& work_duration_;
  prometheus::Family<prometheus::Counter>& retries_;
};

class RestClientMetrics {
 public:
  // `registry` must outlive the metrics.
  explicit RestClientMetrics(prometheus::Registry& registry);

  // One request to `host` ("host:port"): `code` is the HTTP status, 0 when no
  // answer came (counted as "<error>"); `took` until the answer's header
  // (a watch: until it was established).
  void Observe(absl::string_view host, absl::string_view method, int code, absl::Duration took);
  // One ADDED, MODIFIED or DELETED watch event of `resource` ("pods",
  // "elasticworkloads.autoscaling.alibabacloud.com") applied to an
  // informer's cache, its handlers run (or skipped as undecodable):
  // spillway_informer_watch_events_total. With rest_client_requests_total it
  // shows the API traffic Spillway takes in; the simulated cluster compares it
  // with what the API server sent to know Spillway has caught up.
  void CountWatchEvent(const std::string& resource);
  // Creates `resource`'s series at 0 (when its informer starts).
  void DeclareWatchResource(const std::string& resource);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& watch_events_;
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_CLIENT_METRICS_H_
