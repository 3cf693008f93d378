#include "autoscaler/hand_back_plan.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace spillway::autoscaler {
namespace {

constexpr double kGib = double(int64_t{1} << 30);

// The oldest pods that fit one empty node of `shape`, oldest first.
std::vector<const EciPod*> FillOneNode(const std::vector<const EciPod*>& pods, const NodeShape& shape) {
  std::vector<const EciPod*> packed;
  int64_t cpu = shape.cpu_milli, memory = shape.memory_bytes, count = shape.pods;
  for (const EciPod* pod : pods) {
    if (count == 0) break;
    if (pod->cpu_milli > cpu || pod->memory_bytes > memory) continue;
    cpu -= pod->cpu_milli;
    memory -= pod->memory_bytes;
    --count;
    packed.push_back(pod);
  }
  return packed;
}

struct Candidate {
  const NodeShape* shape = nullptr;
  std::vector<const EciPod*> pods;
  absl::Duration break_even;
  double savings = 0;  // $ per second once moved.
};

// The largest prefix of `packed` (oldest first) whose youngest pod has run
// past the break-even age of the prefix.
std::optional<Candidate> WorthMoving(const std::vector<const EciPod*>& packed, const NodeShape& shape,
                                     const HandBackPrices& prices, const HandBackOptions& options, absl::Time now) {
  for (size_t k = packed.size(); k > 0; --k) {
    std::vector<const EciPod*> set(packed.begin(), packed.begin() + k);
    const double rate = EciRate(set, prices);
    const absl::Duration break_even = BreakEvenAge(rate, shape, options);
    if (now - set.back()->running_since >= break_even) {
      return Candidate{&shape, std::move(set), break_even, rate - shape.price_per_hour / 3600};
    }
  }
  return std::nullopt;
}

}  // namespace

double EciRate(const std::vector<const EciPod*>& pods, const HandBackPrices& prices) {
  double rate = 0;
  for (const EciPod* pod : pods) {
    rate += pod->cpu_milli / 1000.0 * prices.eci_vcpu_second + pod->memory_bytes / kGib * prices.eci_gib_second;
  }
  return rate;
}

absl::Duration BreakEvenAge(double eci_rate, const NodeShape& shape, const HandBackOptions& options) {
  const double node_rate = shape.price_per_hour / 3600;
  if (eci_rate <= node_rate) return absl::InfiniteDuration();
  const double overhead = node_rate * absl::ToDoubleSeconds(options.provisioning_delay + options.scale_down_unneeded_time);
  return absl::Seconds(overhead / (eci_rate - node_rate));
}

HandBackPlan PlanHandBack(std::vector<EciPod> pods, const std::vector<NodeShape>& shapes,
                          const HandBackPrices& prices, const HandBackOptions& options, absl::Time now) {
  std::sort(pods.begin(), pods.end(), [](const EciPod& a, const EciPod& b) {
    return std::tie(a.running_since, a.key) < std::tie(b.running_since, b.key);
  });
  std::vector<const EciPod*> left;
  for (const EciPod& pod : pods) left.push_back(&pod);
  HandBackPlan plan;
  for (;;) {
    std::optional<Candidate> best;
    for (const NodeShape& shape : shapes) {
      std::optional<Candidate> c = WorthMoving(FillOneNode(left, shape), shape, prices, options, now);
      if (c.has_value() && (!best.has_value() || c->savings > best->savings)) best = std::move(c);
    }
    if (!best.has_value()) break;
    CapacityRequest request{best->shape->name, {}, best->break_even};
    for (const EciPod* pod : best->pods) {
      request.pods.push_back(pod->key);
      left.erase(std::find(left.begin(), left.end(), pod));
    }
    plan.requests.push_back(std::move(request));
  }
  // Why the rest wait: the break-even of the node they would share.
  for (const NodeShape& shape : shapes) {
    const std::vector<const EciPod*> packed = FillOneNode(left, shape);
    if (packed.empty()) continue;
    const absl::Duration break_even = BreakEvenAge(EciRate(packed, prices), shape, options);
    for (const EciPod* pod : packed) {
      const std::string why =
          break_even == absl::InfiniteDuration()
              ? absl::StrCat("ECI is no dearer than a node of ", shape.name, " for the pods that would fill it")
              : absl::StrFormat("on ECI for %s; a node of %s pays off once the pods that would fill it have run %s",
                                absl::FormatDuration(absl::Trunc(now - pod->running_since, absl::Seconds(1))),
                                shape.name, absl::FormatDuration(absl::Trunc(break_even, absl::Seconds(1))));
      plan.waiting.emplace_back(pod->key, why);
      left.erase(std::find(left.begin(), left.end(), pod));
    }
  }
  for (const EciPod* pod : left) plan.waiting.emplace_back(pod->key, "fits no node pool's nodes");
  return plan;
}

}  // namespace spillway::autoscaler
