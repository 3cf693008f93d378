#include "admin/explanation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "burst/placement.h"

namespace spillway::admin {
namespace {

struct NodeCounts {
  int regular = 0, regular_pass = 0, virtual_ = 0, virtual_pass = 0, hinted = 0;
};

NodeCounts Count(const v1::ExplainResponse& e) {
  NodeCounts c;
  for (const v1::NodeDecision& node : e.nodes()) {
    (node.virtual_() ? c.virtual_ : c.regular)++;
    if (node.verdict() == "pass") (node.virtual_() ? c.virtual_pass : c.regular_pass)++;
    if (!node.scheduler_hints().empty()) c.hinted++;
  }
  return c;
}

std::string AskedFor(const v1::Intent& intent) {
  const std::string& i = intent.intent();
  if (i == "eci_only") return absl::StrCat("it asked for ECI only (", intent.source(), ")");
  if (i == "eci") return absl::StrCat("it asked for regular nodes first, ECI when they are full (", intent.source(), ")");
  if (i == "ecs") return absl::StrCat("it asked for regular nodes only (", intent.source(), ")");
  return "it asked for nothing, so it may use regular nodes only";
}

std::string Bound(const v1::ExplainResponse& e) {
  const std::string& i = e.intent().intent();
  if (e.node_is_virtual()) {
    if (i == "eci" || i == "eci_only") {
      return absl::StrCat("Runs on virtual node ", e.node(), " (an ECI instance): ", AskedFor(e.intent()), ".");
    }
    return absl::StrCat("Runs on virtual node ", e.node(), " (an ECI instance) although ", AskedFor(e.intent()),
                        ": something bound it without the extender (spec.nodeName, or a scheduler that does "
                        "not call Spillway).");
  }
  if (i == "eci_only") {
    return absl::StrCat("Runs on regular node ", e.node(), " although ", AskedFor(e.intent()),
                        ": it was bound without the extender, or asked after it was scheduled.");
  }
  return absl::StrCat("Runs on regular node ", e.node(), ": ", AskedFor(e.intent()), ".");
}

std::string Pending(const v1::ExplainResponse& e) {
  std::string out = "Pending, not scheduled yet";
  if (!e.scheduling_message().empty()) {
    absl::StrAppend(&out, "; kube-scheduler's last attempt said: ", absl::StripSuffix(e.scheduling_message(), "."));
  }
  std::string asked = AskedFor(e.intent());
  asked[0] = absl::ascii_toupper(asked[0]);
  absl::StrAppend(&out, ". ", asked, ".");
  if (!e.intent().eci_blocker().empty()) absl::StrAppend(&out, " ECI cannot run it: ", e.intent().eci_blocker(), ".");
  if (e.nodes_size() > 0) {
    const NodeCounts c = Count(e);
    absl::StrAppend(&out, " Now ", c.regular_pass, " of ", c.regular, " regular and ", c.virtual_pass, " of ",
                    c.virtual_, " virtual nodes would pass kube-scheduler's own filters and the extender");
    absl::StrAppend(&out, c.regular_pass + c.virtual_pass == 0 ? " (none)." : ".");
  }
  if (e.has_rescue() && !e.rescue().outcome().empty() && e.rescue().outcome() != "not_unschedulable") {
    absl::StrAppend(&out, " Rescue: ", e.rescue().outcome(), " — ", e.rescue().why(), ".");
  }
  if (e.node_is_virtual() && e.has_repatriation()) {
    const v1::RepatriationExplanation& home = e.repatriation();
    if (home.outcome() == "moving") absl::StrAppend(&out, " Moving home to ECS: ", home.why(), ".");
    if (home.outcome() == "waiting" && home.reason() != "not_burst") {
      absl::StrAppend(&out, " Stays on ECI for now: ", home.why(), ".");
    }
  }
  return out;
}

}  // namespace

std::string Summarize(const v1::ExplainResponse& e) {
  if (!e.intent().error().empty()) {
    return absl::StrCat("The pod's ECI request is invalid: ", e.intent().error(),
                        ". The extender fails every node with this message until the pod is fixed.");
  }
  if (!e.node().empty()) return Bound(e);
  return Pending(e);
}

}  // namespace spillway::admin
