// How the embedded API server answers, in kube-apiserver's words: JSON
// bodies, meta/v1 Status errors with their codes and reasons, Warning
// headers, the 422 "is invalid" wording, and reading a request's query.
// Used by every file of the API server (api_server*.cc). Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_RESPONSES_H_
#define SPILLWAY_SIM_APISERVER_RESPONSES_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "boost/json.hpp"
#include "common/http/server.h"
#include "sim/apiserver/resource_info.h"

namespace spillway::sim {

// A JSON body with `status`.
http::Response JsonResponse(int status, const boost::json::value& body);

// A 200 list: `head`'s fields (kind, apiVersion, metadata), then "items"
// written from each item's stored JSON as it is, not decoded and encoded
// again.
http::Response ListResponse(const boost::json::object& head, const std::vector<ListedObject>& items);

// A meta/v1 Status, the body of every error.
// `extra` adds or replaces fields (a list's metadata.continue, details).
http::Response StatusResponse(int code, std::string_view reason, std::string_view message,
                              boost::json::object extra = {});

// A 400 BadRequest Status carrying `status`'s message.
http::Response BadRequest(const absl::Status& status);

// The Status kube-apiserver answers for `status`: its code mapped to the
// HTTP status and reason (NotFound 404, AlreadyExists 409, Conflict 409,
// InvalidArgument 422 Invalid, ResourceExhausted 413/429, ...).
http::Response ErrorResponse(const absl::Status& status);

// Adds `warnings` as Warning headers: RFC 7234 warn-code 299, as
// kube-apiserver sends admission and field-validation warnings.
http::Response WithWarnings(http::Response response, const std::vector<std::string>& warnings);

// "<Kind>[.<group>] "<name>" is invalid: <problem>" (or "[p1, p2]"), as
// kube-apiserver words a 422.
absl::Status Invalid(const ResourceInfo& info, const std::string& name, const std::vector<std::string>& problems);

// kube-apiserver's refusal of a dryRun value other than All.
std::string DryRunRefusal(const std::string& value);

// %XX escapes; in a query (not a path) '+' is a space too.
std::string PercentDecode(std::string_view text, bool query = true);

// A request's query string as a map (percent-decoded; the last value of a
// repeated key wins).
std::map<std::string, std::string> ParseQuery(std::string_view query);

// Whether an Accept header lets us answer JSON, the only encoding we write
// (a client asking for protobuf alone gets 406, not a body it cannot read).
bool AcceptsJson(std::string_view accept);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_RESPONSES_H_
