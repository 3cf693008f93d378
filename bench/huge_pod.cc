// How long each path takes for a pod with 40,000 labels (550 KB; kube-apiserver
// accepts it): the extender's filter (decode, policy, encode), the webhook's
// admission (AdmissionReview in, JSONPatch out) and the pod cache's decode,
// and the label map built the old way (StringMap::Set per entry, a scan each)
// against StringMapBuilder. Prints milliseconds, the median of 5 runs.
//
//   bazel run -c opt //bench:huge_pod [-- --labels=40000]
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/flags.h"
#include "burst/eci_profile.h"
#include "burst/intent_resolver.h"
#include "burst/virtual_node.h"
#include "common/http/server.h"
#include "kube/decode.h"
#include "kube/objects.h"
#include "kube/pod_record.h"
#include "prometheus/registry.h"
#include "scheduler/extender.h"
#include "scheduler/extender_codec.h"
#include "simdjson.h"
#include "webhook/webhook_service.h"

namespace spillway::bench {
namespace {

double MedianMs(const std::function<void()>& run) {
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::string HugePod(int labels) {
  std::string pod = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"huge","namespace":"default",)"
                    R"("uid":"u-1","labels":{"alibabacloud.com/eci":"true")";
  for (int i = 0; i < labels; ++i) absl::StrAppend(&pod, ",\"l", i, "\":\"v", i % 10, "\"");
  absl::StrAppend(&pod, R"(}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  return pod;
}

int Run(int labels) {
  const std::string pod = HugePod(labels);
  std::cout << "pod with " << labels << " labels: " << pod.size() / 1024 << " KB\n";
  burst::VirtualNodeRule rule;
  burst::IntentResolver resolver(rule);

  // The extender's filter, names mode, 50 nodes.
  std::string filter_body = absl::StrCat(R"({"Pod":)", pod, R"(,"NodeNames":["ecs-1","virtual-kubelet-cn-hangzhou-j"]})");
  filter_body.reserve(filter_body.size() + simdjson::SIMDJSON_PADDING);
  scheduler::Extender extender(resolver, rule, nullptr, scheduler::ScoreValues());
  scheduler::RequestDecoder decoder;
  std::string out;
  const double filter_ms = MedianMs([&] {
    absl::StatusOr<scheduler::ExtenderArgs> args = decoder.DecodeExtenderArgs(filter_body, filter_body.capacity());
    auto policy = extender.Resolve(args->pod);
    scheduler::FilterResult result = extender.Filter(*args, policy, extender.ClassifyNodes(*args));
    out.clear();
    scheduler::EncodeFilterResult(*args, result, &out);
  });

  // The webhook's admission of the pod.
  burst::EciProfileStore profile;
  prometheus::Registry registry;
  webhook::WebhookService service(resolver, rule, profile, [](const std::string&) { return nullptr; }, registry);
  const std::string review =
      absl::StrCat(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"r-1",)",
                   R"("kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1",)",
                   R"("resource":"pods"},"namespace":"default","operation":"CREATE","object":)", pod, "}}");
  const double webhook_ms = MedianMs([&] {
    http::Request request;
    request.method = "POST";
    request.target = "/mutate/pods";
    request.content_type = "application/json";
    request.body.reserve(review.size() + http::kBodyPadding);
    request.body = review;
    http::Response response = service.Handle(request);
    if (response.status != 200) std::cerr << "webhook answered " << response.status << "\n";
  });

  // The pod cache: a watch event's pod decoded into its compact record.
  const double cache_ms = MedianMs([&] {
    absl::StatusOr<kube::Pod> decoded = kube::ParsePod(pod);
    kube::PodRecord record = kube::PodRecord::From(*decoded);
    if (record.name().empty()) std::cerr << "no name\n";
  });

  // The label map alone: one Set per entry (what every decoder did) against the builder.
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < labels; ++i) entries.emplace_back(absl::StrCat("l", i), absl::StrCat("v", i % 10));
  const double set_ms = MedianMs([&] {
    kube::StringMap map;
    for (const auto& [key, value] : entries) map.Set(key, value);
  });
  const double builder_ms = MedianMs([&] {
    kube::StringMapBuilder builder;
    for (const auto& [key, value] : entries) builder.Set(key, value);
    kube::StringMap map = builder.Build();
  });

  std::cout << "extender filter      " << filter_ms << " ms\n"
            << "webhook admission    " << webhook_ms << " ms\n"
            << "pod cache decode     " << cache_ms << " ms\n"
            << "label map, Set each  " << set_ms << " ms (the decoders before issue 19)\n"
            << "label map, builder   " << builder_ms << " ms\n";
  return 0;
}

}  // namespace
}  // namespace spillway::bench

int main(int argc, char** argv) {
  int labels = 40000;
  spillway::app::FlagSet flags("huge_pod", "How long each path takes for a pod with many labels.");
  flags.Int("labels", &labels, 1, 1000000, "Labels on the pod");
  if (absl::Status s = flags.Parse(std::vector<std::string>(argv + 1, argv + argc)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  return spillway::bench::Run(labels);
}
