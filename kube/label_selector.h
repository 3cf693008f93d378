// Kubernetes label selectors in their string form (`?labelSelector=`, kubectl
// -l): equality (`a=b`, `a==b`, `a!=b`), set (`a in (x,y)`, `a notin (x)`) and
// existence (`a`, `!a`) requirements, ANDed. Used by the embedded API server's
// list and watch, and by the client when it builds queries.
//
// Immutable after parsing; thread-safe.
#ifndef SPILLWAY_KUBE_LABEL_SELECTOR_H_
#define SPILLWAY_KUBE_LABEL_SELECTOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/objects.h"

namespace spillway::kube {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  // The selector that matches everything.
  LabelSelector() = default;

  // Parses the string form; InvalidArgument naming the bad requirement, e.g.
  // "label selector 'app in (a': unterminated value list".
  static absl::StatusOr<LabelSelector> Parse(absl::string_view text);

  // A selector of these requirements (a LabelSelector object's matchLabels as
  // kEquals, its matchExpressions as kIn/kNotIn/kExists/kDoesNotExist).
  static LabelSelector Of(std::vector<Requirement> requirements) {
    LabelSelector selector;
    selector.requirements_ = std::move(requirements);
    return selector;
  }

  // Whether `labels` satisfy every requirement.
  bool Matches(const StringMap& labels) const;
  // The string form Parse reads back ("app=web,tier in (a,b),!canary").
  std::string ToString() const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_LABEL_SELECTOR_H_
