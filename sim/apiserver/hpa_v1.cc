#include "sim/apiserver/hpa_v1.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sim/apiserver/patch.h"
#include "sim/apiserver/protobuf_codec.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

constexpr char kV1Prefix[] = "/apis/autoscaling/v1/";
constexpr char kV2Prefix[] = "/apis/autoscaling/v2/";
constexpr char kMetricsAnnotation[] = "autoscaling.alpha.kubernetes.io/metrics";
constexpr char kBehaviorAnnotation[] = "autoscaling.alpha.kubernetes.io/behavior";
constexpr char kConditionsAnnotation[] = "autoscaling.alpha.kubernetes.io/conditions";
constexpr char kCurrentMetricsAnnotation[] = "autoscaling.alpha.kubernetes.io/current-metrics";

json::object* ObjectAt(json::object& object, const char* key) {
  json::value* v = object.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::object* ObjectAt(const json::object& object, const char* key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

bool IsCpuUtilization(const json::value& metric) {
  if (!metric.is_object()) return false;
  const json::object* resource = ObjectAt(metric.get_object(), "resource");
  const json::object* target = resource != nullptr ? ObjectAt(*resource, "target") : nullptr;
  const json::value* type = metric.get_object().if_contains("type");
  const json::value* name = resource != nullptr ? resource->if_contains("name") : nullptr;
  const json::value* target_type = target != nullptr ? target->if_contains("type") : nullptr;
  return type != nullptr && *type == "Resource" && name != nullptr && *name == "cpu" && target_type != nullptr &&
         *target_type == "Utilization";
}

json::object& Annotations(json::object& object) {
  json::value& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  json::value& annotations = meta.get_object()["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  return annotations.get_object();
}

// Moves a v2 field into a v1 annotation (as JSON text) when it has content.
void Stash(json::object& v1, const char* annotation, const json::value& value) {
  const bool empty = value.is_null() || (value.is_array() && value.get_array().empty()) ||
                     (value.is_object() && value.get_object().empty());
  if (!empty) Annotations(v1)[annotation] = json::serialize(value);
}

// Takes a v1 annotation back out as the v2 value it holds (null if absent).
json::value Unstash(json::object& v2, const char* annotation) {
  json::object* meta = ObjectAt(v2, "metadata");
  json::object* annotations = meta != nullptr ? ObjectAt(*meta, "annotations") : nullptr;
  if (annotations == nullptr || !annotations->contains(annotation)) return nullptr;
  json::value text = (*annotations)[annotation];
  annotations->erase(annotation);
  if (annotations->empty()) meta->erase("annotations");
  boost::system::error_code ec;
  json::value parsed = text.is_string() ? json::parse(text.get_string(), ec) : json::value();
  return ec ? json::value() : parsed;
}

bool ConvertsAnObject(const json::value& body) {
  const json::value* kind = body.is_object() ? body.get_object().if_contains("kind") : nullptr;
  return kind != nullptr && (*kind == "HorizontalPodAutoscaler" || *kind == "HorizontalPodAutoscalerList");
}

// The v2 handler's answer, its object or list items as v1.
http::Response AnswerAsV1(http::Response response) {
  if (response.stream != nullptr || response.body.empty()) return response;
  boost::system::error_code ec;
  json::value body = json::parse(response.body, ec);
  if (ec || !ConvertsAnObject(body)) return response;
  json::object& object = body.get_object();
  if (object.at("kind") == "HorizontalPodAutoscalerList") {
    object["apiVersion"] = "autoscaling/v1";
    if (json::value* items = object.if_contains("items"); items != nullptr && items->is_array()) {
      for (json::value& item : items->get_array()) {
        if (item.is_object()) item = HpaV2ToV1(item.get_object());
      }
    }
  } else {
    object = HpaV2ToV1(object);
  }
  response.body = json::serialize(body);
  return response;
}

http::Response Refuse(int status, const char* reason, const std::string& message) {
  http::Response response;
  response.status = status;
  response.body = json::serialize(json::object{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                                               {"message", message}, {"reason", reason}, {"code", status}});
  return response;
}

// PATCH of a v1 object: the patch applies to the stored object's v1 form,
// which is written back through v2 with the version it was read at.
http::Response PatchV1(http::Request& request, const std::string& v2_target,
                       const std::function<http::Response(http::Request&)>& v2) {
  http::Request get = request;
  get.method = "GET";
  get.body.clear();
  get.target = v2_target.substr(0, v2_target.find('?'));
  get.accept = "application/json";
  http::Response current = v2(get);
  if (current.status != 200) return current;
  boost::system::error_code ec;
  json::value stored = json::parse(current.body, ec);
  json::value patch = json::parse(request.body, ec);
  if (ec || !stored.is_object()) return Refuse(400, "BadRequest", "the patch is not JSON");
  json::value v1 = HpaV2ToV1(stored.get_object());
  absl::Status applied = absl::OkStatus();
  if (absl::StrContains(request.content_type, "json-patch")) {
    applied = JsonPatch(v1, patch);
  } else if (absl::StrContains(request.content_type, "strategic-merge-patch")) {
    applied = StrategicMergePatch(v1, patch, PatchRootType("autoscaling", "v1", "HorizontalPodAutoscaler"));
  } else {
    MergePatch(v1, patch);
  }
  if (!applied.ok()) return Refuse(422, "Invalid", std::string(applied.message()));
  if (!v1.is_object()) return Refuse(422, "Invalid", "the patch does not leave an object");
  http::Request put = request;
  put.method = "PUT";
  put.content_type = "application/json";
  put.target = v2_target;
  put.body = json::serialize(HpaV1ToV2(v1.get_object()));
  put.body.reserve(put.body.size() + http::kBodyPadding);
  return AnswerAsV1(v2(put));
}

}  // namespace

json::object HpaV1ToV2(const json::object& v1) {
  json::object v2 = v1;
  v2["apiVersion"] = "autoscaling/v2";
  json::value metrics = Unstash(v2, kMetricsAnnotation);
  json::value behavior = Unstash(v2, kBehaviorAnnotation);
  json::value conditions = Unstash(v2, kConditionsAnnotation);
  json::value current_metrics = Unstash(v2, kCurrentMetricsAnnotation);
  if (json::object* spec = ObjectAt(v2, "spec")) {
    json::array all = metrics.is_array() ? metrics.get_array() : json::array();
    if (const json::value* cpu = spec->if_contains("targetCPUUtilizationPercentage"); cpu != nullptr && !cpu->is_null()) {
      all.insert(all.begin(), json::object{{"type", "Resource"},
                                           {"resource", json::object{{"name", "cpu"},
                                                                     {"target", json::object{{"type", "Utilization"},
                                                                                             {"averageUtilization", *cpu}}}}}});
    }
    spec->erase("targetCPUUtilizationPercentage");
    if (!all.empty()) (*spec)["metrics"] = std::move(all);
    if (behavior.is_object()) (*spec)["behavior"] = std::move(behavior);
  }
  if (json::object* status = ObjectAt(v2, "status")) {
    json::array current = current_metrics.is_array() ? current_metrics.get_array() : json::array();
    if (const json::value* cpu = status->if_contains("currentCPUUtilizationPercentage"); cpu != nullptr && !cpu->is_null()) {
      current.insert(current.begin(),
                     json::object{{"type", "Resource"},
                                  {"resource", json::object{{"name", "cpu"},
                                                            {"current", json::object{{"averageUtilization", *cpu}}}}}});
    }
    status->erase("currentCPUUtilizationPercentage");
    if (!current.empty()) (*status)["currentMetrics"] = std::move(current);
    if (conditions.is_array()) (*status)["conditions"] = std::move(conditions);
  }
  return v2;
}

json::object HpaV2ToV1(const json::object& v2) {
  json::object v1 = v2;
  v1["apiVersion"] = "autoscaling/v1";
  if (json::object* spec = ObjectAt(v1, "spec")) {
    json::array others;
    if (json::value* metrics = spec->if_contains("metrics"); metrics != nullptr && metrics->is_array()) {
      for (const json::value& metric : metrics->get_array()) {
        if (IsCpuUtilization(metric) && !spec->contains("targetCPUUtilizationPercentage")) {
          (*spec)["targetCPUUtilizationPercentage"] =
              metric.at("resource").at("target").get_object().contains("averageUtilization")
                  ? metric.at("resource").at("target").at("averageUtilization")
                  : json::value(nullptr);
        } else {
          others.push_back(metric);
        }
      }
    }
    spec->erase("metrics");
    Stash(v1, kMetricsAnnotation, others);
    if (json::value* behavior = spec->if_contains("behavior")) {
      Stash(v1, kBehaviorAnnotation, *behavior);
      spec->erase("behavior");
    }
  }
  if (json::object* status = ObjectAt(v1, "status")) {
    json::array others;
    if (json::value* current = status->if_contains("currentMetrics"); current != nullptr && current->is_array()) {
      for (const json::value& metric : current->get_array()) {
        const json::object* resource = metric.is_object() ? ObjectAt(metric.get_object(), "resource") : nullptr;
        const json::object* now = resource != nullptr ? ObjectAt(*resource, "current") : nullptr;
        if (resource != nullptr && resource->contains("name") && resource->at("name") == "cpu" && now != nullptr &&
            now->contains("averageUtilization") && !status->contains("currentCPUUtilizationPercentage")) {
          (*status)["currentCPUUtilizationPercentage"] = now->at("averageUtilization");
        } else {
          others.push_back(metric);
        }
      }
    }
    status->erase("currentMetrics");
    Stash(v1, kCurrentMetricsAnnotation, others);
    if (json::value* conditions = status->if_contains("conditions")) {
      Stash(v1, kConditionsAnnotation, *conditions);
      status->erase("conditions");
    }
  }
  return v1;
}

bool IsHpaV1Path(std::string_view path) { return absl::StartsWith(absl::string_view(path.data(), path.size()), kV1Prefix); }

http::Response ServeHpaV1(http::Request& request, const std::function<http::Response(http::Request&)>& v2) {
  std::string v2_target = absl::StrCat(kV2Prefix, request.target.substr(sizeof(kV1Prefix) - 1));
  const absl::string_view path = absl::string_view(request.target).substr(0, request.target.find('?'));
  if (absl::StrContains(request.target, "watch=true") || absl::StrContains(path, "/watch/")) {
    return Refuse(405, "MethodNotAllowed",
                  "watching autoscaling/v1 HorizontalPodAutoscalers is not served by the embedded API server; "
                  "watch autoscaling/v2");
  }
  if (request.method == "PATCH" && absl::StrContains(request.content_type, "apply-patch")) {
    return Refuse(405, "MethodNotAllowed",
                  "server-side apply of autoscaling/v1 HorizontalPodAutoscalers is not served by the embedded API "
                  "server; apply autoscaling/v2");
  }
  if (request.method == "PATCH") return PatchV1(request, v2_target, v2);
  if ((request.method == "POST" || request.method == "PUT") && !request.body.empty()) {
    boost::system::error_code ec;
    json::value body;
    if (absl::StrContains(request.content_type, "protobuf")) {
      absl::StatusOr<json::object> decoded = DecodeKubernetesProtobuf(request.body);
      if (!decoded.ok()) return Refuse(415, "UnsupportedMediaType", std::string(decoded.status().message()));
      body = std::move(*decoded);
      request.content_type = "application/json";
    } else {
      body = json::parse(request.body, ec);
    }
    if (!ec && body.is_object() && ConvertsAnObject(body)) {
      request.body = json::serialize(HpaV1ToV2(body.get_object()));
      request.body.reserve(request.body.size() + http::kBodyPadding);  // The contract of Request::body.
    }
  }
  request.target = std::move(v2_target);
  return AnswerAsV1(v2(request));
}

}  // namespace spillway::sim
