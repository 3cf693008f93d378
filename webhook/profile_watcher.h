// Keeps the eci-profile in force (docs/eci-rules.md §4): every change to the
// ConfigMap is parsed; a good one replaces the profile at once (the next
// admission, filter or rescue uses it, no restart); a bad one is refused with
// the reason in a log line, a Warning Event on the ConfigMap and a metric, and
// the last good profile stays; a deleted ConfigMap means no selectors.
//
//   spillway_eci_profile_selectors            selectors in force
//   spillway_eci_profile_rejected_total       edits refused
//   spillway_eci_profile_applied_total        edits applied
//
// Threading: handlers run on the ConfigMap informer's thread; the store is
// read from any thread.
#ifndef SPILLWAY_WEBHOOK_PROFILE_WATCHER_H_
#define SPILLWAY_WEBHOOK_PROFILE_WATCHER_H_

#include <string>

#include "burst/eci_profile.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/objects.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace spillway::webhook {

class ProfileWatcher {
 public:
  // Registers its handlers on `informer` (before it starts). `store`,
  // `registry` and `events` (may be null: no Events) must outlive it.
  ProfileWatcher(kube::Informer<kube::ConfigMap>& informer, burst::EciProfileStore& store,
                 kube::EventRecorder* events, prometheus::Registry& registry);

  // The profile change for one version of the ConfigMap (exposed for tests).
  void Apply(const kube::ConfigMap& config_map);
  void Remove(const kube::ConfigMap& config_map);

 private:
  burst::EciProfileStore& store_;
  kube::EventRecorder* events_;
  prometheus::Gauge& selectors_;
  prometheus::Counter& rejected_;
  prometheus::Counter& applied_;
};

}  // namespace spillway::webhook

#endif  // SPILLWAY_WEBHOOK_PROFILE_WATCHER_H_
