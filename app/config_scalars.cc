#include "app/config_scalars.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/yaml_json.h"

namespace spillway::app {
namespace {

namespace pb = google::protobuf;

// Fields holding a Kubernetes quantity: a plain number is the quantity it spells.
bool IsQuantityField(const pb::FieldDescriptor& field) {
  static const auto* const kFields =
      new absl::flat_hash_set<std::string>{"spillway.config.EciCaps.cpu", "spillway.config.EciCaps.memory"};
  return kFields->contains(field.full_name());
}

const pb::FieldDescriptor* FieldNamed(const pb::Descriptor& message, const std::string& key) {
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == key) return message.field(i);
  }
  return message.FindFieldByName(key);
}

absl::Status PrepareMessage(YAML::Node node, const pb::Descriptor& message, const std::string& prefix);

// A plain scalar in a text field: a quantity's number becomes its text; any
// other number or a boolean is refused, quoting what the user wrote.
absl::Status PrepareText(YAML::Node value, const pb::FieldDescriptor& field, const std::string& path) {
  if (!value.IsScalar() || value.Tag() == "!") return absl::OkStatus();  // "!": quoted.
  const std::string& text = value.Scalar();
  const bool number = IsPlainYamlNumber(text);
  if (number && IsQuantityField(field)) {
    value.SetTag("!");
    return absl::OkStatus();
  }
  if (!number && text != "true" && text != "false") return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      path, " (line ", value.Mark().line + 1, "): ", text, " is read as a ", number ? "number" : "boolean",
      ", and this field takes text: quote it (\"", text, "\")"));
}

absl::Status PrepareValue(YAML::Node value, const pb::FieldDescriptor& field, const std::string& path) {
  if (field.cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    return value.IsMap() ? PrepareMessage(value, *field.message_type(), path) : absl::OkStatus();
  }
  if (field.type() == pb::FieldDescriptor::TYPE_STRING) return PrepareText(value, field, path);
  return absl::OkStatus();
}

absl::Status PrepareField(YAML::Node value, const pb::FieldDescriptor& field, const std::string& path) {
  if (field.is_map()) {
    if (!value.IsMap()) return absl::OkStatus();
    const pb::FieldDescriptor& entry_value = *field.message_type()->map_value();
    for (auto entry : value) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      if (absl::Status s = PrepareValue(entry.second, entry_value, absl::StrCat(path, ".", key)); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (field.is_repeated()) {
    if (!value.IsSequence()) return absl::OkStatus();
    for (size_t i = 0; i < value.size(); ++i) {
      if (absl::Status s = PrepareValue(value[i], field, absl::StrCat(path, "[", i, "]")); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  return PrepareValue(value, field, path);
}

absl::Status PrepareMessage(YAML::Node node, const pb::Descriptor& message, const std::string& prefix) {
  for (auto entry : node) {
    if (!entry.first.IsScalar()) continue;
    const std::string key = entry.first.Scalar();
    const pb::FieldDescriptor* field = FieldNamed(message, key);
    if (field == nullptr) continue;
    const std::string path = prefix.empty() ? key : absl::StrCat(prefix, ".", key);
    if (absl::Status s = PrepareField(entry.second, *field, path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareConfigScalars(YAML::Node node, const google::protobuf::Descriptor& message) {
  return PrepareMessage(node, message, "");
}

}  // namespace spillway::app
