// The three PATCH flavours the API server accepts, applied to stored objects:
// JSON merge patch (RFC 7386), strategic merge patch (Kubernetes: lists of
// named things merge by their key) and JSON patch (RFC 6902).
#ifndef SPILLWAY_SIM_APISERVER_PATCH_H_
#define SPILLWAY_SIM_APISERVER_PATCH_H_

#include "absl/status/status.h"
#include "boost/json.hpp"

namespace spillway::sim {

// RFC 7386: objects merge recursively, null deletes, anything else replaces.
void MergePatch(boost::json::value& target, const boost::json::value& patch);

// Kubernetes strategic merge patch, for the built-in types' well-known lists:
// lists whose elements have a merge key (containers, volumes, env by `name`;
// ownerReferences by `uid`; conditions by `type`; ports by `containerPort`;
// volumeMounts by `mountPath`; ...) merge element by element, `finalizers`
// merge as a set, other lists are replaced. Directives: `$patch: replace` and
// `$patch: delete` (on a map or a list element), `$deleteFromPrimitiveList/<field>`;
// `$setElementOrder/` and `$retainKeys` are accepted and ignored.
// InvalidArgument for a malformed directive.
absl::Status StrategicMergePatch(boost::json::value& target, const boost::json::value& patch);

// RFC 6902 (add, remove, replace, move, copy, test) with RFC 6901 pointers.
// InvalidArgument naming the failing operation (a path that does not exist,
// a failed test, a malformed operation); `target` is unchanged on error.
absl::Status JsonPatch(boost::json::value& target, const boost::json::value& patch);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_PATCH_H_
