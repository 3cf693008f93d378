// Keeps the eci-profile in force (docs/eci-rules.md §4): every change to the
// ConfigMap is parsed; a good one replaces the profile at once (the next
// admission, filter or rescue uses it, no restart); a bad one is refused with
// the reason in a log line, a Warning Event on the ConfigMap and a metric, and
// the last good profile stays; a deleted ConfigMap means no selectors (every
// replica, and every replica started later, agrees on that; a kept "last good"
// would differ between a replica that saw it and one that did not).
//
// What is in force is shown on the ConfigMap and mirrored into the
// MutatingWebhookConfiguration. Every replica runs a watcher, so what they
// write is content-addressed (the same profile gives the same bytes on every
// replica: no resourceVersion, no replica name), compared with what is there
// before writing, and written only when this replica's profile in force
// changes; changes of metadata alone (another replica's annotation) never
// cause a write. N replicas at rest write nothing.
//
//   spillway_eci_profile_selectors            selectors in force
//   spillway_eci_profile_rejected_total       edits refused
//   spillway_eci_profile_applied_total        edits applied
//
// Threading: handlers run on the ConfigMap informer's thread; the store is
// read from any thread.
#ifndef SPILLWAY_CLUSTER_STATE_PROFILE_WATCHER_H_
#define SPILLWAY_CLUSTER_STATE_PROFILE_WATCHER_H_

#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "burst/eci_profile.h"
#include "common/log_limiter.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/objects.h"
#include "kube/rest_client.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace spillway::cluster_state {

// The annotation on the ConfigMap saying what Spillway has in force, and the
// one on the MutatingWebhookConfiguration mirroring the selectors (where
// ACK's documentation tells users to check them).
inline constexpr char kInForceAnnotation[] = "spillway.alibabacloud.com/eci-profile-in-force";
inline constexpr char kMirrorAnnotation[] = "spillway.alibabacloud.com/eci-profile-selectors";

// Where a profile put in force is shown; both optional.
struct ProfileVisibility {
  kube::RestClient* client = nullptr;  // Null: nothing is written.
  // The MutatingWebhookConfiguration to mirror the selectors into ("" none).
  std::string webhook_configuration;
};

class ProfileWatcher {
 public:
  using Visibility = ProfileVisibility;

  // Registers its handlers on `informer` (before it starts). `store`,
  // `registry` and `events` (may be null: no Events) must outlive it.
  ProfileWatcher(kube::Informer<kube::ConfigMap>& informer, burst::EciProfileStore& store,
                 kube::EventRecorder* events, prometheus::Registry& registry, ProfileVisibility visibility = ProfileVisibility());

  // The profile change for one version of the ConfigMap (exposed for tests).
  void Apply(const kube::ConfigMap& config_map);
  void Remove(const kube::ConfigMap& config_map);

  // "6 selector(s) (a, b, ...); content 1f0e...": what the annotation says,
  // the same on every replica holding the same profile.
  static std::string InForce(const burst::EciProfile& profile);

  // Ends the retry thread (before the client goes away). Idempotent.
  void Stop();
  ~ProfileWatcher();

 private:
  // Writes the annotations where they differ. A failure (e.g. the webhook
  // configuration not created yet) is retried every 2 s and logged at most
  // once a minute.
  void Show(const kube::ConfigMap& config_map, const burst::EciProfile& profile);
  bool TryShow(const kube::ConfigMap& config_map, const burst::EciProfile& profile);
  bool TryMirror(const burst::EciProfile& profile, const std::string& in_force);
  void RetryLoop();
  // A replica started after a bad edit has no last good profile of its own:
  // the selectors mirrored into the webhook configuration are the last good
  // one every other replica holds. Null when there is none.
  std::shared_ptr<const burst::EciProfile> Recover();

  burst::EciProfileStore& store_;
  kube::EventRecorder* events_;
  const Visibility visibility_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // What still has to be shown, if a write failed.
  std::optional<std::pair<kube::ConfigMap, burst::EciProfile>> pending_ ABSL_GUARDED_BY(mu_);
  std::thread retry_thread_;
  LogLimiter show_failures_{absl::Minutes(1)};
  prometheus::Gauge& selectors_;
  prometheus::Counter& rejected_;
  prometheus::Counter& applied_;
};

}  // namespace spillway::cluster_state

#endif  // SPILLWAY_CLUSTER_STATE_PROFILE_WATCHER_H_
