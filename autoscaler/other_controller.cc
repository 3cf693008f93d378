#include "autoscaler/other_controller.h"

#include "absl/strings/match.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;

std::string Text(const json::object& object, const char* key) {
  const json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

}  // namespace

std::optional<std::string> OtherStatusWriter(const json::object& object, absl::string_view own_manager) {
  const json::value* meta = object.if_contains("metadata");
  const json::value* entries = meta != nullptr && meta->is_object() ? meta->get_object().if_contains("managedFields")
                                                                    : nullptr;
  if (entries == nullptr || !entries->is_array()) return std::nullopt;
  for (const json::value& entry : entries->get_array()) {
    if (!entry.is_object() || Text(entry.get_object(), "subresource") != "status") continue;
    const std::string manager = Text(entry.get_object(), "manager");
    if (manager.empty() || manager == own_manager || absl::StartsWith(manager, "kubectl")) continue;
    return manager;
  }
  return std::nullopt;
}

}  // namespace spillway::autoscaler
