#include "webhook/admission_review.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "kube/decode.h"
#include "kube/json_reader.h"

namespace spillway::webhook {
namespace {

namespace json = boost::json;

std::string Envelope(const AdmissionReviewRequest& request, json::object response) {
  response["uid"] = request.uid;
  return json::serialize(json::object{
      {"apiVersion", request.api_version.empty() ? "admission.k8s.io/v1" : request.api_version},
      {"kind", "AdmissionReview"},
      {"response", std::move(response)}});
}

}  // namespace

absl::StatusOr<AdmissionReviewRequest> AdmissionReviewReader::Read(absl::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("the body is not JSON: ", ec.message()));
  if (!parsed.is_object()) return absl::InvalidArgumentError("the body is not a JSON object");
  const json::object& review = parsed.get_object();
  AdmissionReviewRequest request;
  request.api_version = json_fields::String(review, "apiVersion");
  if (json_fields::String(review, "kind") != "AdmissionReview" ||
      (request.api_version != "admission.k8s.io/v1" && request.api_version != "admission.k8s.io/v1beta1")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected an AdmissionReview of admission.k8s.io/v1, got kind \"", json_fields::String(review, "kind"),
        "\" of \"", request.api_version, "\""));
  }
  const json::value* inner = review.if_contains("request");
  if (inner == nullptr || !inner->is_object()) {
    return absl::InvalidArgumentError("the AdmissionReview has no request");
  }
  const json::object& r = inner->get_object();
  request.uid = json_fields::String(r, "uid");
  if (request.uid.empty()) return absl::InvalidArgumentError("the AdmissionReview request has no uid");
  request.operation = json_fields::String(r, "operation");
  request.namespace_ = json_fields::String(r, "namespace");
  if (const json::value* kind = r.if_contains("kind"); kind != nullptr && kind->is_object()) {
    request.kind = json_fields::String(kind->get_object(), "kind");
  }
  const json::value* object = r.if_contains("object");
  if (object == nullptr || !object->is_object()) {
    if (request.operation == "CREATE") {
      return absl::InvalidArgumentError("the AdmissionReview request has no object");
    }
  } else {
    request.object = object->get_object();
  }
  return request;
}

absl::Status AdmissionReviewReader::DecodePod(const json::object& object, kube::Pod* pod) {
  buffer_ = json::serialize(object);
  buffer_.reserve(buffer_.size() + simdjson::SIMDJSON_PADDING);
  const kube::json::Path root("Pod");
  simdjson::ondemand::document doc;
  if (auto err = parser_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc)) {
    return kube::json::Error(err, root);
  }
  simdjson::ondemand::value value;
  if (auto err = doc.get_value().get(value)) return kube::json::Error(err, root);
  return kube::DecodePod(value, root, pod);
}

std::string AdmissionResponse(const AdmissionReviewRequest& request, const PodAdmission& admission) {
  json::object response{{"allowed", admission.allowed}};
  if (!admission.allowed) {
    response["status"] = json::object{{"code", 403}, {"reason", "Forbidden"}, {"message", admission.denial}};
    return Envelope(request, std::move(response));
  }
  if (!admission.patch.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = absl::Base64Escape(json::serialize(admission.patch));
  }
  if (!admission.warnings.empty()) {
    json::array warnings;
    for (const std::string& warning : admission.warnings) warnings.emplace_back(warning);
    response["warnings"] = std::move(warnings);
  }
  return Envelope(request, std::move(response));
}

std::string AllowUnchanged(const AdmissionReviewRequest& request) {
  return Envelope(request, json::object{{"allowed", true}});
}

}  // namespace spillway::webhook
