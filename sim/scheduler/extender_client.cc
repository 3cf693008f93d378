#include "sim/scheduler/extender_client.h"

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "common/status_macros.h"

namespace spillway::sim {
namespace json = boost::json;

absl::StatusOr<std::unique_ptr<ExtenderClient>> ExtenderClient::Create(const ExtenderConfig& config,
                                                                      const std::string& address) {
  SPILLWAY_ASSIGN_OR_RETURN(ExtenderAddress parsed, ParseUrlPrefix(config.url_prefix));
  http::ClientOptions options;
  options.host = parsed.host;
  options.port = parsed.port;
  if (!address.empty()) {
    const size_t colon = address.rfind(':');
    options.host = address.substr(0, colon);
    options.port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
  }
  options.tls = config.enable_https;
  options.timeout = config.http_timeout;
  return std::unique_ptr<ExtenderClient>(new ExtenderClient(config, parsed.path, std::move(options)));
}

ExtenderClient::ExtenderClient(ExtenderConfig config, std::string path, http::ClientOptions options)
    : config_(std::move(config)), path_(std::move(path)), client_(std::move(options)) {}

bool ExtenderClient::IsInterested(const json::object& pod) const {
  if (config_.managed_resources.empty()) return true;
  const json::value* containers = json_fields::At(pod, {"spec", "containers"});
  if (containers == nullptr || !containers->is_array()) return false;
  for (const json::value& container : containers->get_array()) {
    for (const char* kind : {"requests", "limits"}) {
      const json::value* resources = json_fields::At(container, {"resources", kind});
      if (resources == nullptr || !resources->is_object()) continue;
      for (const std::string& managed : config_.managed_resources) {
        if (resources->get_object().contains(managed)) return true;
      }
    }
  }
  return false;
}

std::string ExtenderClient::Args(const json::object& pod, const std::vector<const json::object*>& nodes) const {
  json::object args{{"Pod", pod}};
  if (config_.node_cache_capable) {
    json::array names;
    for (const json::object* node : nodes) names.push_back(node->at("metadata").at("name"));
    args["Nodes"] = nullptr;
    args["NodeNames"] = std::move(names);
  } else {
    json::array items;
    for (const json::object* node : nodes) items.push_back(*node);
    args["Nodes"] = json::object{{"metadata", json::object()}, {"items", std::move(items)}};
    args["NodeNames"] = nullptr;
  }
  return json::serialize(args);
}

absl::StatusOr<json::value> ExtenderClient::Post(const std::string& verb, const std::string& body) {
  SPILLWAY_ASSIGN_OR_RETURN(http::ClientResponse response, client_.Post(absl::StrCat(path_, "/", verb), body));
  if (response.status != 200) {
    return absl::UnavailableError(absl::StrCat("extender ", config_.url_prefix, "/", verb, " answered HTTP ",
                                               response.status));
  }
  boost::system::error_code ec;
  json::value value = json::parse(response.body, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("extender ", verb, ": the answer is not JSON: ", ec.message()));
  return value;
}

absl::StatusOr<ExtenderFilterAnswer> ExtenderClient::Filter(const json::object& pod,
                                                            const std::vector<const json::object*>& nodes) {
  SPILLWAY_ASSIGN_OR_RETURN(json::value value, Post(config_.filter_verb, Args(pod, nodes)));
  if (!value.is_object()) return absl::UnavailableError("extender filter: the answer is not an object");
  const json::object& result = value.get_object();
  if (std::string error = json_fields::String(result, "Error"); !error.empty()) {
    return absl::UnavailableError(error);
  }
  ExtenderFilterAnswer answer;
  if (const json::value* names = result.if_contains("NodeNames"); names != nullptr && names->is_array()) {
    for (const json::value& name : names->get_array()) {
      if (name.is_string()) answer.feasible.emplace_back(name.get_string());
    }
  } else if (const json::value* items = json_fields::At(value, {"Nodes", "items"});
             items != nullptr && items->is_array()) {
    for (const json::value& node : items->get_array()) {
      const json::value* name = json_fields::At(node, {"metadata", "name"});
      if (name != nullptr && name->is_string()) answer.feasible.emplace_back(name->get_string());
    }
  }
  for (auto [key, target] : {std::pair{"FailedNodes", &answer.failed},
                             std::pair{"FailedAndUnresolvableNodes", &answer.failed_unresolvable}}) {
    if (const json::object* failed = json_fields::ObjectAt(result, {key})) {
      for (const auto& [name, reason] : *failed) {
        (*target)[std::string(name)] = reason.is_string() ? std::string(reason.get_string()) : "";
      }
    }
  }
  return answer;
}

absl::StatusOr<std::map<std::string, int64_t>> ExtenderClient::Prioritize(
    const json::object& pod, const std::vector<const json::object*>& nodes) {
  SPILLWAY_ASSIGN_OR_RETURN(json::value value, Post(config_.prioritize_verb, Args(pod, nodes)));
  std::map<std::string, int64_t> scores;
  if (!value.is_array()) return absl::UnavailableError("extender prioritize: the answer is not a list");
  for (const json::value& entry : value.get_array()) {
    if (!entry.is_object()) continue;
    scores[json_fields::String(entry.get_object(), "Host")] = json_fields::Int(entry.get_object(), "Score");
  }
  return scores;
}

}  // namespace spillway::sim
