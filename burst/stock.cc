#include "burst/stock.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace spillway::burst {

namespace {

struct DefaultReaction {
  const char* reason;
  int seconds;
  bool delete_stuck_pods;
};
constexpr DefaultReaction kDefaults[] = {
    {"NoStock", 180, true},           {"StockClose", 600, true},   {"ResourceInsufficient", 180, true},
    {"QuotaFull", 300, false},        {"StockExhaust", 60, false}, {"Throttling", 30, false},
    {"UnknownError", 30, false},
    // The account's disk capacity quota: no zone can create the pod, so a
    // replacement elsewhere would fail too; avoid sending more meanwhile.
    {"DiskCapacityQuotaFull", 300, false},
};

struct Words {
  const char* reason;
  const char* words;
};
constexpr Words kWords[] = {
    {"NoStock", "out of ECI stock"},
    {"StockExhaust", "about to run out of ECI stock"},
    {"StockClose", "closed to new ECI instances in its zone"},
    {"ResourceInsufficient", "out of IP addresses in its vSwitch"},
    {"QuotaFull", "at its security group's instance quota"},
    {"DiskCapacityQuotaFull", "at the account's disk capacity quota"},
    {"Throttling", "throttled by ECI's flow control"},
    {"UnknownError", "refused by ECI under heavy load"},
};

}  // namespace

bool IsStockReason(absl::string_view reason) { return StockPolicy().For(reason).has_value(); }

std::string ReasonInWords(absl::string_view reason) {
  for (const Words& w : kWords) {
    if (reason == w.reason) return w.words;
  }
  return std::string(reason);
}

StockPolicy::StockPolicy() {
  for (const DefaultReaction& d : kDefaults) {
    reactions_[d.reason] = StockReaction{absl::Seconds(d.seconds), d.delete_stuck_pods};
  }
}

StockPolicy::StockPolicy(absl::Duration cool_down) : StockPolicy() {
  for (auto& [reason, reaction] : reactions_) reaction.cool_down = cool_down;
}

absl::StatusOr<StockPolicy> StockPolicy::FromConfig(const config::StockConfig& config) {
  StockPolicy policy = config.has_cool_down_seconds() ? StockPolicy(absl::Seconds(config.cool_down_seconds()))
                                                      : StockPolicy();
  if (config.has_cool_down_seconds() && (config.cool_down_seconds() == 0 || config.cool_down_seconds() > 86400)) {
    return absl::InvalidArgumentError(absl::StrCat("autoscaler.stock.coolDownSeconds: ", config.cool_down_seconds(),
                                                   " is outside 1..86400"));
  }
  for (const auto& [reason, seconds] : config.cool_down_seconds_by_reason()) {
    auto it = policy.reactions_.find(reason);
    if (it == policy.reactions_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "autoscaler.stock.coolDownSecondsByReason: \"", reason,
          "\" is not a stock reason (NoStock, StockClose, ResourceInsufficient, QuotaFull, DiskCapacityQuotaFull, "
          "StockExhaust, Throttling, UnknownError)"));
    }
    if (seconds == 0 || seconds > 86400) {
      return absl::InvalidArgumentError(absl::StrCat("autoscaler.stock.coolDownSecondsByReason.", reason, ": ",
                                                     seconds, " is outside 1..86400"));
    }
    it->second.cool_down = absl::Seconds(seconds);
  }
  return policy;
}

std::optional<StockReaction> StockPolicy::For(absl::string_view reason) const {
  auto it = reactions_.find(reason);
  if (it == reactions_.end()) return std::nullopt;
  return it->second;
}

bool StockCoolDowns::Report(const std::string& node, const std::string& reason) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&write_mu_);
  auto next = std::make_shared<Map>();
  for (const auto& [name, cool_down] : *Load()) {
    if (cool_down.until > now) next->emplace(name, cool_down);  // Expired ones go.
  }
  const std::optional<StockReaction> reaction = policy_.For(reason);
  if (!reaction.has_value()) return false;
  const bool fresh = !next->contains(node);
  // A longer cool-down already running is not shortened by a milder reason.
  const absl::Time until = now + reaction->cool_down;
  if (!fresh && (*next)[node].until >= until) return false;
  (*next)[node] = CoolDown{until, reason};
  std::atomic_store(&nodes_, std::shared_ptr<const Map>(std::move(next)));
  return fresh;
}

std::optional<std::string> StockCoolDowns::Cooling(absl::string_view node) const {
  const absl::Time now = clock_.Now();
  const std::shared_ptr<const Map> nodes = Load();
  auto it = nodes->find(node);
  if (it == nodes->end() || it->second.until <= now) return std::nullopt;
  return absl::StrCat("virtual node ", node, " reported ", it->second.reason, "; avoided until ",
                      absl::FormatTime("%H:%M:%SZ", it->second.until, absl::UTCTimeZone()),
                      " while another virtual node can take the pod");
}

int StockCoolDowns::CoolingCount() const {
  const absl::Time now = clock_.Now();
  int n = 0;
  for (const auto& [node, cool_down] : *Load()) n += cool_down.until > now ? 1 : 0;
  return n;
}

std::vector<std::string> StockPolicy::Reasons() const {
  std::vector<std::string> reasons;
  for (const auto& [reason, reaction] : reactions_) reasons.push_back(reason);
  std::sort(reasons.begin(), reasons.end());
  return reasons;
}

std::vector<StockCoolDowns::Active> StockCoolDowns::ActiveCoolDowns() const {
  const absl::Time now = clock_.Now();
  std::vector<Active> active;
  for (const auto& [node, cool_down] : *Load()) {
    if (cool_down.until > now) active.push_back({node, cool_down.reason, cool_down.until});
  }
  std::sort(active.begin(), active.end(), [](const Active& a, const Active& b) { return a.node < b.node; });
  return active;
}

}  // namespace spillway::burst
