// The AdmissionReview (admission.k8s.io/v1) envelope of the webhook: reading
// the request kube-apiserver sends and writing the response it expects, with
// readable errors for anything malformed. The pod inside is decoded with the
// same decoder as the informers (kube/decode.h).
//
// Not thread-safe: one AdmissionReviewReader per thread (it keeps a parser).
#ifndef SPILLWAY_WEBHOOK_ADMISSION_REVIEW_H_
#define SPILLWAY_WEBHOOK_ADMISSION_REVIEW_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/json.hpp"
#include "kube/objects.h"
#include "simdjson.h"
#include "webhook/pod_admission.h"

namespace spillway::webhook {

struct AdmissionReviewRequest {
  std::string api_version;  // Echoed in the response.
  std::string uid;
  std::string operation;  // CREATE, UPDATE, ...
  std::string kind;       // request.kind.kind, e.g. Pod
  std::string namespace_;
  boost::json::object object;  // request.object
};

class AdmissionReviewReader {
 public:
  // InvalidArgument naming what is wrong: not JSON, not an AdmissionReview
  // (admission.k8s.io/v1 or v1beta1), no request, no uid, no object.
  absl::StatusOr<AdmissionReviewRequest> Read(absl::string_view body);
  // Decodes the request's pod; InvalidArgument naming the field.
  absl::Status DecodePod(const boost::json::object& object, kube::Pod* pod);

 private:
  simdjson::ondemand::parser parser_;
  std::string buffer_;
};

// The AdmissionReview response for `uid`: allowed with a base64 JSONPatch (if
// any) and warnings, or denied with the message (HTTP-like code 403).
std::string AdmissionResponse(const AdmissionReviewRequest& request, const PodAdmission& admission);
// A response allowing the request unchanged (other kinds and operations).
std::string AllowUnchanged(const AdmissionReviewRequest& request);

}  // namespace spillway::webhook

#endif  // SPILLWAY_WEBHOOK_ADMISSION_REVIEW_H_
