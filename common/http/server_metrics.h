// Metrics of one listening port (`listener` label: "main", "metrics"), built
// once from the registry /metrics serves and handed to http::Server through
// ServerOptions. They show an operator what the limits of the README's
// reliability section are doing:
//
//   spillway_http_open_connections{listener}              gauge
//   spillway_http_body_bytes_in_flight{listener}          gauge
//   spillway_http_accept_errors_total{listener}           e.g. out of file descriptors
//   spillway_http_requests_shed_total{listener}           503: bodies in flight over the cap
//   spillway_http_connections_closed_total{listener,reason}
//       idle_limit | idle_timeout | header_timeout | body_timeout
//   spillway_tls_certificate_expiry_timestamp_seconds{listener}  serving certificate's notAfter
//   spillway_http_responses_total{listener,code}          every answer, 404/405/413/431 included
//
// Thread-safe (prometheus-cpp metrics are).
#ifndef SPILLWAY_COMMON_HTTP_SERVER_METRICS_H_
#define SPILLWAY_COMMON_HTTP_SERVER_METRICS_H_

#include <map>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace spillway::http {

struct ServerMetrics {
  // `registry` must outlive the metrics.
  ServerMetrics(prometheus::Registry& registry, const std::string& listener);

  prometheus::Gauge& open_connections;
  prometheus::Gauge& body_bytes_in_flight;
  prometheus::Counter& accept_errors;
  prometheus::Counter& requests_shed;
  prometheus::Counter& closed_idle_limit;
  prometheus::Counter& closed_idle_timeout;
  prometheus::Counter& closed_header_timeout;
  prometheus::Counter& closed_body_timeout;
  prometheus::Gauge& certificate_expiry;

  // Counts an answer of `status`. The codes the server and Spillway's
  // handlers give exist from start-up at 0 (so rate() works before the first
  // one); any other code is counted under its class ("2xx", "4xx", "5xx"),
  // keeping the label set bounded.
  void CountResponse(int status);

  prometheus::Family<prometheus::Counter>& responses_family;
  const std::string listener;
  std::map<int, prometheus::Counter*> responses;  // Filled at construction; read-only after.
};

}  // namespace spillway::http

#endif  // SPILLWAY_COMMON_HTTP_SERVER_METRICS_H_
