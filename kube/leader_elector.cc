#include "kube/leader_elector.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "glog/logging.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;

// metav1.MicroTime: RFC 3339 with microseconds, UTC.
std::string MicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

}  // namespace

LeaderElector::LeaderElector(RestClient& client, const Clock& clock, Options options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      path_{"coordination.k8s.io", "v1", "leases", options_.lease_namespace, options_.lease_name, ""} {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  absl::MutexLock stopping(&stop_mu_);
  thread_ = std::thread([this] {
    for (;;) {
      // Retried every retry_period; an outage is logged when it starts and
      // then every 30 s, not every retry.
      if (absl::Status s = Step(); !s.ok()) {
        int64_t suppressed = 0;
        if (failure_log_.ShouldLog(absl::Now(), &suppressed)) {
          LOG(WARNING) << "leader election on lease " << options_.lease_namespace << "/"
                       << options_.lease_name << ": " << s << " (" << suppressed
                       << " more failures since the last report)";
        }
      } else {
        failure_log_.Reset();
      }
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopped_), options_.retry_period)) return;
    }
  });
}

void LeaderElector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  // Concurrent callers (signal thread, destructor) each return once stopped.
  absl::MutexLock stopping(&stop_mu_);
  if (thread_.joinable()) thread_.join();
  if (IsLeader()) {
    if (absl::Status s = Release(); !s.ok()) LOG(WARNING) << "releasing the lease: " << s;
    SetLeader(false);
  }
}

std::string LeaderElector::observed_holder() const {
  absl::MutexLock lock(&mu_);
  return observed_holder_;
}

void LeaderElector::SetLeader(bool leader) {
  if (leader_.exchange(leader) == leader) return;
  if (leader) {
    LOG(INFO) << options_.identity << " became the leader (lease " << options_.lease_namespace
              << "/" << options_.lease_name << ")";
    if (options_.on_started_leading) options_.on_started_leading();
  } else {
    LOG(INFO) << options_.identity << " stopped leading";
    if (options_.on_stopped_leading) options_.on_stopped_leading();
  }
}

absl::Status LeaderElector::Step() {
  absl::Status status = TryAcquireOrRenew();
  if (status.ok()) return status;
  // A leader that cannot renew gives up before anyone else may take over.
  bool deadline_passed = false;
  {
    absl::MutexLock lock(&mu_);
    deadline_passed = clock_.Now() - last_renewed_ >= options_.renew_deadline;
  }
  if (IsLeader() && deadline_passed) SetLeader(false);
  return status;
}

absl::Status LeaderElector::TryAcquireOrRenew() {
  const absl::Time now = clock_.Now();
  const std::string stamp = MicroTime(now);
  json::object spec{{"holderIdentity", options_.identity},
                    {"leaseDurationSeconds", absl::ToInt64Seconds(options_.lease_duration)},
                    {"acquireTime", stamp},
                    {"renewTime", stamp},
                    {"leaseTransitions", 0}};
  absl::StatusOr<json::object> current = client_.Get(path_);
  if (current.status().code() == absl::StatusCode::kNotFound) {
    json::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                       {"kind", "Lease"},
                       {"metadata", json::object{{"name", options_.lease_name},
                                                 {"namespace", options_.lease_namespace}}},
                       {"spec", spec}};
    ResourcePath collection = path_;
    collection.name.clear();
    absl::StatusOr<json::object> created = client_.Create(collection, lease);
    if (!created.ok()) return created.status();
    Renewed(now, stamp);
    return absl::OkStatus();
  }
  if (!current.ok()) return current.status();

  json::object old_spec;
  if (const json::value* s = current->if_contains("spec"); s != nullptr && s->is_object()) {
    old_spec = s->get_object();
  }
  const std::string holder = json_fields::String(old_spec, "holderIdentity");
  const std::string renew_time = json_fields::String(old_spec, "renewTime");
  bool held_by_other = false;
  {
    absl::MutexLock lock(&mu_);
    if (holder != observed_holder_ || renew_time != observed_renew_time_) {
      observed_holder_ = holder;
      observed_renew_time_ = renew_time;
      observed_at_ = now;
    }
    const int64_t seconds = json_fields::Int(old_spec, "leaseDurationSeconds");
    const absl::Duration duration =
        seconds > 0 ? absl::Seconds(seconds) : options_.lease_duration;
    held_by_other = !holder.empty() && holder != options_.identity && observed_at_ + duration > now;
  }
  if (held_by_other) {
    SetLeader(false);
    return absl::OkStatus();
  }
  if (holder == options_.identity) {
    spec["acquireTime"] = old_spec.contains("acquireTime") ? old_spec["acquireTime"] : spec["acquireTime"];
    spec["leaseTransitions"] = json_fields::Int(old_spec, "leaseTransitions");
  } else {
    spec["leaseTransitions"] = json_fields::Int(old_spec, "leaseTransitions") + 1;
  }
  (*current)["spec"] = spec;
  // Carries metadata.resourceVersion: a concurrent winner makes this a 409.
  absl::StatusOr<json::object> updated = client_.Update(path_, *current);
  if (!updated.ok()) return updated.status();
  Renewed(now, stamp);
  return absl::OkStatus();
}

void LeaderElector::Renewed(absl::Time now, const std::string& stamp) {
  {
    absl::MutexLock lock(&mu_);
    observed_holder_ = options_.identity;
    observed_renew_time_ = stamp;
    observed_at_ = now;
    last_renewed_ = now;
  }
  SetLeader(true);
}

absl::Status LeaderElector::Release() {
  absl::StatusOr<json::object> released = client_.UpdateWithRetry(path_, [this](json::object& lease) {
    json::value& spec = lease["spec"];
    if (!spec.is_object() || json_fields::String(spec.get_object(), "holderIdentity") != options_.identity) {
      return absl::FailedPreconditionError("the lease is held by someone else");
    }
    spec.get_object()["holderIdentity"] = "";
    return absl::OkStatus();
  });
  if (released.status().code() == absl::StatusCode::kFailedPrecondition) return absl::OkStatus();
  return released.status();
}

}  // namespace spillway::kube
