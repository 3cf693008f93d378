// The pods' own subresources (ApiServer's members; the class is in
// api_server.h): pods/binding, as kube-scheduler binds, and pods/eviction,
// which honours PodDisruptionBudgets and a uid precondition.
#include "sim/apiserver/api_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "glog/logging.h"
#include "sim/apiserver/responses.h"
#include "sim/apiserver/disruption.h"

namespace spillway::sim {

namespace json = boost::json;

// POST pods/<name>/binding or eviction.
// An eviction deletes the pod unless its PodDisruptionBudget allows no
// disruption now (429, as the eviction REST handler answers). One at a time,
// so two evictions cannot both spend the budget's last disruption.
http::Response ApiServer::Evict(const ResourceType& type, const std::string& ns, const std::string& name,
                                const std::string& uid_precondition) {
  absl::MutexLock lock(&eviction_mu_);
  absl::StatusOr<json::object> pod = store_.Get(type, ns, name);
  if (!pod.ok()) return ErrorResponse(pod.status());
  const json::object* meta = json_fields::ObjectAt(*pod, {"metadata"});
  if (const std::string uid = meta != nullptr ? json_fields::String(*meta, "uid") : "";
      !uid_precondition.empty() && uid != uid_precondition) {
    // As kube's eviction handler: the precondition goes to the delete.
    return StatusResponse(409, "Conflict",
                          absl::StrCat("Operation cannot be fulfilled on Pod \"", name,
                                       "\": Precondition failed: UID in precondition: ", uid_precondition,
                                       ", UID in object meta: ", uid));
  }
  const ResourceInfo* budgets_info = FindResource("policy", "v1", "poddisruptionbudgets");
  ObjectStore::ListResult budgets = store_.List(budgets_info->type, ns, {}, {});
  ObjectStore::ListResult pods = budgets.items.empty() ? ObjectStore::ListResult{{}, 0}
                                                       : store_.List(type, ns, {}, {});
  const EvictionVerdict verdict = DecideEviction(*pod, budgets.items, pods.items);
  if (verdict.code != 201) {
    if (verdict.cause.empty()) return StatusResponse(verdict.code, verdict.reason, verdict.message);
    http::Response refused = StatusResponse(
        verdict.code, verdict.reason, verdict.message,
        json::object{{"details", json::object{{"causes", json::array{json::object{{"reason", "DisruptionBudget"},
                                                                                   {"message", verdict.cause}}}},
                                              {"retryAfterSeconds", 10}}}});
    refused.headers.emplace_back("Retry-After", "10");
    return refused;
  }
  absl::StatusOr<json::object> evicted = store_.Delete(type, ns, name);
  if (!evicted.ok()) return ErrorResponse(evicted.status());
  return JsonResponse(201, json::object{{"kind", "Status"}, {"apiVersion", "v1"},
                                        {"metadata", json::object()}, {"status", "Success"},
                                        {"code", 201}});
}

http::Response ApiServer::BindOrEvict(ResourceCall& call) {
  http::Request& request = call.request;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const std::string& sub = call.sub;
  const std::string& method = call.request.method;
  if (method != "POST") {
    return StatusResponse(405, "MethodNotAllowed", absl::StrCat(method, " is not allowed on ", sub));
  }
  json::value body;
  if (absl::Status s = ParseBody(request, &body); !s.ok()) return BadRequest(s);
  if (sub == "eviction") {
    const json::object* preconditions =
        body.is_object() ? json_fields::ObjectAt(body.get_object(), {"deleteOptions", "preconditions"}) : nullptr;
    return Evict(type, ns, name, preconditions != nullptr ? json_fields::String(*preconditions, "uid") : "");
  }
  const json::value* target = body.get_object().if_contains("target");
  const json::value* node = target != nullptr && target->is_object() ? target->get_object().if_contains("name") : nullptr;
  if (node == nullptr || !node->is_string() || node->get_string().empty()) {
    return StatusResponse(422, "Invalid", "Binding: target.name: Required value");
  }
  const std::string node_name(node->get_string());
  absl::StatusOr<json::object> bound = store_.Modify(type, ns, name, [&](json::object& pod) {
    json::value& spec = pod["spec"];
    if (!spec.is_object()) spec = json::object();
    const json::value* current = spec.get_object().if_contains("nodeName");
    if (current != nullptr && current->is_string() && !current->get_string().empty()) {
      return absl::AbortedError(absl::StrCat("Operation cannot be fulfilled on pods/binding \"", name,
                                             "\": pod ", name, " is already assigned to node \"",
                                             std::string(current->get_string()), "\""));
    }
    spec.get_object()["nodeName"] = node_name;
    json::value& status = pod["status"];
    if (!status.is_object()) status = json::object();
    json::array conditions;
    if (const json::value* old = status.get_object().if_contains("conditions"); old != nullptr && old->is_array()) {
      for (const json::value& c : old->get_array()) {
        if (!c.is_object() || c.get_object().if_contains("type") == nullptr ||
            c.get_object().at("type") != "PodScheduled") {
          conditions.push_back(c);
        }
      }
    }
    conditions.push_back(json::object{{"type", "PodScheduled"}, {"status", "True"},
                                      {"lastTransitionTime", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", clock_.Now(), absl::UTCTimeZone())}});
    status.get_object()["conditions"] = std::move(conditions);
    return absl::OkStatus();
  });
  if (!bound.ok()) return ErrorResponse(bound.status());
  return JsonResponse(201, json::object{{"kind", "Status"}, {"apiVersion", "v1"},
                                        {"metadata", json::object()}, {"status", "Success"},
                                        {"code", 201}});
}

}  // namespace spillway::sim
