// The standard process_* metrics of Prometheus client libraries (what the Go
// and Java clients export and dashboards expect): CPU seconds, resident and
// virtual memory, open and maximum file descriptors, start time, threads.
// Read from /proc/self at each scrape; Linux only. prometheus-cpp's core has
// no such collector, so this is one.
//
// Thread-safe: Collect() reads /proc and keeps no state.
#ifndef SPILLWAY_COMMON_PROCESS_METRICS_H_
#define SPILLWAY_COMMON_PROCESS_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace spillway {

class ProcessMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace spillway

#endif  // SPILLWAY_COMMON_PROCESS_METRICS_H_
