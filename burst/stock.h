// Stock cool-downs: a virtual node (one per zone, usually) whose ECI pods
// reported running out of stock or capacity (NoStock, StockExhaust,
// StockClose, Throttling, UnknownError, ResourceInsufficient, QuotaFull,
// DiskCapacityQuotaFull) is
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
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "proto/config.pb.h"

namespace spillway::burst {

// Whether an ECI Event reason means the zone behind a virtual node cannot
// take pods for now (docs/eci-rules.md §6).
bool IsStockReason(absl::string_view reason);

// What a stock or capacity reason means, in words for an Event or a log
// ("out of ECI stock", "out of IP addresses in its vSwitch"); the reason
// itself for one not known.
std::string ReasonInWords(absl::string_view reason);

// What one reason calls for.
struct StockReaction {
  absl::Duration cool_down;  // How long the node is avoided.
  // Whether controller-owned pods stuck there are deleted so their controller
  // recreates them elsewhere: only when the zone cannot create them at all
  // (NoStock, StockClose, ResourceInsufficient), not for low stock
  // (StockExhaust), an account-wide quota (QuotaFull) or transient errors
  // (Throttling, UnknownError: virtual-kubelet retries).
  bool delete_stuck_pods;
};

// The reaction to each stock reason (defaults in proto/config.proto,
// StockConfig). Immutable; thread-safe.
class StockPolicy {
 public:
  StockPolicy();  // The defaults.
  // Every reason cooling down `cool_down` (deletion as by default).
  explicit StockPolicy(absl::Duration cool_down);
  // InvalidArgument naming an unknown reason or an out-of-range value.
  static absl::StatusOr<StockPolicy> FromConfig(const config::StockConfig& config);
  // nullopt when `reason` is not a stock reason.
  std::optional<StockReaction> For(absl::string_view reason) const;
  // Every reason with a reaction, sorted.
  std::vector<std::string> Reasons() const;

 private:
  absl::flat_hash_map<std::string, StockReaction> reactions_;
};

class StockCoolDowns {
 public:
  // `clock` must outlive it.
  StockCoolDowns(const Clock& clock, StockPolicy policy) : clock_(clock), policy_(std::move(policy)) {}
  StockCoolDowns(const Clock& clock, absl::Duration cool_down) : StockCoolDowns(clock, StockPolicy(cool_down)) {}
  const StockPolicy& policy() const { return policy_; }

  // Node `node` reported `reason` ("NoStock: Create ECI failed because ...").
  // Answers whether this started a new cool-down (not an extension).
  bool Report(const std::string& node, const std::string& reason);
  // Why `node` is avoided and until when, or nullopt when it is not.
  std::optional<std::string> Cooling(absl::string_view node) const;
  // Nodes cooling down now.
  int CoolingCount() const;
  // The cool-downs in force now, by node name.
  struct Active {
    std::string node;
    std::string reason;
    absl::Time until;
  };
  std::vector<Active> ActiveCoolDowns() const;

 private:
  struct CoolDown {
    absl::Time until;
    std::string reason;
  };
  using Map = absl::flat_hash_map<std::string, CoolDown>;
  std::shared_ptr<const Map> Load() const { return std::atomic_load(&nodes_); }

  const Clock& clock_;
  const StockPolicy policy_;
  absl::Mutex write_mu_;  // Serializes Report()s (copy, change, publish).
  std::shared_ptr<const Map> nodes_ = std::make_shared<const Map>();
};

}  // namespace spillway::burst

#endif  // SPILLWAY_BURST_STOCK_H_
