// Records core/v1 Events about the objects Spillway acts on, the way
// client-go's recorder does, so `kubectl describe` shows what happened and why.
//
// Repeats are de-duplicated: an event identical to a recent one (same object,
// type, reason and message) is not created again; the existing Event's
// `count` is incremented and its `lastTimestamp` moved (a merge patch). If
// that Event is gone (expired or deleted), a new one is created. The recent
// events are remembered in a bounded LRU (`cache_size`).
//
// Failures are returned and logged, never thrown: an event is a courtesy, and
// a controller must not fail its work because the API server refused one.
//
// Thread-safe.
#ifndef SPILLWAY_KUBE_EVENT_RECORDER_H_
#define SPILLWAY_KUBE_EVENT_RECORDER_H_

#include <cstdint>
#include <list>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "kube/rest_client.h"

namespace spillway::kube {

// The object an Event is about (core/v1 ObjectReference).
struct ObjectReference {
  std::string api_version;  // "v1", "apps/v1", ...
  std::string kind;
  std::string namespace_;   // Empty for cluster-scoped objects.
  std::string name;
  std::string uid;
};

enum class EventType { kNormal, kWarning };

class EventRecorder {
 public:
  struct Options {
    std::string component = "spillway";  // source.component, reportingComponent
    std::string instance;                // source.host, reportingInstance
    size_t cache_size = 4096;
  };

  // `client` and `clock` must outlive the recorder.
  EventRecorder(RestClient& client, const Clock& clock, Options options);

  absl::Status Record(const ObjectReference& object, EventType type, const std::string& reason,
                      const std::string& message);

 private:
  struct Seen {
    std::string namespace_;
    std::string event_name;
    int64_t count = 0;
    std::list<std::string>::iterator lru;
  };

  absl::Status Create(const ObjectReference& object, EventType type, const std::string& reason,
                      const std::string& message, const std::string& key);
  void Remember(const std::string& key, std::string ns, std::string name, int64_t count)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RestClient& client_;
  const Clock& clock_;
  const Options options_;

  absl::Mutex mu_;
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // Most recent first.
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_EVENT_RECORDER_H_
