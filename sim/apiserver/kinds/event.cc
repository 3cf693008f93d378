// core/v1 Event (pkg/registry/core/event/strategy.go; printEvent) and
// events.k8s.io/v1 Event, the same objects in the newer group. Expiry after
// --event-ttl is the API server's (api_server_housekeeping.cc).
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "sim/apiserver/kinds/kinds.h"
#include "sim/apiserver/kinds/printing.h"
#include "sim/apiserver/tables.h"

namespace spillway::sim::kinds {
namespace {

namespace json = boost::json;
using namespace printing;  // NOLINT: the printers' vocabulary.

json::array EventCells(const json::object& event, absl::Time now) {
  const json::object& involved = Obj(event, "involvedObject");
  std::string seen = Str(event, "lastTimestamp");
  if (seen.empty()) seen = Str(event, "eventTime");
  absl::Time at;
  std::string error;
  const std::string last_seen =
      absl::ParseTime(absl::RFC3339_full, seen, &at, &error) ? HumanDuration(now - at) : "<unknown>";
  std::string kind = Str(involved, "kind");
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return json::array{last_seen, Str(event, "type"), Str(event, "reason"),
                     absl::StrCat(kind, "/", Str(involved, "name")), Str(event, "message")};
}

class EventStrategyImpl : public KindStrategy {
 public:
  // An Event's involvedObject is in the Event's own namespace.
  void Validate(const json::object& object, std::vector<std::string>& problems) const override {
    const json::object* involved = json_fields::ObjectAt(object, {"involvedObject"});
    const json::object* meta = json_fields::ObjectAt(object, {"metadata"});
    const std::string involved_ns = involved != nullptr ? json_fields::String(*involved, "namespace") : "";
    const std::string event_ns = meta != nullptr ? json_fields::String(*meta, "namespace") : "";
    if (!involved_ns.empty() && !event_ns.empty() && involved_ns != event_ns) {
      problems.push_back(absl::StrCat("involvedObject.namespace: Invalid value: \"", involved_ns,
                                      "\": does not match event.namespace"));
    }
  }

  const Printer* TablePrinter() const override {
    static const auto* const kPrinter =
        new Printer{{{"Last Seen", "string"}, {"Type", "string"}, {"Reason", "string"}, {"Object", "string"},
                     {"Message", "string"}},
                    EventCells};
    return kPrinter;
  }

  const FieldLabels* SupportedFieldLabels() const override {
    static const auto* const kLabels = [] {
      FieldLabels labels = OwnPathFieldLabels(
          {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
           "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
           "reportingComponent", "type"});
      labels["source"] = "source.component";
      return new FieldLabels(std::move(labels));
    }();
    return kLabels;
  }
};

// events.k8s.io/v1: its field names differ from core's and are not checked.
class EventsV1EventStrategyImpl : public KindStrategy {
 public:
  const FieldLabels* SupportedFieldLabels() const override { return nullptr; }
};

}  // namespace

const KindStrategy& EventStrategy() {
  static const auto* const kStrategy = new EventStrategyImpl();
  return *kStrategy;
}

const KindStrategy& EventsV1EventStrategy() {
  static const auto* const kStrategy = new EventsV1EventStrategyImpl();
  return *kStrategy;
}

}  // namespace spillway::sim::kinds
