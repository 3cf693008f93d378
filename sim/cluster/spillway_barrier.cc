#include "sim/cluster/spillway_barrier.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/http/client.h"

namespace spillway::sim {
namespace {

// The value of label `name` in a series' "{a=\"x\",b=\"y\"}" part, or "".
std::string LabelValue(absl::string_view labels, absl::string_view name) {
  const std::string key = absl::StrCat(name, "=\"");
  const size_t at = labels.find(key);
  if (at == absl::string_view::npos) return "";
  const size_t from = at + key.size();
  const size_t to = labels.find('"', from);
  return to == absl::string_view::npos ? "" : std::string(labels.substr(from, to - from));
}

}  // namespace

absl::StatusOr<SpillwayActivity> ParseActivity(absl::string_view metrics_text) {
  SpillwayActivity activity;
  for (absl::string_view line : absl::StrSplit(metrics_text, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    const size_t name_end = std::min(line.find('{'), line.find(' '));
    if (name_end == absl::string_view::npos) continue;
    const absl::string_view name = line.substr(0, name_end);
    int64_t* total = nullptr;
    if (name == "workqueue_depth") {
      total = &activity.queued;
    } else if (name == "workqueue_queue_duration_seconds_count") {
      total = &activity.taken;
    } else if (name == "workqueue_work_duration_seconds_count") {
      total = &activity.finished;
    } else if (name != "spillway_informer_watch_events_total") {
      continue;
    }
    const size_t value_at = line.rfind(' ');
    double value = 0;
    if (!absl::SimpleAtod(line.substr(value_at + 1), &value)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics: no number at the end of \"", line, "\""));
    }
    if (total != nullptr) {
      *total += static_cast<int64_t>(value);
    } else {
      activity.watch_events[LabelValue(line.substr(name_end, value_at - name_end), "resource")] +=
          static_cast<int64_t>(value);
    }
  }
  return activity;
}

std::string Unsettled(const SpillwayActivity& activity, const std::map<std::string, int64_t>& sent,
                      bool watches_current) {
  std::vector<std::string> why;
  if (!watches_current) why.push_back("a watch has not been sent every write yet");
  std::set<std::string> resources;
  for (const auto& [resource, count] : sent) resources.insert(resource);
  for (const auto& [resource, count] : activity.watch_events) resources.insert(resource);
  for (const std::string& resource : resources) {
    const auto s = sent.find(resource);
    const auto a = activity.watch_events.find(resource);
    const int64_t sent_count = s == sent.end() ? 0 : s->second;
    const int64_t applied = a == activity.watch_events.end() ? 0 : a->second;
    if (applied != sent_count) why.push_back(absl::StrCat(resource, ": ", applied, " of ", sent_count, " events applied"));
  }
  if (activity.queued > 0) why.push_back(absl::StrCat(activity.queued, " work item(s) queued"));
  if (activity.taken > activity.finished) {
    why.push_back(absl::StrCat(activity.taken - activity.finished, " work item(s) in progress"));
  }
  return absl::StrJoin(why, "; ");
}

SpillwayBarrier::SpillwayBarrier(ApiServer& api, std::string agent) : api_(api), agent_(std::move(agent)) {}

void SpillwayBarrier::Reset() { api_.watch_deliveries().Reset(agent_); }

void SpillwayBarrier::Wait(uint16_t metrics_port, absl::Duration limit) {
  const absl::Time start = absl::Now();
  http::ClientOptions options;
  options.port = metrics_port;
  options.timeout = absl::Seconds(1);
  http::Client client(options);
  ++stats_.waits;
  for (;;) {
    const uint64_t before = api_.store().resource_version();
    std::shared_ptr<WatchTally> tally = api_.watch_deliveries().Of(agent_);
    const bool current = tally->Current(api_.store());
    const std::map<std::string, int64_t> sent = tally->Sent();
    std::string why;
    absl::StatusOr<http::ClientResponse> metrics = client.Get("/metrics");
    if (!metrics.ok() || metrics->status != 200) {
      why = metrics.ok() ? absl::StrCat("/metrics answered ", metrics->status) : std::string(metrics.status().message());
    } else if (absl::StatusOr<SpillwayActivity> activity = ParseActivity(metrics->body); !activity.ok()) {
      why = std::string(activity.status().message());
    } else {
      why = Unsettled(*activity, sent, current);
    }
    if (why.empty() && api_.store().resource_version() == before) break;
    if (absl::Now() - start > limit) {
      ++stats_.timeouts;
      stats_.last_timeout = why.empty() ? "the cluster kept changing" : why;
      break;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  const absl::Duration took = absl::Now() - start;
  stats_.total += took;
  stats_.longest = std::max(stats_.longest, took);
}

}  // namespace spillway::sim
