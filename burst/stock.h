// Stock cool-downs: a virtual node (one per zone, usually) whose ECI pods
// reported running out of stock or capacity (NoStock, StockExhaust,
// StockClose, Throttling, UnknownError, ResourceInsufficient, QuotaFull) is
// avoided for a while (default 3 minutes, as Karpenter caches insufficient
// capacity) as long as another virtual node can take the pod. The extender
// asks Cooling() for each virtual candidate on its hot path, so reads take
// an immutable snapshot (std::atomic_load) and never wait on a writer. Time
// is injected; thread-safe.
#ifndef SPILLWAY_BURST_STOCK_H_
#define SPILLWAY_BURST_STOCK_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace spillway::burst {

// Whether an ECI Event reason means the zone behind a virtual node cannot
// take pods for now (docs/eci-rules.md §6).
bool IsStockReason(absl::string_view reason);

class StockCoolDowns {
 public:
  // `clock` must outlive it.
  StockCoolDowns(const Clock& clock, absl::Duration cool_down) : clock_(clock), cool_down_(cool_down) {}

  // Node `node` reported `reason` ("NoStock: Create ECI failed because ...").
  // Answers whether this started a new cool-down (not an extension).
  bool Report(const std::string& node, const std::string& reason);
  // Why `node` is avoided and until when, or nullopt when it is not.
  std::optional<std::string> Cooling(absl::string_view node) const;
  // Nodes cooling down now.
  int CoolingCount() const;

 private:
  struct CoolDown {
    absl::Time until;
    std::string reason;
  };
  using Map = absl::flat_hash_map<std::string, CoolDown>;
  std::shared_ptr<const Map> Load() const { return std::atomic_load(&nodes_); }

  const Clock& clock_;
  const absl::Duration cool_down_;
  absl::Mutex write_mu_;  // Serializes Report()s (copy, change, publish).
  std::shared_ptr<const Map> nodes_ = std::make_shared<const Map>();
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_STOCK_H_
