// The parts of a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)
// the scheduler stand-in honours: the profile's schedulerName,
// percentageOfNodesToScore, and every extender with its verbs, weight,
// nodeCacheCapable, httpTimeout, ignorable and managedResources
// (docs/simulated-cluster.md). Thread-compatible.
#ifndef SPILLWAY_SIM_SCHEDULER_SCHEDULER_CONFIG_H_
#define SPILLWAY_SIM_SCHEDULER_SCHEDULER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace spillway::sim {

struct ExtenderConfig {
  std::string url_prefix;  // http://host:port/path
  std::string filter_verb;
  std::string prioritize_verb;
  std::string preempt_verb;
  std::string bind_verb;
  int64_t weight = 1;
  bool enable_https = false;
  bool node_cache_capable = false;
  bool ignorable = false;
  absl::Duration http_timeout = absl::Seconds(5);  // kube-scheduler's default
  std::vector<std::string> managed_resources;     // names only; empty: every pod
};

struct SchedulerConfig {
  std::string scheduler_name = "default-scheduler";
  int percentage_of_nodes_to_score = 0;  // 0: adaptive
  std::vector<ExtenderConfig> extenders;
};

// Parses the YAML text of a KubeSchedulerConfiguration. Errors name the
// field ("extenders[0].httpTimeout: \"ten\" is not a duration").
absl::StatusOr<SchedulerConfig> ParseSchedulerConfig(const std::string& yaml);

// Splits an extender's urlPrefix into host, port and path.
struct ExtenderAddress {
  std::string host;
  uint16_t port = 80;
  std::string path;
};
absl::StatusOr<ExtenderAddress> ParseUrlPrefix(const std::string& url_prefix);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_SCHEDULER_SCHEDULER_CONFIG_H_
