// The rules of a write, as kube-apiserver applies them before storing: a
// write's options (dryRun, fieldManager, fieldValidation), what decoding
// does to a built-in, which kind of write a PUT or PATCH is and how it
// rewrites the stored object (the object itself, its status or its scale),
// and the autoscaling/v1 Scale view. Pure; thread-safe.
#ifndef SPILLWAY_SIM_APISERVER_WRITE_RULES_H_
#define SPILLWAY_SIM_APISERVER_WRITE_RULES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"
#include "sim/apiserver/resource_info.h"

namespace spillway::sim {

// The fieldValidation query parameter of a write: what happens to fields the
// kind does not declare. They are dropped in every mode; Warn (the default,
// as since Kubernetes 1.27) says so in Warning headers, Strict refuses the
// write (400).
enum class FieldValidation { kIgnore, kWarn, kStrict };

// What a PUT or a PATCH asks for.
enum class WriteKind { kPut, kMergePatch, kStrategicMergePatch, kJsonPatch };

// What kube-apiserver's decoding does to a built-in before anything else
// looks at it: type checks, base64 data, canonical quantities.
absl::Status DecodeBuiltin(const ResourceInfo& info, boost::json::object& object);

// A write's options from the query, as kube-apiserver checks them: a
// fieldManager over 128 bytes is 422 (InvalidArgument), a dryRun other than
// All is 400 (FailedPrecondition); dryRun=All is a dry run.
absl::StatusOr<Persist> WriteOptionsOf(const std::string& method, const std::map<std::string, std::string>& query);

// The fieldValidation of a write (Warn when absent), or the 422 kube-apiserver
// gives for another value.
absl::StatusOr<FieldValidation> FieldValidationOf(const std::string& method,
                                                  const std::map<std::string, std::string>& query);

// The Strict refusal and the Warn warnings for dropped fields, worded as
// kube-apiserver's decoder words them.
absl::Status ReportUnknownFields(const ResourceType& type, FieldValidation validation,
                                 const std::vector<std::string>& unknown, std::vector<std::string>& warnings);

// The write a PUT or PATCH request asks for, from its method and content type;
// Unimplemented for server-side apply.
absl::StatusOr<WriteKind> WriteKindOf(const std::string& method, const std::string& content_type);

// Rewrites the stored `object` into what a PUT or a PATCH of `sub` asks for:
// "" for the object itself, "status" or "scale". Where status is a
// subresource, writes to the object itself keep the stored status. A PUT's
// metadata.resourceVersion is left in place for the store's conflict check.
absl::Status ApplyWrite(const std::string& sub, WriteKind kind, const ResourceInfo& info,
                        const boost::json::value& body, boost::json::object& object);

// The value at a ".spec.replicas"-style path, or nullptr.
const boost::json::value* AtPath(const boost::json::object& object, const std::string& path);

// Sets the value at a ".spec.replicas"-style path, creating objects on the way.
void SetPath(boost::json::object& object, const std::string& path, boost::json::value value);

// The autoscaling/v1 Scale view of a scalable object: spec.replicas,
// status.replicas and the selector as a string. Built-in workloads derive the
// selector from .spec.selector.matchLabels; custom resources name their paths.
boost::json::object ScaleOf(const boost::json::object& object, const ResourceInfo& info);

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_WRITE_RULES_H_
