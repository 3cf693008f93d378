// Mutating admission webhooks, as kube-apiserver calls them: on CREATE (and
// UPDATE) of a matching resource, every webhook of every
// MutatingWebhookConfiguration whose rules, namespaceSelector and
// objectSelector match is sent an AdmissionReview v1 over HTTPS
// (clientConfig.url, trusting clientConfig.caBundle), in order; an allowed
// answer's JSONPatch is applied before the next webhook sees the object; a
// denial or (with failurePolicy: Fail, the default) a failed call refuses the
// request. clientConfig.service is called as kube-apiserver calls it: at an
// endpoint of the Service's EndpointSlices (resolved by the caller), its
// certificate verified for <service>.<namespace>.svc; a Service with no ready
// endpoint is a failed call. A call that failed under failurePolicy: Ignore is
// reported to the caller (the API server logs it and records a Warning
// Event), never skipped silently.
#ifndef SPILLWAY_SIM_APISERVER_ADMISSION_H_
#define SPILLWAY_SIM_APISERVER_ADMISSION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "absl/status/status.h"
#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"
#include "sim/apiserver/webhook_clients.h"

namespace spillway::sim {

// Where a webhook Service can be called: an endpoint address and port.
struct ServiceEndpoint {
  std::string host;
  uint16_t port = 0;
};

// Resolves clientConfig.service (namespace, name, port) to an endpoint;
// Unavailable naming the Service when none is ready.
using ServiceResolver =
    std::function<absl::StatusOr<ServiceEndpoint>(const std::string& ns, const std::string& name, int port)>;

// A webhook call that failed and was ignored (failurePolicy: Ignore).
struct IgnoredWebhookFailure {
  std::string configuration;  // The MutatingWebhookConfiguration's name.
  std::string webhook;
  std::string message;
};

struct AdmissionRequest {
  const ResourceType* type;
  std::string operation;  // "CREATE" or "UPDATE"
  std::string namespace_;
  boost::json::object namespace_labels;  // Of the request's namespace.
  // ?dryRun=All: the review says dryRun: true, and a webhook whose
  // sideEffects are not None or NoneOnDryRun refuses the request.
  bool dry_run = false;
  ServiceResolver resolve_service;  // Null: a service clientConfig is a failed call.
  // Connections kept between calls (must outlive the call). Null: a new
  // connection per call.
  WebhookClients* clients = nullptr;
};

// Runs the webhooks of `configurations` (MutatingWebhookConfiguration
// objects) on `object`, mutating it. Errors: PermissionDenied-like
// InvalidArgument when a webhook denies ("admission webhook \"x\" denied the
// request: ..."), Internal when a call fails under failurePolicy: Fail,
// InvalidArgument ("admission webhook \"x\" does not support dry run") when
// a dry run reaches a webhook with side effects.
// The webhooks' `warnings` are appended to `*warnings` (the API server returns
// them as Warning headers, which kubectl prints).
// Calls that failed under failurePolicy: Ignore are appended to `*ignored`.
absl::Status RunMutatingWebhooks(const std::vector<boost::json::object>& configurations,
                                 const AdmissionRequest& request, boost::json::object& object,
                                 std::vector<std::string>* warnings, std::vector<IgnoredWebhookFailure>* ignored);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_ADMISSION_H_
