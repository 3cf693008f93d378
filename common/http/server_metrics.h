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
//
// Thread-safe (prometheus-cpp metrics are).
#ifndef SPILLWAY_COMMON_HTTP_SERVER_METRICS_H_
#define SPILLWAY_COMMON_HTTP_SERVER_METRICS_H_

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
};

}  // namespace spillway::http

#endif  // SPILLWAY_COMMON_HTTP_SERVER_METRICS_H_
