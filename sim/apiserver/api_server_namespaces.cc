// The namespace lifecycle (ApiServer's members; the class is in
// api_server.h), as kube-apiserver and its namespace controller run it: a
// deleted namespace turns Terminating (no new content), everything in it is
// deleted (objects with finalizers stay until those are removed), and it
// goes once it is empty.
#include "sim/apiserver/api_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "glog/logging.h"
#include "sim/apiserver/responses.h"

namespace spillway::sim {

namespace json = boost::json;

bool ApiServer::NamespaceTerminating(const std::string& ns) {
  if (ns.empty()) return false;
  absl::StatusOr<json::object> space = store_.Get(BuiltinResources()[0].type, "", ns);
  if (!space.ok()) return false;
  const json::value* status = space->if_contains("status");
  const json::value* phase = status != nullptr && status->is_object() ? status->get_object().if_contains("phase") : nullptr;
  return phase != nullptr && phase->is_string() && phase->get_string() == "Terminating";
}

// Deleting a namespace, as kube-apiserver and its namespace controller do:
// it turns Terminating (no new content), everything in it is deleted
// (objects with finalizers stay until those are removed), and it goes once
// it is empty.
http::Response ApiServer::TerminateNamespace(const std::string& name) {
  const ResourceType& namespaces = BuiltinResources()[0].type;
  if (name == "default" || name == "kube-system" || name == "kube-public") {
    return StatusResponse(403, "Forbidden",
                          absl::StrCat("namespaces \"", name, "\" is forbidden: this namespace may not be deleted"));
  }
  absl::StatusOr<json::object> marked = store_.Modify(namespaces, "", name, [&](json::object& space) {
    json::value& status = space["status"];
    if (!status.is_object()) status = json::object();
    status.get_object()["phase"] = "Terminating";
    json::value& meta = space["metadata"];
    if (meta.is_object() && !meta.get_object().contains("deletionTimestamp")) {
      meta.get_object()["deletionTimestamp"] =
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone());
    }
    return absl::OkStatus();
  });
  if (!marked.ok()) return ErrorResponse(marked.status());
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.All()) {
    if (!info->type.namespaced) continue;
    for (const json::object& item : store_.List(info->type, name, kube::LabelSelector(), FieldSelector()).items) {
      (void)store_.Delete(info->type, name, std::string(item.at("metadata").at("name").as_string()), false);
    }
  }
  FinishNamespaceIfEmpty(name);
  absl::StatusOr<json::object> now = store_.Get(namespaces, "", name);
  return JsonResponse(200, now.ok() ? *now : *marked);
}

void ApiServer::FinishNamespaceIfEmpty(const std::string& ns) {
  if (!NamespaceTerminating(ns)) return;
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.All()) {
    if (info->type.namespaced && !store_.List(info->type, ns, kube::LabelSelector(), FieldSelector()).items.empty()) {
      return;
    }
  }
  (void)store_.Delete(BuiltinResources()[0].type, "", ns, false);
}

}  // namespace spillway::sim
