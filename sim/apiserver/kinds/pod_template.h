// What the kinds that hold pods share: defaulting a pod spec
// (SetDefaults_PodSpec, SetDefaults_Container), the required fields of a pod
// (template) and a workload's selector rules, worded as kube-apiserver words
// them, the strategy the selector-owning workloads share, and the small
// defaulting helpers every strategy uses.
// Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_KINDS_POD_TEMPLATE_H_
#define SPILLWAY_SIM_APISERVER_KINDS_POD_TEMPLATE_H_

#include <string>
#include <vector>

#include "boost/json.hpp"
#include "sim/apiserver/strategy.h"

namespace spillway::sim::kinds {

// The object at `key`, made an empty object first when absent or not one.
boost::json::object& ObjectField(boost::json::object& parent, const char* key);

// Sets `key` to `value` when it is absent or null.
void SetDefault(boost::json::object& object, const char* key, boost::json::value value);

// A pod spec's defaults: restartPolicy, dnsPolicy, grace period, scheduler,
// and each container's pull policy and termination message.
void DefaultPodSpec(boost::json::object& spec);

// A workload spec's template.spec defaults (creating the template if needed).
void DefaultTemplate(boost::json::object& spec);

// Appends the problems of a pod spec's containers (each with a name and an
// image); `prefix` is where the spec is ("spec." or "spec.template.spec.").
void RequireContainers(const boost::json::object* pod_spec, const std::string& prefix,
                       std::vector<std::string>& problems);

// Appends the problems of a workload: a selector matching its template's
// labels (not for a Job, whose selector the server generates), the
// template's containers and, for a Job, a restartPolicy of Never or OnFailure.
void RequireWorkload(const boost::json::object& object, bool job, std::vector<std::string>& problems);

// Appends "spec.selector: ... field is immutable" when an update changes a
// workload's selector.
void RequireSameSelector(const boost::json::object& old_object, const boost::json::object& object,
                         std::vector<std::string>& problems);

// The strategy the workloads that own pods through a selector share
// (Deployment, ReplicaSet, StatefulSet, DaemonSet): their selector must match
// their template's labels, their template needs containers, and the selector
// never changes.
class SelectorWorkloadStrategy : public KindStrategy {
 public:
  void Validate(const boost::json::object& object, std::vector<std::string>& problems) const override {
    RequireWorkload(object, /*job=*/false, problems);
  }

  void ValidateUpdate(const boost::json::object& old_object, const boost::json::object& object,
                      std::vector<std::string>& problems) const override {
    RequireSameSelector(old_object, object, problems);
  }
};

}  // namespace spillway::sim::kinds

#endif  // SPILLWAY_SIM_APISERVER_KINDS_POD_TEMPLATE_H_
