#include "webhook/webhook_service.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/latency_buckets.h"
#include "common/log_format.h"
#include "glog/logging.h"
#include "webhook/admission_review.h"
#include "webhook/pod_admission.h"

namespace spillway::webhook {
namespace {

prometheus::Counter& Outcome(prometheus::Registry& registry, const std::string& outcome) {
  return prometheus::BuildCounter()
      .Name("spillway_webhook_admissions_total")
      .Help("Pod admissions answered, by outcome")
      .Register(registry)
      .Add({{"outcome", outcome}});
}

}  // namespace

WebhookService::WebhookService(const burst::IntentResolver& resolver, const burst::VirtualNodeRule& rule,
                               const burst::EciProfileStore& profile, NamespaceLookup namespaces,
                               prometheus::Registry& registry, NodePortLookup node_ports)
    : resolver_(resolver),
      rule_(rule),
      profile_(profile),
      namespaces_(std::move(namespaces)),
      node_ports_(std::move(node_ports)),
      mutated_(Outcome(registry, "mutated")),
      unchanged_(Outcome(registry, "unchanged")),
      denied_(Outcome(registry, "denied")),
      bad_request_(Outcome(registry, "bad_request")),
      duration_(prometheus::BuildHistogram()
                    .Name("spillway_webhook_admission_duration_seconds")
                    .Help("Time to answer one AdmissionReview, decoding to encoding")
                    .Register(registry)
                    .Add({}, LatencyBuckets())) {}

http::Response WebhookService::Handle(http::Request& request) {
  absl::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path != kMutatePodsPath) {
    return http::ErrorResponse(404, absl::StrCat("no webhook at ", path, "; pods are mutated at ",
                                                 kMutatePodsPath));
  }
  if (request.method != "POST") {
    return http::ErrorResponse(405, "POST an AdmissionReview (admission.k8s.io/v1)");
  }
  const auto start = std::chrono::steady_clock::now();
  http::Response response = Review(request);
  duration_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return response;
}

http::Response WebhookService::Review(http::Request& request) {
  // One reader (and simdjson parser) per server thread.
  thread_local AdmissionReviewReader reader;
  absl::StatusOr<AdmissionReviewRequest> review = reader.Read(request.body);
  if (!review.ok()) {
    bad_request_.Increment();
    return http::ErrorResponse(400, absl::StrCat("bad AdmissionReview: ", review.status().message()));
  }
  http::Response response;
  if (review->kind != "Pod" || review->operation != "CREATE") {
    unchanged_.Increment();
    response.body = AllowUnchanged(*review);
    return response;
  }
  kube::Pod pod;
  if (absl::Status s = reader.DecodePod(review->object, &pod); !s.ok()) {
    bad_request_.Increment();
    return http::ErrorResponse(400, absl::StrCat("bad AdmissionReview: ", s.message()));
  }
  if (pod.metadata.namespace_.empty()) pod.metadata.namespace_ = review->namespace_;
  std::shared_ptr<const kube::Namespace> ns = namespaces_(review->namespace_);
  std::shared_ptr<const burst::EciProfile> profile = profile_.Get();
  const std::vector<std::string> node_ports =
      node_ports_ ? node_ports_(review->namespace_, pod.metadata.labels) : std::vector<std::string>();
  PodAdmission admission = AdmitPod(review->object, pod, ns.get(), resolver_, rule_, *profile, node_ports);
  const std::string who = pod.Who();
  if (!admission.allowed) {
    denied_.Increment();
    VLOG(1) << "webhook pod=" << who << " outcome=denied reason=" << LogValue(admission.denial);
  } else if (!admission.patch.empty()) {
    mutated_.Increment();
    VLOG(1) << "webhook pod=" << who << " intent=" << burst::IntentName(admission.intent)
            << " outcome=mutated reason=" << LogValue(admission.reason);
  } else {
    unchanged_.Increment();
  }
  response.body = AdmissionResponse(*review, admission);
  return response;
}

}  // namespace spillway::webhook
