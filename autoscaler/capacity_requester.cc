#include "autoscaler/capacity_requester.h"

#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log_format.h"
#include "glog/logging.h"
#include "kube/quantity.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;

// 64-bit FNV-1a: a placeholder's name is a function of its ECI pod's uid.
uint64_t Fnv(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::string Quantity(int64_t milli) { return absl::StrCat(milli, "m"); }

}  // namespace

bool IsPlaceholder(const kube::PodRecord& pod) { return pod.labels().Has(kCapacityRequestLabel, "true"); }

std::string PlaceholderName(const std::string& eci_uid) {
  return absl::StrFormat("spillway-capacity-%016x", Fnv(eci_uid));
}

absl::StatusOr<CapacityRequestOptions> CapacityRequestOptionsFrom(const config::CapacityRequestConfig& config) {
  CapacityRequestOptions options;
  const std::string where = "autoscaler.repatriation.capacityRequests";
  if (config.node_shapes().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".nodeShapes: name at least one node pool's nodes"));
  }
  for (int i = 0; i < config.node_shapes_size(); ++i) {
    const config::NodeShapeConfig& shape = config.node_shapes(i);
    const std::string at = absl::StrCat(where, ".nodeShapes[", i, "]");
    absl::StatusOr<int64_t> cpu = kube::ParseQuantityMilli(shape.cpu());
    absl::StatusOr<int64_t> memory = kube::ParseQuantity(shape.memory());
    if (shape.name().empty()) return absl::InvalidArgumentError(at + ".name: required");
    if (!cpu.ok() || *cpu <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".cpu: \"", shape.cpu(), "\" is not a positive quantity"));
    }
    if (!memory.ok() || *memory <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".memory: \"", shape.memory(), "\" is not a positive quantity"));
    }
    if (shape.price_per_hour() <= 0) return absl::InvalidArgumentError(at + ".pricePerHour: must be greater than 0");
    options.shapes.push_back(
        {shape.name(), *cpu, *memory, shape.has_pods() ? shape.pods() : 110, shape.price_per_hour()});
  }
  if (config.eci_vcpu_second() <= 0 || config.eci_gib_second() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".eciVcpuSecond and eciGibSecond: ECI's pay-as-you-go prices are required (the "
                            "break-even compares them with the nodes' pricePerHour)"));
  }
  options.prices = {config.eci_vcpu_second(), config.eci_gib_second()};
  if (config.has_provisioning_delay_seconds()) {
    options.timing.provisioning_delay = absl::Seconds(config.provisioning_delay_seconds());
  }
  if (config.has_scale_down_unneeded_seconds()) {
    options.timing.scale_down_unneeded_time = absl::Seconds(config.scale_down_unneeded_seconds());
  }
  if (!config.priority_class_name().empty()) options.priority_class = config.priority_class_name();
  if (!config.image().empty()) options.image = config.image();
  return options;
}

json::object BuildPlaceholder(const CapacityRequestOptions& options, const std::string& eci_key,
                              const std::string& eci_uid, int64_t cpu_milli, int64_t memory_bytes) {
  const json::object requests{{"cpu", Quantity(cpu_milli)}, {"memory", absl::StrCat(memory_bytes)}};
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       json::object{{"name", PlaceholderName(eci_uid)},
                    {"namespace", options.ns},
                    {"labels", json::object{{kCapacityRequestLabel, "true"}}},
                    {"annotations", json::object{{kCapacityForAnnotation, eci_key},
                                                 {"cluster-autoscaler.kubernetes.io/safe-to-evict", "true"}}}}},
      {"spec",
       json::object{{"priorityClassName", options.priority_class},
                    {"priority", -1},
                    {"preemptionPolicy", "Never"},
                    {"terminationGracePeriodSeconds", 0},
                    {"automountServiceAccountToken", false},
                    {"containers", json::array{json::object{{"name", "pause"},
                                                            {"image", options.image},
                                                            {"resources", json::object{{"requests", requests}}}}}}}}};
}

CapacityRequester::CapacityRequester(kube::RestClient& client, AutoscalerMetrics& metrics,
                                     CapacityRequestOptions options)
    : client_(client), metrics_(metrics), options_(std::move(options)) {}

absl::Status CapacityRequester::Delete(const kube::PodRecord& placeholder) {
  const kube::ResourcePath path{"", "v1", "pods", std::string(placeholder.namespace_()),
                                std::string(placeholder.name()), ""};
  absl::Status deleted = client_.DeleteUid(path, std::string(placeholder.uid()));
  if (deleted.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  metrics_.CountCapacityRequest(deleted.ok() ? "deleted" : "failed");
  return deleted;
}

void CapacityRequester::Reconcile(const std::vector<EciPod>& eci, const std::map<std::string, std::string>& eci_uids,
                                  const std::vector<std::shared_ptr<const kube::PodRecord>>& placeholders,
                                  absl::Time now) {
  int writes = options_.max_writes_per_pass;
  std::set<std::string> held;  // ECI pods with a placeholder.
  for (const auto& placeholder : placeholders) {
    const std::optional<absl::string_view> found = placeholder->annotations().Find(kCapacityForAnnotation);
    const std::string eci_key = found.has_value() ? std::string(*found) : "";
    if (auto uid = eci_uids.find(eci_key); uid != eci_uids.end() && placeholder->name() == PlaceholderName(uid->second)) {
      held.insert(eci_key);  // Sticky while its pod runs on ECI.
      continue;
    }
    if (writes-- <= 0 || placeholder->deleting()) continue;
    if (absl::Status s = Delete(*placeholder); !s.ok()) {
      LOG(WARNING) << "capacity placeholder=" << placeholder->Key() << " delete failed: " << s;
    }
  }
  const HandBackPlan plan = PlanHandBack(eci, options_.shapes, options_.prices, options_.timing, now);
  waiting_ = plan.waiting;
  std::map<std::string, const EciPod*> by_key;
  for (const EciPod& pod : eci) by_key[pod.key] = &pod;
  for (const CapacityRequest& request : plan.requests) {
    for (const std::string& key : request.pods) {
      if (held.count(key) > 0 || writes-- <= 0) continue;
      const EciPod& pod = *by_key.at(key);
      const json::object placeholder =
          BuildPlaceholder(options_, key, eci_uids.at(key), pod.cpu_milli, pod.memory_bytes);
      absl::StatusOr<json::object> created = client_.Create({"", "v1", "pods", options_.ns, "", ""}, placeholder);
      if (created.status().code() == absl::StatusCode::kAlreadyExists) continue;
      metrics_.CountCapacityRequest(created.ok() ? "created" : "failed");
      if (!created.ok()) {
        LOG(WARNING) << "capacity pod=" << key << " placeholder not created: " << created.status();
        continue;
      }
      LOG(INFO) << "capacity pod=" << key << " node_pool=" << request.shape << " action=request why="
                << LogValue(absl::StrCat("on ECI past the break-even of ",
                                         absl::FormatDuration(absl::Trunc(request.break_even_age, absl::Seconds(1)))));
    }
  }
}

}  // namespace spillway::autoscaler
