// The watch verb's response stream and the accounting of what each client's
// watches have been sent.
//
// WatchStream: newline-delimited {"type": ..., "object": ...} events, as the
// real API server streams them. Starts with synthetic ADDED events for every
// existing object when no resourceVersion is given; sends BOOKMARK events
// (about every 5 s) when asked to; ends at timeoutSeconds; reports a
// resourceVersion that fell out of the event window as an ERROR event with a
// 410 Status, so clients relist.
//
// WatchDeliveries: per client (its User-Agent up to the first '/', as
// managedFields name managers), the ADDED/MODIFIED/DELETED events its
// watches were sent, per resource, and whether every one of its open watches
// has been sent every write to its collection. The simulated cluster reads it
// to wait, between ticks, until Spillway has taken in everything the tick
// wrote (sim/cluster/spillway_barrier.h); kube-apiserver has no such view.
//
// Thread-safe. A stream's Next() runs on the HTTP server's threads.
#ifndef SPILLWAY_SIM_APISERVER_WATCH_STREAM_H_
#define SPILLWAY_SIM_APISERVER_WATCH_STREAM_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/http/server.h"
#include "kube/label_selector.h"
#include "sim/apiserver/field_selector.h"
#include "sim/apiserver/object_store.h"
#include "sim/apiserver/resources.h"

namespace spillway::sim {

class WatchStream;

// What one client's watches were sent since the tally began. Streams opened
// before a WatchDeliveries::Reset() keep the tally they began with, so a
// restarted client is counted afresh.
class WatchTally {
 public:
  // Sent events per resource ("pods", "elasticworkloads.autoscaling.alibabacloud.com").
  std::map<std::string, int64_t> Sent() const;
  // Whether each open stream has been sent every write to its collection
  // (its position is the collection's latest resourceVersion in `store`).
  bool Current(const ObjectStore& store) const;

 private:
  friend class WatchStream;
  void Join(const WatchStream* stream);
  void Leave(const WatchStream* stream);
  void Count(const std::string& resource, int64_t events);

  mutable absl::Mutex mu_;
  std::set<const WatchStream*> streams_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> sent_ ABSL_GUARDED_BY(mu_);
};

class WatchDeliveries {
 public:
  // The tally of `agent` (a User-Agent up to its first '/'); created empty.
  std::shared_ptr<WatchTally> Of(const std::string& agent);
  // Starts `agent`'s tally afresh; its open streams count into the old one.
  void Reset(const std::string& agent);

 private:
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<WatchTally>> tallies_ ABSL_GUARDED_BY(mu_);
};

// "pods" for the core group, "<plural>.<group>" otherwise (kube's resource names).
std::string ResourceName(const ResourceType& type);

class WatchStream : public http::ResponseStream {
 public:
  struct Params {
    ResourceInfo info;
    std::string ns;
    kube::LabelSelector labels;
    FieldSelector fields;
    std::optional<uint64_t> after;  // nullopt: send the current state first.
    bool bookmarks = false;
    absl::Time deadline = absl::InfiniteFuture();
  };

  // `store`, `active` and `generation` must outlive the stream; `active`
  // counts open streams; a change of `generation` expires the stream (410).
  WatchStream(ObjectStore& store, std::atomic<int>& active, const std::atomic<uint64_t>& generation,
              std::shared_ptr<WatchTally> tally, Params params);
  ~WatchStream() override;

  void Start(std::function<void()> wake) override;
  bool Next(std::string* chunk) override;

  // The resourceVersion up to which events have been sent; 0 before the
  // first Next(). Any thread.
  uint64_t position() const { return position_.load(); }
  const ResourceType& type() const { return params_.info.type; }

 private:
  // Whether the watch's selectors select the event's object.
  bool Selected(const WatchEvent& event) const;
  // Appends one watch event line: `object_json` is the object serialized.
  void Append(std::string* chunk, absl::string_view type, absl::string_view object_json);

  ObjectStore& store_;
  std::atomic<int>& active_;
  const std::atomic<uint64_t>& generation_;
  const uint64_t born_in_;
  const std::shared_ptr<WatchTally> tally_;
  const std::string resource_;
  Params params_;
  int listener_ = -1;
  bool started_ = false;
  std::atomic<uint64_t> position_{0};
  int64_t pending_count_ = 0;  // Events appended to the chunk being built.
  absl::Time last_bookmark_;
};

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_WATCH_STREAM_H_
