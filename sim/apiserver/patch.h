// The three PATCH flavours the API server accepts, applied to stored objects:
// JSON merge patch (RFC 7386), strategic merge patch (Kubernetes: lists of
// named things merge by their key) and JSON patch (RFC 6902).
#ifndef SPILLWAY_SIM_APISERVER_PATCH_H_
#define SPILLWAY_SIM_APISERVER_PATCH_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "boost/json.hpp"

namespace spillway::sim {

// RFC 7386: objects merge recursively, null deletes, anything else replaces.
void MergePatch(boost::json::value& target, const boost::json::value& patch);

// Kubernetes strategic merge patch for the built-in types, following each
// field's patchStrategy and patchMergeKey as k8s.io/api's struct tags declare
// them (patch_strategies.inc, generated from kubectl 1.32's copy of
// k8s.io/api by tools/gen_patch_strategies.py): lists with a merge key merge
// element by element (a pod's containers, volumes and env by `name`,
// container ports by `containerPort`, a Service's ports by `port`, webhooks by
// `name`, ownerReferences by `uid`, conditions by `type`), merged lists of
// primitives (finalizers) as a set, fields with strategy replace (a
// PodDisruptionBudget's selector) are replaced, other lists (tolerations,
// args, rules) are replaced. `root_type` is PatchRootType's answer for the
// object's kind. Directives: `$patch: replace` and `$patch: delete` (on a map
// or a list element), `$deleteFromPrimitiveList/<field>`, `$retainKeys` (where
// the strategy says retainKeys: a volume, a Deployment's strategy);
// `$setElementOrder/` is accepted and ignored (lists keep the stored order,
// new elements appended). InvalidArgument for a malformed directive.
absl::Status StrategicMergePatch(boost::json::value& target, const boost::json::value& patch,
                                 std::string_view root_type);

// The patch table's type for an object of group/version/kind
// ("apps/v1.Deployment"; "Object", with only metadata to merge, for kinds
// k8s.io/api does not define, such as CustomResourceDefinitions).
std::string_view PatchRootType(const std::string& group, const std::string& version, const std::string& kind);

// How k8s.io/api declares `field` of Go type `type` ("core/v1.PodSpec") for
// strategic merge, as OpenAPI publishes it (x-kubernetes-patch-strategy and
// x-kubernetes-patch-merge-key). Empty when the field is undeclared.
struct DeclaredPatch {
  std::string type;       // The Go type of the value, elements or map values ("" for a leaf).
  std::string strategy;   // "merge", "retainKeys", "merge,retainKeys", "replace" or "".
  std::string merge_key;  // patchMergeKey, or "".
};
DeclaredPatch DeclaredPatchOf(std::string_view type, std::string_view field);

// RFC 6902 (add, remove, replace, move, copy, test) with RFC 6901 pointers.
// InvalidArgument naming the failing operation (a path that does not exist,
// a failed test, a malformed operation); `target` is unchanged on error.
absl::Status JsonPatch(boost::json::value& target, const boost::json::value& patch);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_PATCH_H_
