#include "sim/apiserver/field_selector.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace spillway::sim {

absl::StatusOr<FieldSelector> FieldSelector::Parse(absl::string_view text) {
  FieldSelector selector;
  for (absl::string_view raw : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    absl::string_view part = absl::StripAsciiWhitespace(raw);
    Requirement req;
    size_t op = part.find("!=");
    size_t value_start;
    if (op != absl::string_view::npos) {
      req.equals = false;
      value_start = op + 2;
    } else if ((op = part.find('=')) != absl::string_view::npos) {
      req.equals = true;
      value_start = op + 1;
      if (value_start < part.size() && part[value_start] == '=') ++value_start;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("field selector requirement '", part, "': expected =, == or !="));
    }
    for (absl::string_view step : absl::StrSplit(absl::StripAsciiWhitespace(part.substr(0, op)), '.')) {
      req.path.emplace_back(step);
    }
    req.value = std::string(absl::StripAsciiWhitespace(part.substr(value_start)));
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::Matches(const boost::json::object& object) const {
  for (const Requirement& req : requirements_) {
    const boost::json::value* at = nullptr;
    const boost::json::object* current = &object;
    for (size_t i = 0; i < req.path.size() && current != nullptr; ++i) {
      at = current->if_contains(req.path[i]);
      current = (at != nullptr && i + 1 < req.path.size()) ? at->if_object() : nullptr;
      if (at == nullptr) break;
    }
    std::string actual;
    if (at != nullptr) {
      if (const boost::json::string* s = at->if_string()) {
        actual = std::string(s->data(), s->size());
      } else if (at->is_bool()) {
        actual = at->get_bool() ? "true" : "false";
      } else if (!at->is_null()) {
        actual = boost::json::serialize(*at);
      }
    }
    if ((actual == req.value) != req.equals) return false;
  }
  return true;
}

namespace {

// The field labels each kind supports beyond metadata.name and
// metadata.namespace (k8s.io/kubernetes pkg/apis/<group>/v1 conversion.go,
// AddFieldLabelConversionFunc), keyed "<group>/<Kind>".
const std::map<std::string, std::set<std::string>>& KindFieldLabels() {
  static const auto* const kLabels = new std::map<std::string, std::set<std::string>>{
      {"/Pod",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
        "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"}},
      {"/Node", {"spec.unschedulable"}},
      {"/Event",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
        "reportingComponent", "source", "type"}},
      {"/Namespace", {"status.phase"}},
      {"/Secret", {"type"}},
      {"/ReplicationController", {"status.replicas"}},
      {"apps/ReplicaSet", {"status.replicas"}},
      {"batch/Job", {"status.successful"}},
      {"certificates.k8s.io/CertificateSigningRequest", {"spec.signerName"}},
  };
  return *kLabels;
}

}  // namespace

absl::Status FieldSelector::ConvertFieldLabels(absl::string_view group, absl::string_view kind) {
  if (group == "events.k8s.io") return absl::OkStatus();  // Its own field names, not checked here.
  const auto& all = KindFieldLabels();
  auto kind_labels = all.find(absl::StrCat(group, "/", kind));
  for (Requirement& req : requirements_) {
    const std::string label = absl::StrJoin(req.path, ".");
    const bool supported = label == "metadata.name" || label == "metadata.namespace" ||
                           (kind_labels != all.end() && kind_labels->second.count(label) > 0);
    if (!supported) return absl::InvalidArgumentError(absl::StrCat("field label not supported: ", label));
    if (group.empty() && kind == "Event" && label == "source") req.path = {"source", "component"};
  }
  return absl::OkStatus();
}

}  // namespace spillway::sim
