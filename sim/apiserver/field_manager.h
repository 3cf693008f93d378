// Field ownership and server-side apply, as kube-apiserver's field manager
// keeps them in metadata.managedFields (FieldsV1): every write records which
// manager set which fields; an apply sets the fields of its configuration,
// removes those it applied before and no longer does (unless another
// manager owns them too), and refuses with 409 to change a field another
// manager owns unless forced. Lists are atomic here (a real server merges
// lists with a merge key element by element); see
// docs/embedded-api-server.md, "Server-side apply".
#ifndef SPILLWAY_SIM_APISERVER_FIELD_MANAGER_H_
#define SPILLWAY_SIM_APISERVER_FIELD_MANAGER_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json.hpp"

namespace spillway::sim {

using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

// The leaves of an object's content (scalars, lists, empty maps), without
// apiVersion, kind and the metadata the server owns; the status only for a
// write through the status subresource (`status_write`).
FieldSet FieldsOf(const boost::json::object& object, bool status_write = false);

// FieldsV1 ({"f:spec":{"f:replicas":{}}}) and back.
boost::json::object ToFieldsV1(const FieldSet& fields);
FieldSet FromFieldsV1(const boost::json::object& fields_v1);

struct WriteContext {
  std::string manager;      // fieldManager; never empty.
  std::string api_version;  // "apps/v1"
  std::string subresource;  // "", "status", "scale"
  absl::Time now;
};

// Records a create or an update (not an apply): the fields that changed
// from `before` (empty for a create) to `after` now belong to the manager's
// Update entry and to no one else's. Writes `after`'s managedFields.
void RecordUpdate(const boost::json::object& before, boost::json::object& after, const WriteContext& context);

// Applies `applied` (a configuration) to `live` (empty when the object does
// not exist yet) for the manager. Aborted ("Apply failed with 1 conflict:
// conflict with \"kubectl-scale\" using apps/v1: .spec.replicas") when it
// would change fields another manager owns and `force` is false, except
// that the manager "kubectl" may take over fields its client-side apply
// last applied and the object still holds (kube-apiserver's
// lastAppliedManager); its applies keep the last-applied-configuration
// annotation, where present, current (lastAppliedUpdater).
absl::StatusOr<boost::json::object> ServerSideApply(const boost::json::object& live,
                                                    const boost::json::object& applied, bool force,
                                                    const WriteContext& context);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_FIELD_MANAGER_H_
