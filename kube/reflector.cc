#include "kube/reflector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "glog/logging.h"

namespace spillway::kube {
namespace {

using json::ForEachElement;
using json::ForEachField;
using json::Path;
using json::ReadInt;
using json::ReadString;
using json::value;

// Reads object.metadata.resourceVersion (bookmarks carry nothing else).
absl::Status ReadResourceVersion(value object, const Path& path, std::string* out) {
  return ForEachField(object, path, [out](absl::string_view key, value item, const Path& child) {
    if (key != "metadata") return absl::OkStatus();
    return ForEachField(item, child, [out](absl::string_view key, value item, const Path& p) {
      if (key != "resourceVersion") return absl::OkStatus();
      return ReadString(item, p, out);
    });
  });
}

// Turns a watch ERROR event's Status object into an absl::Status; 410
// (the resourceVersion left the server's window) is OutOfRange.
absl::Status StatusFromErrorEvent(value object, const Path& path) {
  int64_t code = 0;
  std::string message;
  SPILLWAY_RETURN_IF_ERROR(
      ForEachField(object, path, [&](absl::string_view key, value item, const Path& child) {
        if (key == "code") return ReadInt(item, child, &code);
        if (key == "message") return ReadString(item, child, &message);
        return absl::OkStatus();
      }));
  if (code == 410) return absl::OutOfRangeError(message);
  return absl::UnavailableError(absl::StrCat("watch error ", code, ": ", message));
}

}  // namespace

Reflector::Reflector(RestClient& client, Options options, ReflectorSink& sink)
    : client_(client),
      options_(std::move(options)),
      sink_(sink),
      backoff_(options_.backoff, random_),
      resource_name_(options_.path.group.empty() ? options_.path.plural
                                                 : absl::StrCat(options_.path.plural, ".", options_.path.group)),
      last_in_sync_unix_nanos_(absl::ToUnixNanos(absl::Now())) {
  if (RestClientMetrics* metrics = client_.metrics(); metrics != nullptr) metrics->DeclareWatchResource(resource_name_);
}

absl::Duration Reflector::SyncAge(absl::Time now) const {
  if (watching_.load()) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), now - absl::FromUnixNanos(last_in_sync_unix_nanos_.load()));
}

// How long out of sync before it is worth a warning (a watch re-established
// after its timeout is out of sync for milliseconds).
constexpr absl::Duration kStaleWarning = absl::Minutes(1);

void Reflector::NoteInSync(bool watching) {
  last_in_sync_unix_nanos_.store(absl::ToUnixNanos(absl::Now()));
  watching_.store(watching);
  if (stale_logged_) {
    LOG(INFO) << "cache of " << options_.path.Url() << " is in sync with the API server again";
    stale_logged_ = false;
  }
}

void Reflector::NoteOutOfSync(const absl::Status& why) {
  if (watching_.exchange(false)) last_in_sync_unix_nanos_.store(absl::ToUnixNanos(absl::Now()));
  const absl::Duration age = SyncAge(absl::Now());
  if (!stale_logged_ && age >= kStaleWarning) {
    LOG(WARNING) << "cache of " << options_.path.Url() << " has not been in sync with the API "
                 << "server for " << absl::Trunc(age, absl::Seconds(1))
                 << "; serving from the cache meanwhile (last error: " << why << ")";
    stale_logged_ = true;
  }
}

std::string Reflector::resource_version() const {
  absl::MutexLock lock(&mu_);
  return resource_version_;
}

void Reflector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  canceller_.Cancel();
}

bool Reflector::SleepUnlessStopped(absl::Duration d) {
  const uint64_t successes = client_.successes();
  const absl::Time until = absl::Now() + d;
  absl::MutexLock lock(&mu_);
  while (absl::Now() < until) {
    // Polls the client's success count: one atomic load per slice.
    const absl::Duration slice = std::min(until - absl::Now(), absl::Milliseconds(250));
    if (mu_.AwaitWithTimeout(absl::Condition(&stopped_), slice)) return false;
    if (client_.successes() != successes) {
      backoff_.Reset();  // The API server answers again.
      return true;
    }
  }
  return !stopped_;
}

void Reflector::Run() {
  const std::string what = options_.path.Url();
  for (;;) {
    ++lists_;
    absl::StatusOr<std::string> listed = List();
    if (canceller_.cancelled()) return;
    if (!listed.ok()) {
      NoteOutOfSync(listed.status());
      const absl::Duration wait = backoff_.Next();
      LOG(WARNING) << "list " << what << " failed, retrying in " << wait << ": "
                   << listed.status();
      if (!SleepUnlessStopped(wait)) return;
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      resource_version_ = *listed;
    }
    if (!synced_.exchange(true)) LOG(INFO) << "informer for " << what << " synced";
    NoteInSync(/*watching=*/false);
    backoff_.Reset();
    for (;;) {
      ++watches_;
      absl::Status watched = Watch();
      if (canceller_.cancelled()) return;
      NoteOutOfSync(watched.ok() ? absl::OkStatus() : watched);
      if (watched.ok()) continue;  // The server ended the watch: resume it.
      if (watched.code() == absl::StatusCode::kOutOfRange) {
        LOG(INFO) << "watch " << what << " expired (" << watched.message() << "), relisting";
        break;
      }
      const absl::Duration wait = backoff_.Next();
      LOG(WARNING) << "watch " << what << " failed, relisting in " << wait << ": " << watched;
      if (!SleepUnlessStopped(wait)) return;
      break;
    }
  }
}

absl::StatusOr<std::string> Reflector::List() {
  // A parser of its own, released with the list: a page of 500 nodes is ~6 MB
  // and simdjson keeps buffers several times a document's size, which the
  // small watch events never need.
  simdjson::ondemand::parser parser;
  sink_.BeginReplace();
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  std::string resource_version;
  do {
    absl::StatusOr<std::string> page = client_.ListRaw(options_.path, list_options);
    if (!page.ok()) {
      if (page.status().code() == absl::StatusCode::kOutOfRange &&
          !list_options.continue_token.empty()) {
        // The continue token expired mid-list: start over.
        list_options.continue_token.clear();
        sink_.BeginReplace();
        continue;
      }
      return page.status();
    }
    page->reserve(page->size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::document doc;
    const Path root("List");
    if (auto err = parser.iterate(page->data(), page->size(), page->capacity()).get(doc)) {
      return json::Error(err, root);
    }
    value top;
    if (auto err = doc.get_value().get(top)) return json::Error(err, root);
    list_options.continue_token.clear();
    SPILLWAY_RETURN_IF_ERROR(
        ForEachField(top, root, [&](absl::string_view key, value item, const Path& child) {
          if (key == "metadata") {
            return ForEachField(item, child, [&](absl::string_view key, value v, const Path& p) {
              if (key == "resourceVersion") return ReadString(v, p, &resource_version);
              if (key == "continue") return ReadString(v, p, &list_options.continue_token);
              return absl::OkStatus();
            });
          }
          if (key != "items") return absl::OkStatus();
          return ForEachElement(item, child, [this](value element, const Path& p) {
            if (absl::Status s = sink_.ReplaceItem(element, p); !s.ok()) {
              ++decode_errors_;
              LOG(WARNING) << "skipping an undecodable object in " << options_.path.Url() << ": "
                           << s;
            }
            return absl::OkStatus();
          });
        }));
  } while (!list_options.continue_token.empty());
  sink_.EndReplace();
  return resource_version;
}

absl::Status Reflector::Watch() {
  WatchOptions watch_options;
  watch_options.label_selector = options_.label_selector;
  watch_options.field_selector = options_.field_selector;
  watch_options.resource_version = resource_version();
  watch_options.allow_bookmarks = true;
  watch_options.timeout =
      options_.watch_timeout * absl::Uniform(random_, 1.0, 2.0);
  watch_options.on_established = [this] {
    NoteInSync(/*watching=*/true);
    backoff_.Reset();
  };
  absl::Status event_error;
  absl::Status watched = client_.Watch(
      options_.path, watch_options,
      [this, &event_error](absl::string_view line) {
        event_error = HandleEvent(line);
        return event_error.ok();
      },
      &canceller_);
  if (!event_error.ok()) return event_error;
  return watched;
}

absl::Status Reflector::HandleEvent(absl::string_view line) {
  event_buffer_.assign(line.data(), line.size());
  event_buffer_.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  const Path root("WatchEvent");
  simdjson::ondemand::document doc;
  if (auto err = parser_.iterate(event_buffer_.data(), event_buffer_.size(),
                                 event_buffer_.capacity())
                     .get(doc)) {
    return json::Error(err, root);
  }
  value top;
  if (auto err = doc.get_value().get(top)) return json::Error(err, root);
  std::string type;
  std::string resource_version;
  SPILLWAY_RETURN_IF_ERROR(
      ForEachField(top, root, [&](absl::string_view key, value item, const Path& child) {
        if (key == "type") return ReadString(item, child, &type);
        if (key != "object") return absl::OkStatus();
        if (type.empty()) {
          return absl::InvalidArgumentError("watch event: \"object\" came before \"type\"");
        }
        if (type == "BOOKMARK") return ReadResourceVersion(item, child, &resource_version);
        if (type == "ERROR") return StatusFromErrorEvent(item, child);
        WatchEventType event_type;
        if (type == "ADDED") {
          event_type = WatchEventType::kAdded;
        } else if (type == "MODIFIED") {
          event_type = WatchEventType::kModified;
        } else if (type == "DELETED") {
          event_type = WatchEventType::kDeleted;
        } else {
          return absl::InvalidArgumentError(absl::StrCat("watch event of unknown type ", type));
        }
        absl::StatusOr<std::string> applied = sink_.ApplyEvent(event_type, item, child);
        if (RestClientMetrics* metrics = client_.metrics(); metrics != nullptr) {
          metrics->CountWatchEvent(resource_name_);
        }
        if (!applied.ok()) {
          ++decode_errors_;
          LOG(WARNING) << "skipping an undecodable " << type << " event in "
                       << options_.path.Url() << ": " << applied.status();
          return absl::OkStatus();
        }
        resource_version = *std::move(applied);
        return absl::OkStatus();
      }));
  if (!resource_version.empty()) {
    absl::MutexLock lock(&mu_);
    resource_version_ = std::move(resource_version);
  }
  return absl::OkStatus();
}

}  // namespace spillway::kube
