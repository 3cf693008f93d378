// The list-then-watch loop behind every informer, after client-go's Reflector:
//
//   list (pages of `page_size`, following `continue`) -> sink.Replace*
//   watch from the list's resourceVersion with allowWatchBookmarks=true,
//     applying ADDED/MODIFIED/DELETED to the sink and remembering the
//     resourceVersion of every event and BOOKMARK;
//   the server ends the watch (timeoutSeconds)      -> watch again from there;
//   410 Gone / an ERROR event with code 410          -> relist at once;
//   a broken stream, a refused connection, 5xx       -> back off (exponential,
//                                                       jittered) and relist.
//
// Objects are decoded straight from the response bytes with simdjson
// On-Demand by the sink (into compact records), never kept as JSON. An object
// the sink cannot decode is skipped with a warning and counted, so one odd
// object never stalls the cache.
//
// Lifecycle: Run() blocks on the calling thread until Stop() (thread-safe,
// also interrupts a watch or a backoff wait in progress).
#ifndef SPILLWAY_KUBE_REFLECTOR_H_
#define SPILLWAY_KUBE_REFLECTOR_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/backoff.h"
#include "kube/json_reader.h"
#include "kube/rest_client.h"

namespace spillway::kube {

enum class WatchEventType { kAdded, kModified, kDeleted };

// Where a reflector delivers objects (an informer's store). Called on the
// reflector's thread only.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A (re)list: BeginReplace(), ReplaceItem() per object, EndReplace(). After
  // EndReplace() the sink holds exactly the listed objects.
  virtual void BeginReplace() = 0;
  virtual absl::Status ReplaceItem(json::value object, const json::Path& path) = 0;
  virtual void EndReplace() = 0;
  // Applies a watch event; answers the object's metadata.resourceVersion.
  virtual absl::StatusOr<std::string> ApplyEvent(WatchEventType type, json::value object,
                                                 const json::Path& path) = 0;
};

class Reflector {
 public:
  struct Options {
    ResourcePath path;  // A collection (namespace_ empty: all namespaces).
    std::string label_selector;
    std::string field_selector;
    int64_t page_size = 500;  // As client-go lists.
    Backoff::Options backoff;
    // Each watch asks the server to end it after a random time in
    // [watch_timeout, 2 * watch_timeout), as client-go does.
    absl::Duration watch_timeout = absl::Minutes(5);
  };

  // `client` and `sink` must outlive the reflector.
  Reflector(RestClient& client, Options options, ReflectorSink& sink);

  void Run();
  void Stop();

  // Whether a full list has been delivered at least once.
  bool HasSynced() const { return synced_.load(); }
  // Counters, for metrics and tests.
  int64_t lists() const { return lists_.load(); }
  int64_t watches() const { return watches_.load(); }
  int64_t decode_errors() const { return decode_errors_.load(); }
  std::string resource_version() const;
  // How long the cache has not been known to be current at `now`: zero while
  // a watch is open, else the time since the last one ended or the last list
  // completed (since the reflector started, before the first). Serving from a
  // stale cache is right during an API outage; this makes it visible
  // (spillway_cache_last_sync_age_seconds). Thread-safe.
  absl::Duration SyncAge(absl::Time now) const;

 private:
  // Lists every page into the sink; answers the list's resourceVersion.
  absl::StatusOr<std::string> List();
  // Watches from resource_version_ until the watch must be re-established
  // (OK), a relist is needed (OutOfRange) or it failed.
  absl::Status Watch();
  absl::Status HandleEvent(absl::string_view line);
  // Sleeps up to `d`, or less once another call through the client succeeds
  // (the API server is back); false when Stop() was called.
  bool SleepUnlessStopped(absl::Duration d);
  // The cache is current (a list completed, a watch opened) or may no longer
  // be (the watch ended or failed). Out of sync for over a minute is logged
  // once, with `why`; the recovery too.
  void NoteInSync(bool watching);
  void NoteOutOfSync(const absl::Status& why);

  RestClient& client_;
  const Options options_;
  ReflectorSink& sink_;
  absl::BitGen random_;
  Backoff backoff_;
  // "pods", "elasticworkloads.autoscaling.alibabacloud.com": the metrics' resource label.
  const std::string resource_name_;
  WatchCanceller canceller_;
  simdjson::ondemand::parser parser_;  // Reflector thread only; for watch events.
  std::string event_buffer_;           // Reflector thread only; padded copy of an event.

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::string resource_version_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> synced_{false};
  std::atomic<int64_t> lists_{0};
  std::atomic<int64_t> watches_{0};
  std::atomic<int64_t> decode_errors_{0};
  std::atomic<bool> watching_{false};
  std::atomic<int64_t> last_in_sync_unix_nanos_;
  bool stale_logged_ = false;  // Reflector thread only.
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_REFLECTOR_H_
