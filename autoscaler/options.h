// How `serve` configures the autoscaler: the config file's autoscaler
// section, this replica's identity, the shared parts it may use (quota,
// stock cool-downs, eci-profile) and leader election.
#ifndef SPILLWAY_AUTOSCALER_OPTIONS_H_
#define SPILLWAY_AUTOSCALER_OPTIONS_H_

#include <string>

#include "absl/time/time.h"
#include "burst/eci_profile.h"
#include "burst/eci_quota.h"
#include "burst/stock.h"
#include "proto/config.pb.h"

namespace spillway::autoscaler {

struct AutoscalerOptions {
  config::AutoscalerConfig config;
  // Unique per replica; the Lease's holderIdentity and the Events' instance.
  std::string identity;
  std::string own_namespace = "kube-system";
  // The ECI quota the rescuer respects; null: none. Must outlive the autoscaler.
  const burst::EciQuota* quota = nullptr;
  // Stock cool-downs the extender also reads; null: no stock watching.
  burst::StockCoolDowns* stock = nullptr;
  // The eci-profile in force, whose effects a rescued pod gets as the
  // webhook's pods do; null: none.
  const burst::EciProfileStore* eci_profile = nullptr;
  bool leader_elect = true;
  std::string lease_namespace = "kube-system";
  std::string lease_name = "spillway-autoscaler";
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
};

}  // namespace spillway::autoscaler

#endif  // SPILLWAY_AUTOSCALER_OPTIONS_H_
