// Typed REST verbs against a Kubernetes API server: get, list (selectors and
// pagination), watch, create, update (optimistic concurrency), patch (merge,
// strategic merge, JSON patch), delete, on any resource and subresource path
// (status, scale), plus pod binding and eviction.
//
// Errors are absl::Status values derived from the server's Status object, so
// callers switch on codes, not strings: NotFound (404), AlreadyExists (409
// AlreadyExists), Aborted (409 Conflict), OutOfRange (410 Expired/Gone),
// InvalidArgument (400/422), PermissionDenied (403), Unauthenticated (401),
// Unavailable (429, 5xx, connection failures), DeadlineExceeded (timeouts).
// The message is the server's own. The reason ("Conflict", "NotFound", ...) is
// attached as the payload kReasonPayload.
//
// Thread-safe: concurrent calls use separate pooled connections.
#ifndef SPILLWAY_KUBE_REST_CLIENT_H_
#define SPILLWAY_KUBE_REST_CLIENT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "common/http/client.h"
#include "kube/client_metrics.h"
#include "kube/connection.h"

namespace spillway::kube {

inline constexpr char kReasonPayload[] = "k8s.io/reason";

// Where an object or collection lives: /api/v1/... or /apis/<group>/<version>/...
struct ResourcePath {
  std::string group;  // "" for the core group.
  std::string version;
  std::string plural;
  std::string namespace_;  // Empty: cluster-scoped, or every namespace for a list.
  std::string name;        // Empty: the collection.
  std::string subresource;

  std::string Url() const;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  // Start after this version (a list's metadata.resourceVersion); empty
  // starts with synthetic ADDED events for every current object.
  std::string resource_version;
  bool allow_bookmarks = true;
  // Asks the server to end the watch after this long (timeoutSeconds), so
  // watches are re-established regularly, as client-go does.
  absl::Duration timeout = absl::Minutes(5);
  // Called once the server accepted the watch (a 2xx header arrived).
  std::function<void()> on_established;
};

// Ends a Watch() in progress from another thread. Once cancelled, every
// Watch() given this canceller returns Cancelled at once. Thread-safe.
class WatchCanceller {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class RestClient;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  http::Client* active_ ABSL_GUARDED_BY(mu_) = nullptr;
};

enum class PatchType { kMerge, kStrategicMerge, kJson };

class RestClient {
 public:
  struct Options {
    absl::Duration timeout = absl::Seconds(30);
    // Connections kept open between calls; a burst opens more, and those
    // past this many are closed when their call ends (after a burst of
    // writes, ~85 stayed open before).
    size_t max_idle_connections = 8;
    // Optional; must outlive the client: client-go's rest_client_* series for
    // every call (a watch counts once, when its answer's header arrives).
    RestClientMetrics* metrics = nullptr;
    // The User-Agent; kube-apiserver names a client's writes in managedFields
    // after it (its text up to a "/").
    std::string user_agent = http::kUserAgent;
  };

  RestClient(Connection connection, Options options);
  ~RestClient();

  // The metrics given in Options, or null.
  RestClientMetrics* metrics() const { return options_.metrics; }

  absl::StatusOr<boost::json::object> Get(const ResourcePath& path);
  // Connections open and waiting for the next call (for tests and metrics).
  size_t IdleConnections() const;
  // A List object (items, metadata.resourceVersion, metadata.continue).
  absl::StatusOr<boost::json::object> List(const ResourcePath& path, const ListOptions& options);
  // The List response's JSON text, for decoders that read it directly
  // (informers decode pages with simdjson into compact records).
  absl::StatusOr<std::string> ListRaw(const ResourcePath& path, const ListOptions& options);
  // Watches a collection, calling `on_event` with the JSON text of each event
  // ({"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": {...}}) as it
  // arrives, until the server ends the watch (OK), `on_event` returns false
  // (OK), `canceller` fires (Cancelled) or the stream breaks (Unavailable,
  // DeadlineExceeded). A watch the server refuses (e.g. 410 Gone for a
  // resourceVersion too old) returns the typed error. `canceller` may be null.
  absl::Status Watch(const ResourcePath& path, const WatchOptions& options,
                     const std::function<bool(absl::string_view event)>& on_event,
                     WatchCanceller* canceller);
  absl::StatusOr<boost::json::object> Create(const ResourcePath& collection,
                                             const boost::json::object& object);
  // Fails with Aborted when the object's metadata.resourceVersion is stale.
  absl::StatusOr<boost::json::object> Update(const ResourcePath& path,
                                             const boost::json::object& object);
  // Reads the object, applies `mutate`, writes it back; on a Conflict re-reads
  // and re-applies (never overwrites a newer object), up to `attempts` times.
  // `mutate` returning an error aborts with that error.
  absl::StatusOr<boost::json::object> UpdateWithRetry(
      const ResourcePath& path, const std::function<absl::Status(boost::json::object&)>& mutate,
      int attempts = 5);
  absl::StatusOr<boost::json::object> Patch(const ResourcePath& path, PatchType type,
                                            const boost::json::value& patch);
  absl::Status Delete(const ResourcePath& path);
  // Deletes the object only if its uid is still `uid` (DeleteOptions
  // preconditions): a replacement of the same name is left alone. Aborted
  // (409 Conflict) when the uid differs.
  absl::Status DeleteUid(const ResourcePath& path, const std::string& uid);

  // POST pods/<name>/binding: assigns the pod to `node` (what a scheduler
  // does). Aborted when it is already assigned.
  absl::Status Bind(const std::string& ns, const std::string& pod, const std::string& node);
  // POST pods/<name>/eviction (policy/v1): deletes the pod unless a
  // PodDisruptionBudget forbids it (Unavailable, 429). With `uid`, only that
  // pod (deleteOptions.preconditions): Aborted (409) when a pod of the same
  // name replaced it.
  absl::Status Evict(const std::string& ns, const std::string& pod, const std::string& uid = "");

  // Cuts off every call in progress (including watches) and makes every later
  // call fail with Cancelled at once: what a process stopping against a
  // frozen or unreachable API server needs to finish within its grace period.
  // Thread-safe; irreversible.
  void Shutdown();

  // Successful calls so far (any 2xx answer, any watch that opened): waiters
  // backing off after a failure wake when it moves, so recovery from an
  // outage does not wait out a long backoff. Thread-safe.
  uint64_t successes() const { return successes_.load(std::memory_order_relaxed); }

  // One request; the building block of the verbs above.
  absl::StatusOr<boost::json::object> Call(const std::string& method, const std::string& target,
                                           const std::string& body,
                                           const std::string& content_type = "application/json");
  // The same, answering the response body's text.
  absl::StatusOr<std::string> CallRaw(const std::string& method, const std::string& target,
                                      const std::string& body,
                                      const std::string& content_type = "application/json");

 private:
  std::unique_ptr<http::Client> NewClient(absl::Duration timeout) const;
  // A pooled client, registered as active until Release(); after Shutdown()
  // one that fails at once.
  std::unique_ptr<http::Client> Acquire();
  void Release(std::unique_ptr<http::Client> client);
  // Registers a client Shutdown() must interrupt; false after Shutdown().
  bool Track(http::Client* client);
  void Untrack(http::Client* client);
  // Closes the idle pooled connections (their credentials are stale).
  void DropIdle() ABSL_LOCKS_EXCLUDED(mu_);
  // Counts a call in Options::metrics, if any; `code` 0: no answer.
  void Observe(absl::string_view method, int code, absl::Time started) const;

  const Connection connection_;
  const Options options_;
  const std::string host_label_;  // host:port, for the metrics.
  std::atomic<uint64_t> successes_{0};
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<http::Client>> idle_ ABSL_GUARDED_BY(mu_);
  std::vector<http::Client*> active_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

// Maps an HTTP status and a body holding a meta/v1 Status to an absl::Status.
absl::Status StatusFromResponse(int http_status, const std::string& body);

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_REST_CLIENT_H_
