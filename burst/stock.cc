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
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  const bool fresh = it == nodes_.end() || it->second.until <= now;
  nodes_[node] = CoolDown{now + cool_down_, reason};
  return fresh;
}

std::optional<std::string> StockCoolDowns::Cooling(absl::string_view node) const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.until <= now) return std::nullopt;
  return absl::StrCat("virtual node ", node, " reported ", it->second.reason, "; avoided until ",
                      absl::FormatTime("%H:%M:%SZ", it->second.until, absl::UTCTimeZone()),
                      " while another virtual node can take the pod");
}

int StockCoolDowns::CoolingCount() const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [node, cool_down] : nodes_) n += cool_down.until > now ? 1 : 0;
  return n;
}

}  // namespace spillway::burst
