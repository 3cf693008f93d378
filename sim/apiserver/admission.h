// Mutating admission webhooks, as kube-apiserver calls them: on CREATE (and
// UPDATE) of a matching resource, every webhook of every
// MutatingWebhookConfiguration whose rules, namespaceSelector and
// objectSelector match is sent an AdmissionReview v1 over HTTPS
// (clientConfig.url, trusting clientConfig.caBundle), in order; an allowed
// answer's JSONPatch is applied before the next webhook sees the object; a
// denial or (with failurePolicy: Fail, the default) a failed call refuses the
// request. clientConfig.service cannot be resolved here (there is no
// cluster network) and counts as a failed call.
#ifndef SPILLWAY_SIM_APISERVER_ADMISSION_H_
#define SPILLWAY_SIM_APISERVER_ADMISSION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"

namespace spillway::sim {

struct AdmissionRequest {
  const ResourceType* type;
  std::string operation;  // "CREATE" or "UPDATE"
  std::string namespace_;
  boost::json::object namespace_labels;  // Of the request's namespace.
  // ?dryRun=All: the review says dryRun: true, and a webhook whose
  // sideEffects are not None or NoneOnDryRun refuses the request.
  bool dry_run = false;
};

// Runs the webhooks of `configurations` (MutatingWebhookConfiguration
// objects) on `object`, mutating it. Errors: PermissionDenied-like
// InvalidArgument when a webhook denies ("admission webhook \"x\" denied the
// request: ..."), Internal when a call fails under failurePolicy: Fail,
// InvalidArgument ("admission webhook \"x\" does not support dry run") when
// a dry run reaches a webhook with side effects.
// The webhooks' `warnings` are appended to `*warnings` (the API server returns
// them as Warning headers, which kubectl prints).
absl::Status RunMutatingWebhooks(const std::vector<boost::json::object>& configurations,
                                 const AdmissionRequest& request, boost::json::object& object,
                                 std::vector<std::string>* warnings);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_ADMISSION_H_
