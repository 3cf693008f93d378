#include "common/http/server_metrics.h"

#include "prometheus/counter.h"
#include "prometheus/gauge.h"

namespace spillway::http {
namespace {

// One family; the registry hands back the same one on every call.
prometheus::Counter& Closed(prometheus::Registry& registry, const std::string& listener,
                            const std::string& reason) {
  return prometheus::BuildCounter()
      .Name("spillway_http_connections_closed_total")
      .Help("Connections the server closed, by reason")
      .Register(registry)
      .Add({{"listener", listener}, {"reason", reason}});
}

}  // namespace

ServerMetrics::ServerMetrics(prometheus::Registry& registry, const std::string& listener)
    : open_connections(prometheus::BuildGauge()
                           .Name("spillway_http_open_connections")
                           .Help("Connections open on the port")
                           .Register(registry)
                           .Add({{"listener", listener}})),
      body_bytes_in_flight(prometheus::BuildGauge()
                               .Name("spillway_http_body_bytes_in_flight")
                               .Help("Request body bytes admitted and not yet answered "
                                     "(capped by server.maxBodyBytesInFlight)")
                               .Register(registry)
                               .Add({{"listener", listener}})),
      accept_errors(prometheus::BuildCounter()
                        .Name("spillway_http_accept_errors_total")
                        .Help("Failed accept() calls, e.g. out of file descriptors; the "
                              "server backs off and closes its longest-idle connection")
                        .Register(registry)
                        .Add({{"listener", listener}})),
      requests_shed(prometheus::BuildCounter()
                        .Name("spillway_http_requests_shed_total")
                        .Help("Requests answered 503 because the bodies in flight would pass "
                              "server.maxBodyBytesInFlight")
                        .Register(registry)
                        .Add({{"listener", listener}})),
      closed_idle_limit(Closed(registry, listener, "idle_limit")),
      closed_idle_timeout(Closed(registry, listener, "idle_timeout")),
      closed_header_timeout(Closed(registry, listener, "header_timeout")),
      closed_body_timeout(Closed(registry, listener, "body_timeout")),
      certificate_expiry(prometheus::BuildGauge()
                             .Name("spillway_tls_certificate_expiry_timestamp_seconds")
                             .Help("notAfter of the serving certificate (Unix seconds); 0 "
                                   "for plain HTTP")
                             .Register(registry)
                             .Add({{"listener", listener}})),
      responses_family(prometheus::BuildCounter()
                           .Name("spillway_http_responses_total")
                           .Help("Answers by status code (other codes under 2xx/4xx/5xx)")
                           .Register(registry)),
      listener(listener) {
  for (int code : {200, 201, 400, 401, 403, 404, 405, 406, 409, 410, 413, 415, 422, 429, 431, 500, 503}) {
    responses[code] = &responses_family.Add({{"listener", listener}, {"code", std::to_string(code)}});
  }
}

void ServerMetrics::CountResponse(int status) {
  auto known = responses.find(status);
  if (known != responses.end()) {
    known->second->Increment();
    return;
  }
  responses_family.Add({{"listener", listener}, {"code", std::to_string(status / 100) + "xx"}}).Increment();
}

}  // namespace spillway::http
