// What the API server does on its own (ApiServer's members; the class is in
// api_server.h): serving the resources CRDs define, expiring watches on
// request, and deleting Events older than --event-ttl.
#include "sim/apiserver/api_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "glog/logging.h"
#include "sim/apiserver/responses.h"
#include "sim/apiserver/crd.h"

namespace spillway::sim {

namespace json = boost::json;

namespace {

// The last write to an Event: its creation or the latest managedFields time.
absl::Time LastWritten(const json::object& event) {
  const json::object* meta = json_fields::ObjectAt(event, {"metadata"});
  absl::Time last = absl::InfinitePast();
  if (meta == nullptr) return last;
  auto consider = [&last](const std::string& text) {
    absl::Time t;
    std::string error;
    if (!text.empty() && absl::ParseTime(absl::RFC3339_full, text, &t, &error)) last = std::max(last, t);
  };
  consider(json_fields::String(*meta, "creationTimestamp"));
  if (const json::value* fields = meta->if_contains("managedFields"); fields != nullptr && fields->is_array()) {
    for (const json::value& entry : fields->get_array()) {
      if (entry.is_object()) consider(json_fields::String(entry.get_object(), "time"));
    }
  }
  return last;
}

}  // namespace

void ApiServer::RefreshCustomResources() {
  const ResourceInfo* crds = FindResource("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  ObjectStore::ListResult listed = store_.List(crds->type, "", kube::LabelSelector(), FieldSelector());
  std::vector<ResourceInfo> custom;
  for (const json::object& crd : listed.items) {
    const json::value* meta = crd.if_contains("metadata");
    if (meta != nullptr && meta->is_object() && meta->get_object().contains("deletionTimestamp")) continue;
    absl::StatusOr<std::vector<ResourceInfo>> defined = ResourcesFromCrd(crd);
    if (!defined.ok()) continue;  // Refused at admission; cannot be stored.
    for (ResourceInfo& info : *defined) custom.push_back(std::move(info));
  }
  // Custom resources whose definition went are deleted with it.
  for (const auto& old : registry_.All()) {
    if (!old->custom) continue;
    const bool kept = std::any_of(custom.begin(), custom.end(), [&](const ResourceInfo& info) {
      return info.type.group == old->type.group && info.type.plural == old->type.plural;
    });
    if (kept) continue;
    for (const json::object& item : store_.List(old->type, "", kube::LabelSelector(), FieldSelector()).items) {
      const json::object& meta = item.at("metadata").as_object();
      const json::value* item_ns = meta.if_contains("namespace");
      (void)store_.Delete(old->type, item_ns != nullptr && item_ns->is_string() ? std::string(item_ns->get_string()) : "",
                          std::string(meta.at("name").as_string()));
    }
  }
  registry_.SetCustomResources(std::move(custom));
  crd_generation_.fetch_add(1);
}

void ApiServer::ExpireWatches() {
  watch_generation_.fetch_add(1);
  store_.NotifyListeners();
}


void ApiServer::ExpireEvents() {
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&event_sweep_mu_);
    if (now - last_event_sweep_ < absl::Minutes(1)) return;
    last_event_sweep_ = now;
  }
  for (const ResourceInfo* info : {FindResource("", "v1", "events"), FindResource("events.k8s.io", "v1", "events")}) {
    if (info == nullptr) continue;
    for (const json::object& event : store_.List(info->type, "", kube::LabelSelector(), FieldSelector()).items) {
      if (LastWritten(event) + event_ttl_ > now) continue;
      const json::object* meta = json_fields::ObjectAt(event, {"metadata"});
      if (meta == nullptr) continue;
      (void)store_.Delete(info->type, json_fields::String(*meta, "namespace"), json_fields::String(*meta, "name"));
    }
  }
}

}  // namespace spillway::sim
