#include "burst/stock.h"

#include "absl/strings/str_cat.h"

namespace spillway::burst {

bool IsStockReason(absl::string_view reason) {
  for (const char* stock : {"NoStock", "StockExhaust", "StockClose", "Throttling", "UnknownError",
                            "ResourceInsufficient", "QuotaFull"}) {
    if (reason == stock) return true;
  }
  return false;
}

bool StockCoolDowns::Report(const std::string& node, const std::string& reason) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&write_mu_);
  auto next = std::make_shared<Map>();
  for (const auto& [name, cool_down] : *Load()) {
    if (cool_down.until > now) next->emplace(name, cool_down);  // Expired ones go.
  }
  const bool fresh = !next->contains(node);
  (*next)[node] = CoolDown{now + cool_down_, reason};
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

}  // namespace spillway::burst
