// Leader election on a coordination.k8s.io/v1 Lease, with client-go's
// semantics, so that of several replicas only one runs the controllers:
//
//  - every `retry_period` a candidate reads the Lease; it takes it when the
//    Lease is absent, released (empty holderIdentity), or was not renewed for
//    `lease_duration` as measured on the candidate's own clock since it last
//    saw the record change (so clock skew between replicas does not matter);
//  - the leader renews every `retry_period`; writes carry the Lease's
//    resourceVersion, so two candidates can never both win one round (409);
//  - a leader that has not renewed for `renew_deadline` (< lease_duration)
//    stops leading at once, before anyone else may take over;
//  - Stop() releases a held Lease (empty holderIdentity) so a standby takes
//    over at its next retry instead of waiting out the lease.
//
// leaseTransitions counts changes of holder; acquireTime marks the current
// holder's start. Callbacks run on the elector's thread.
//
// Thread-safe. Lifecycle: Start() runs the loop on a thread; Stop() ends it.
// Step() runs one round (tests drive it with a FakeClock).
#ifndef SPILLWAY_KUBE_LEADER_ELECTOR_H_
#define SPILLWAY_KUBE_LEADER_ELECTOR_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log_limiter.h"
#include "kube/rest_client.h"

namespace spillway::kube {

class LeaderElector {
 public:
  struct Options {
    std::string lease_namespace = "kube-system";
    std::string lease_name = "spillway";
    std::string identity;  // Unique per replica (pod name + random suffix).
    absl::Duration lease_duration = absl::Seconds(15);
    absl::Duration renew_deadline = absl::Seconds(10);
    absl::Duration retry_period = absl::Seconds(2);
    std::function<void()> on_started_leading;
    std::function<void()> on_stopped_leading;
  };

  // `client` and `clock` must outlive the elector.
  LeaderElector(RestClient& client, const Clock& clock, Options options);
  ~LeaderElector();

  void Start();
  // Ends the loop; a leader releases the Lease and stops leading.
  void Stop();

  // One round: acquire or renew. Errors are those of the API calls (the round
  // counts as not renewed).
  absl::Status Step();
  // Gives the Lease up if held (empty holderIdentity).
  absl::Status Release();

  bool IsLeader() const { return leader_.load(); }
  // The holder this candidate last saw ("" when none).
  std::string observed_holder() const;

 private:
  absl::Status TryAcquireOrRenew();
  void SetLeader(bool leader);
  // Records a successful acquire or renewal (renewTime `stamp`) and leads.
  void Renewed(absl::Time now, const std::string& stamp);

  RestClient& client_;
  const Clock& clock_;
  const Options options_;
  const ResourcePath path_;
  absl::Mutex stop_mu_;
  std::thread thread_ ABSL_GUARDED_BY(stop_mu_);
  std::atomic<bool> leader_{false};
  LogLimiter failure_log_{absl::Seconds(30)};

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // The Lease spec as last seen, and when (on our clock) it last changed.
  std::string observed_holder_ ABSL_GUARDED_BY(mu_);
  std::string observed_renew_time_ ABSL_GUARDED_BY(mu_);
  absl::Time observed_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time last_renewed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_LEADER_ELECTOR_H_
