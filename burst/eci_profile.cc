#include "burst/eci_profile.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kube/names.h"
#include "yaml-cpp/yaml.h"

namespace spillway::burst {
namespace {

// Nodes visited while reading `selectors`: yaml-cpp shares aliased nodes, so
// a small text of nested aliases would otherwise be walked without end.
constexpr int kMaxNodes = 100000;

class Reader {
 public:
  absl::Status Visit(const std::string& where) {
    if (++visited_ > kMaxNodes) {
      return absl::InvalidArgumentError(
          absl::StrCat("selectors: ", where, ": the value expands past ", kMaxNodes,
                       " entries (YAML aliases?)"));
    }
    return absl::OkStatus();
  }

  // What the entries of a map become on a pod: their keys and values are
  // refused here if kube-apiserver would refuse them there (an effect label
  // "data platform" made every ECI pod's creation fail with 422).
  enum class Entries { kLabels, kAnnotations };

  absl::Status StringMap(const YAML::Node& node, const std::string& where, Entries entries,
                         std::vector<std::pair<std::string, std::string>>* out) {
    if (absl::Status s = Visit(where); !s.ok()) return s;
    if (!node || node.IsNull()) return absl::OkStatus();
    if (!node.IsMap()) return absl::InvalidArgumentError(absl::StrCat(where, ": must be a map of strings"));
    for (const auto& entry : node) {
      if (absl::Status s = Visit(where); !s.ok()) return s;
      if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": every key and value must be a string"));
      }
      std::string problem = kube::CheckQualifiedName(where, entry.first.Scalar());
      if (problem.empty() && entries == Entries::kLabels) problem = kube::CheckLabelValue(where, entry.second.Scalar());
      if (!problem.empty()) return absl::InvalidArgumentError(problem);
      out->emplace_back(entry.first.Scalar(), entry.second.Scalar());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<kube::LabelSelector> LabelSelector(const YAML::Node& node, const std::string& where) {
    if (absl::Status s = Visit(where); !s.ok()) return s;
    if (!node.IsMap()) return absl::InvalidArgumentError(absl::StrCat(where, ": must be a LabelSelector"));
    std::vector<kube::LabelSelector::Requirement> requirements;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (key == "matchLabels") {
        std::vector<std::pair<std::string, std::string>> labels;
        if (absl::Status s = StringMap(entry.second, where + ".matchLabels", Entries::kLabels, &labels); !s.ok()) return s;
        for (auto& [label, value] : labels) {
          requirements.push_back({label, kube::LabelSelector::Op::kEquals, {value}});
        }
      } else if (key == "matchExpressions") {
        if (absl::Status s = Expressions(entry.second, where + ".matchExpressions", &requirements); !s.ok()) {
          return s;
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": unknown field \"", key, "\" (a LabelSelector has matchLabels and matchExpressions)"));
      }
    }
    return kube::LabelSelector::Of(std::move(requirements));
  }

  absl::Status Expressions(const YAML::Node& node, const std::string& where,
                           std::vector<kube::LabelSelector::Requirement>* out) {
    if (!node || node.IsNull()) return absl::OkStatus();
    if (!node.IsSequence()) return absl::InvalidArgumentError(absl::StrCat(where, ": must be a list"));
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string at = absl::StrCat(where, "[", i, "]");
      if (absl::Status s = Visit(at); !s.ok()) return s;
      const YAML::Node expression = node[i];
      if (!expression.IsMap() || !expression["key"] || !expression["operator"]) {
        return absl::InvalidArgumentError(absl::StrCat(at, ": needs key and operator"));
      }
      kube::LabelSelector::Requirement requirement;
      requirement.key = expression["key"].Scalar();
      if (std::string problem = kube::CheckQualifiedName(at + ".key", requirement.key); !problem.empty()) {
        return absl::InvalidArgumentError(problem);
      }
      const std::string op = expression["operator"].Scalar();
      if (op == "In") {
        requirement.op = kube::LabelSelector::Op::kIn;
      } else if (op == "NotIn") {
        requirement.op = kube::LabelSelector::Op::kNotIn;
      } else if (op == "Exists") {
        requirement.op = kube::LabelSelector::Op::kExists;
      } else if (op == "DoesNotExist") {
        requirement.op = kube::LabelSelector::Op::kDoesNotExist;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ".operator: unknown operator \"", op, "\" (In, NotIn, Exists or DoesNotExist)"));
      }
      if (const YAML::Node values = expression["values"]; values && !values.IsNull()) {
        if (!values.IsSequence()) return absl::InvalidArgumentError(absl::StrCat(at, ".values: must be a list"));
        for (const YAML::Node& value : values) {
          if (absl::Status s = Visit(at); !s.ok()) return s;
          if (!value.IsScalar()) return absl::InvalidArgumentError(absl::StrCat(at, ".values: strings only"));
          if (std::string problem = kube::CheckLabelValue(at + ".values", value.Scalar()); !problem.empty()) {
            return absl::InvalidArgumentError(problem);
          }
          requirement.values.push_back(value.Scalar());
        }
      }
      const bool set_op = requirement.op == kube::LabelSelector::Op::kIn ||
                          requirement.op == kube::LabelSelector::Op::kNotIn;
      if (set_op && requirement.values.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(at, ": ", op, " needs at least one value"));
      }
      if (!set_op && !requirement.values.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(at, ": ", op, " takes no values"));
      }
      out->push_back(std::move(requirement));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ProfileSelector> Selector(const YAML::Node& node, size_t index) {
    const std::string at = absl::StrCat("selectors[", index, "]");
    if (absl::Status s = Visit(at); !s.ok()) return s;
    if (!node.IsMap()) return absl::InvalidArgumentError(absl::StrCat(at, ": must be an object"));
    ProfileSelector selector;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (key == "name") {
        if (!entry.second.IsScalar()) return absl::InvalidArgumentError(absl::StrCat(at, ".name: must be a string"));
        selector.name = entry.second.Scalar();
      } else if (key == "namespaceSelector" || key == "objectSelector") {
        absl::StatusOr<kube::LabelSelector> parsed = LabelSelector(entry.second, at + "." + key);
        if (!parsed.ok()) return parsed.status();
        (key == "namespaceSelector" ? selector.namespace_selector : selector.object_selector) = *parsed;
      } else if (key == "effect") {
        if (!entry.second.IsMap()) return absl::InvalidArgumentError(absl::StrCat(at, ".effect: must be an object"));
        for (const auto& part : entry.second) {
          const std::string what = part.first.Scalar();
          if (what == "annotations") {
            if (absl::Status s = StringMap(part.second, at + ".effect.annotations", Entries::kAnnotations, &selector.effect_annotations); !s.ok()) return s;
          } else if (what == "labels") {
            if (absl::Status s = StringMap(part.second, at + ".effect.labels", Entries::kLabels, &selector.effect_labels); !s.ok()) return s;
          } else {
            return absl::InvalidArgumentError(absl::StrCat(at, ".effect: unknown field \"", what,
                                                           "\" (annotations and labels)"));
          }
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ": unknown field \"", key,
            "\" (a selector has name, namespaceSelector, objectSelector and effect)"));
      }
    }
    if (selector.name.empty()) return absl::InvalidArgumentError(absl::StrCat(at, ": a selector must have a name"));
    return selector;
  }

 private:
  int visited_ = 0;
};

bool Matches(const std::optional<kube::LabelSelector>& selector, const kube::StringMap* labels) {
  if (!selector.has_value()) return true;
  return labels != nullptr && selector->Matches(*labels);
}

bool SelectorMatches(const ProfileSelector& selector, const kube::StringMap& pod_labels,
                     const kube::StringMap* namespace_labels) {
  return selector.schedules() && Matches(selector.object_selector, &pod_labels) &&
         Matches(selector.namespace_selector, namespace_labels);
}

// Appends the entries whose keys neither the pod nor an earlier selector has.
bool AddMissing(const std::vector<std::pair<std::string, std::string>>& from, const kube::StringMap& existing,
                std::vector<std::pair<std::string, std::string>>* out) {
  bool added = false;
  for (const auto& [key, value] : from) {
    if (existing.Find(key).has_value()) continue;
    bool taken = false;
    for (const auto& entry : *out) taken = taken || entry.first == key;
    if (taken) continue;
    out->emplace_back(key, value);
    added = true;
  }
  return added;
}

}  // namespace

absl::StatusOr<EciProfile> ParseEciProfile(const kube::StringMap& data) {
  EciProfile profile;
  std::optional<absl::string_view> text;
  data.ForEach([&](absl::string_view key, absl::string_view value) {
    if (key == "selectors") {
      text = value;
    } else {
      profile.settings.emplace_back(std::string(key), std::string(value));
    }
  });
  if (text.has_value()) profile.selectors_text = std::string(*text);
  if (!text.has_value() || absl::StripAsciiWhitespace(*text).empty()) return profile;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(*text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("selectors: not valid JSON (or YAML): line ",
                                                   e.mark.line + 1, ", column ", e.mark.column + 1, ": ",
                                                   e.msg));
  }
  if (root.IsNull()) return profile;
  if (!root.IsSequence()) return absl::InvalidArgumentError("selectors: must be a JSON array of selectors");
  Reader reader;
  std::set<std::string> names;
  try {
    for (size_t i = 0; i < root.size(); ++i) {
      absl::StatusOr<ProfileSelector> selector = reader.Selector(root[i], i);
      if (!selector.ok()) return selector.status();
      if (!names.insert(selector->name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("selectors[", i, "]: the name \"", selector->name, "\" is used twice"));
      }
      profile.selectors.push_back(*std::move(selector));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("selectors: ", e.what()));
  }
  return profile;
}

std::vector<std::string> CheckProfileSettings(const EciProfile& profile) {
  std::vector<std::string> problems;
  for (const auto& [key, value] : profile.settings) {
    const bool boolean = key == "enableClusterIp" || key == "enableHybridMode" || key == "enablePrivateZone";
    if (boolean && value != "true" && value != "false") {
      problems.push_back(absl::StrCat(key, ": \"", value, "\" is not \"true\" or \"false\""));
    }
    if (key == "vSwitchIds") {
      for (absl::string_view id : absl::StrSplit(value, ',')) {
        if (!absl::StartsWith(absl::StripAsciiWhitespace(id), "vsw-")) {
          problems.push_back(absl::StrCat("vSwitchIds: \"", id, "\" is not a vSwitch ID (vsw-...)"));
        }
      }
    }
    if (key == "vpcId" && !absl::StartsWith(value, "vpc-")) {
      problems.push_back(absl::StrCat("vpcId: \"", value, "\" is not a VPC ID (vpc-...)"));
    }
    if (key == "securityGroupId" && !absl::StartsWith(value, "sg-")) {
      problems.push_back(absl::StrCat("securityGroupId: \"", value, "\" is not a security group ID (sg-...)"));
    }
  }
  return problems;
}

const ProfileSelector* SchedulingSelector(const EciProfile& profile, const kube::StringMap& pod_labels,
                                          const kube::StringMap* namespace_labels) {
  for (const ProfileSelector& selector : profile.selectors) {
    if (SelectorMatches(selector, pod_labels, namespace_labels)) return &selector;
  }
  return nullptr;
}

ProfileEffect EffectFor(const EciProfile& profile, const kube::StringMap& pod_labels,
                        const kube::StringMap& pod_annotations, const kube::StringMap* namespace_labels,
                        bool headed_to_eci) {
  ProfileEffect effect;
  for (const ProfileSelector& selector : profile.selectors) {
    const bool applies = selector.schedules() ? SelectorMatches(selector, pod_labels, namespace_labels)
                                              : headed_to_eci;
    if (!applies) continue;
    const bool annotated = AddMissing(selector.effect_annotations, pod_annotations, &effect.annotations);
    const bool labelled = AddMissing(selector.effect_labels, pod_labels, &effect.labels);
    if (annotated || labelled) effect.selectors.push_back(selector.name);
  }
  return effect;
}

absl::StatusOr<std::optional<IntentVote>> ProfileSource::Vote(const PodContext& context) const {
  std::shared_ptr<const EciProfile> profile = store_.Get();
  const kube::StringMap* namespace_labels =
      context.namespace_ != nullptr ? &context.namespace_->metadata.labels : nullptr;
  const ProfileSelector* selector =
      SchedulingSelector(*profile, context.pod.metadata.labels, namespace_labels);
  if (selector == nullptr) return std::nullopt;
  return IntentVote{Intent::kEciOnly, absl::StrCat("eci-profile selector ", selector->name)};
}

}  // namespace spillway::burst
