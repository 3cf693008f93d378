// Calls one scheduler extender as kube-scheduler's HTTPExtender does:
// POST <urlPrefix>/<verb> with ExtenderArgs ({"Pod", "Nodes" | "NodeNames"}
// per nodeCacheCapable), reading ExtenderFilterResult and HostPriorityList
// (k8s.io/kube-scheduler/extender/v1). Not thread-safe: one caller.
#ifndef SPILLWAY_SIM_SCHEDULER_EXTENDER_CLIENT_H_
#define SPILLWAY_SIM_SCHEDULER_EXTENDER_CLIENT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "common/http/client.h"
#include "sim/scheduler/scheduler_config.h"

namespace spillway::sim {

struct ExtenderFilterAnswer {
  std::vector<std::string> feasible;                     // Node names that passed.
  std::map<std::string, std::string> failed;             // name -> reason (preemption may help)
  std::map<std::string, std::string> failed_unresolvable;
};

class ExtenderClient {
 public:
  // `address` replaces the urlPrefix's host:port when not empty (the sim
  // knows where it started Spillway; the shipped config names a Service).
  static absl::StatusOr<std::unique_ptr<ExtenderClient>> Create(const ExtenderConfig& config,
                                                                const std::string& address);

  const ExtenderConfig& config() const { return config_; }

  // Whether the extender wants this pod: it manages no resources, or the
  // pod requests one it manages.
  bool IsInterested(const boost::json::object& pod) const;

  // `nodes` are the full Node objects of the candidates, in order.
  absl::StatusOr<ExtenderFilterAnswer> Filter(const boost::json::object& pod,
                                              const std::vector<const boost::json::object*>& nodes);
  // Scores 0..10 by node name.
  absl::StatusOr<std::map<std::string, int64_t>> Prioritize(const boost::json::object& pod,
                                                            const std::vector<const boost::json::object*>& nodes);

 private:
  ExtenderClient(ExtenderConfig config, std::string path, http::ClientOptions options);
  std::string Args(const boost::json::object& pod, const std::vector<const boost::json::object*>& nodes) const;
  absl::StatusOr<boost::json::value> Post(const std::string& verb, const std::string& body);

  ExtenderConfig config_;
  std::string path_;
  http::Client client_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_SCHEDULER_EXTENDER_CLIENT_H_
