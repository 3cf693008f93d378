// autoscaling/v1 HorizontalPodAutoscalers, served over the autoscaling/v2
// storage as kube-apiserver serves them (`kubectl autoscale` writes v1):
// v1's targetCPUUtilizationPercentage is v2's Resource cpu Utilization
// metric, and what v1 cannot express (other metrics, behavior, conditions)
// rides in the annotations kube uses (autoscaling.alpha.kubernetes.io/
// metrics, .../behavior, .../conditions, .../current-metrics), so a v1
// round trip keeps a v2 object whole.
//
// Thread-safe (pure functions; ServeHpaV1 calls the v2 handler it is given).
#ifndef SPILLWAY_SIM_APISERVER_HPA_V1_H_
#define SPILLWAY_SIM_APISERVER_HPA_V1_H_

#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "common/http/server.h"

namespace spillway::sim {

// A v1 HorizontalPodAutoscaler as v2 (apiVersion autoscaling/v2).
boost::json::object HpaV1ToV2(const boost::json::object& v1);
// A v2 HorizontalPodAutoscaler as v1 (apiVersion autoscaling/v1).
boost::json::object HpaV2ToV1(const boost::json::object& v2);

// Whether `path` (no query) is under /apis/autoscaling/v1/.
bool IsHpaV1Path(std::string_view path);

// Serves a request under /apis/autoscaling/v1/ through `v2`, the API server's
// own handler for the v2 path: bodies converted on the way in, answers
// (objects, lists) on the way out; a patch is applied to the v1 form of the
// stored object and written back with its resourceVersion. A watch, or
// server-side apply, of v1 answers 405 naming autoscaling/v2.
http::Response ServeHpaV1(http::Request& request, const std::function<http::Response(http::Request&)>& v2);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_HPA_V1_H_
