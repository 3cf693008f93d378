#include "kube/event_recorder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

const char* TypeName(EventType type) { return type == EventType::kWarning ? "Warning" : "Normal"; }

}  // namespace

EventRecorder::EventRecorder(RestClient& client, const Clock& clock, Options options)
    : client_(client), clock_(clock), options_(std::move(options)) {}

absl::Status EventRecorder::Record(const ObjectReference& object, EventType type,
                                   const std::string& reason, const std::string& message) {
  const std::string key = absl::StrJoin({object.namespace_, object.kind, object.name, object.uid,
                                         std::string(TypeName(type)), reason, message},
                                        "\x1f");
  std::string ns;
  std::string name;
  int64_t count = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = seen_.find(key);
    if (it != seen_.end()) {
      ns = it->second.namespace_;
      name = it->second.event_name;
      count = ++it->second.count;
      lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
  }
  if (name.empty()) return Create(object, type, reason, message, key);

  json::object patch{{"count", count}, {"lastTimestamp", Timestamp(clock_.Now())}};
  absl::StatusOr<json::object> patched =
      client_.Patch({"", "v1", "events", ns, name, ""}, PatchType::kMerge, patch);
  if (patched.status().code() == absl::StatusCode::kNotFound) {
    return Create(object, type, reason, message, key);  // It expired meanwhile.
  }
  if (!patched.ok()) {
    LOG(WARNING) << "event " << reason << " on " << object.kind << " " << object.namespace_ << "/"
                 << object.name << " not updated: " << patched.status();
  }
  return patched.status();
}

absl::Status EventRecorder::Create(const ObjectReference& object, EventType type,
                                   const std::string& reason, const std::string& message,
                                   const std::string& key) {
  const std::string ns = object.namespace_.empty() ? "default" : object.namespace_;
  const absl::Time now = clock_.Now();
  std::string name;
  {
    absl::MutexLock lock(&mu_);
    // client-go names events <object>.<unix nanos in hex>; a random suffix
    // keeps names unique across replicas too.
    name = absl::StrFormat("%s.%x%04x", object.name, absl::ToUnixNanos(now),
                           absl::Uniform<uint32_t>(random_, 0, 0x10000));
  }
  json::object event{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", json::object{{"name", name}, {"namespace", ns}}},
      {"involvedObject", json::object{{"apiVersion", object.api_version},
                                      {"kind", object.kind},
                                      {"namespace", object.namespace_},
                                      {"name", object.name},
                                      {"uid", object.uid}}},
      {"reason", reason},
      {"message", message},
      {"type", TypeName(type)},
      {"source", json::object{{"component", options_.component}, {"host", options_.instance}}},
      {"reportingComponent", options_.component},
      {"reportingInstance", options_.instance},
      {"firstTimestamp", Timestamp(now)},
      {"lastTimestamp", Timestamp(now)},
      {"count", 1}};
  absl::StatusOr<json::object> created = client_.Create({"", "v1", "events", ns, "", ""}, event);
  if (!created.ok()) {
    LOG(WARNING) << "event " << reason << " on " << object.kind << " " << ns << "/" << object.name
                 << " not recorded: " << created.status();
    return created.status();
  }
  absl::MutexLock lock(&mu_);
  Remember(key, ns, std::move(name), 1);
  return absl::OkStatus();
}

void EventRecorder::Remember(const std::string& key, std::string ns, std::string name,
                             int64_t count) {
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    lru_.erase(it->second.lru);
    seen_.erase(it);
  }
  lru_.push_front(key);
  seen_[key] = Seen{std::move(ns), std::move(name), count, lru_.begin()};
  while (seen_.size() > options_.cache_size) {
    seen_.erase(lru_.back());
    lru_.pop_back();
  }
}

}  // namespace spillway::kube
