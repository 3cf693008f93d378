#include "sim/apiserver/watch_stream.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace spillway::sim {
namespace json = boost::json;

std::map<std::string, int64_t> WatchTally::Sent() const {
  absl::MutexLock lock(&mu_);
  return sent_;
}

bool WatchTally::Current(const ObjectStore& store) const {
  absl::MutexLock lock(&mu_);
  for (const WatchStream* stream : streams_) {
    if (stream->position() < store.LatestVersionOf(stream->type().group, stream->type().plural)) return false;
  }
  return true;
}

void WatchTally::Join(const WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.insert(stream);
}

void WatchTally::Leave(const WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void WatchTally::Count(const std::string& resource, int64_t events) {
  absl::MutexLock lock(&mu_);
  sent_[resource] += events;
}

std::shared_ptr<WatchTally> WatchDeliveries::Of(const std::string& agent) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<WatchTally>& tally = tallies_[agent];
  if (tally == nullptr) tally = std::make_shared<WatchTally>();
  return tally;
}

void WatchDeliveries::Reset(const std::string& agent) {
  absl::MutexLock lock(&mu_);
  tallies_[agent] = std::make_shared<WatchTally>();
}

std::string ResourceName(const ResourceType& type) {
  return type.group.empty() ? type.plural : absl::StrCat(type.plural, ".", type.group);
}

WatchStream::WatchStream(ObjectStore& store, std::atomic<int>& active, const std::atomic<uint64_t>& generation,
                         std::shared_ptr<WatchTally> tally, Params params)
    : store_(store),
      active_(active),
      generation_(generation),
      born_in_(generation.load()),
      tally_(std::move(tally)),
      resource_(ResourceName(params.info.type)),
      params_(std::move(params)) {
  active_.fetch_add(1);
  tally_->Join(this);
}

WatchStream::~WatchStream() {
  tally_->Leave(this);
  if (listener_ >= 0) store_.RemoveListener(listener_);
  active_.fetch_sub(1);
}

void WatchStream::Start(std::function<void()> wake) { listener_ = store_.AddListener(std::move(wake)); }

bool WatchStream::Next(std::string* chunk) {
  pending_count_ = 0;
  uint64_t last = position_.load();
  if (!started_) {
    started_ = true;
    if (!params_.after.has_value()) {
      ObjectStore::ListResult list = store_.List(params_.info.type, params_.ns, params_.labels, params_.fields);
      for (const json::object& item : list.items) Append(chunk, "ADDED", json::serialize(item));
      last = list.resource_version;
    } else {
      last = *params_.after;
    }
    last_bookmark_ = absl::Now();
  }
  absl::StatusOr<ObjectStore::LoggedEvents> events = store_.EventsAfter(params_.info.type, params_.ns, last);
  if (events.ok() && generation_.load() != born_in_) {
    events = absl::OutOfRangeError(
        absl::StrCat("too old resource version: ", last, " (the watch cache dropped this watch)"));
  }
  if (!events.ok()) {
    json::object status{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
                        {"status", "Failure"}, {"message", std::string(events.status().message())},
                        {"reason", "Expired"}, {"code", 410}};
    chunk->append(json::serialize(json::object{{"type", "ERROR"}, {"object", std::move(status)}}));
    chunk->push_back('\n');
    tally_->Count(resource_, pending_count_);
    return false;
  }
  for (const std::shared_ptr<const WatchEvent>& event : events->events) {
    if (!Selected(*event)) continue;
    Append(chunk, WatchEventTypeName(event->type), event->object_json());
  }
  // Everything up to `through` is seen: the other types' writes included.
  last = events->through;
  // Counted before the position moves: a reader that sees the position sees the count.
  if (pending_count_ > 0) tally_->Count(resource_, pending_count_);
  position_.store(last);
  const absl::Time now = absl::Now();
  if (params_.bookmarks && chunk->empty() && now - last_bookmark_ >= absl::Seconds(5)) {
    last_bookmark_ = now;
    json::object bookmark{{"kind", params_.info.type.kind},
                          {"apiVersion", params_.info.GroupVersion()},
                          {"metadata", json::object{{"resourceVersion", std::to_string(last)}}}};
    chunk->append(json::serialize(json::object{{"type", "BOOKMARK"}, {"object", std::move(bookmark)}}));
    chunk->push_back('\n');
  }
  return now < params_.deadline;
}

bool WatchStream::Selected(const WatchEvent& event) const {
  if (params_.labels.empty() && params_.fields.empty()) return true;
  boost::system::error_code ec;
  const json::value object = json::parse(event.object_json(), ec);
  if (ec || !object.is_object()) return false;  // The store wrote it: never.
  return params_.labels.Matches(LabelsOf(object.get_object())) && params_.fields.Matches(object.get_object());
}

void WatchStream::Append(std::string* chunk, absl::string_view type, absl::string_view object_json) {
  // What serializing {"type": type, "object": object} writes.
  absl::StrAppend(chunk, "{\"type\":\"", type, "\",\"object\":", object_json, "}\n");
  ++pending_count_;
}

}  // namespace spillway::sim
