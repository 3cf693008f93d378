#include "sim/scheduler/scheduler_config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "yaml-cpp/yaml.h"

namespace spillway::sim {
namespace {

absl::Status ReadExtender(const YAML::Node& node, const std::string& where, ExtenderConfig& extender) {
  extender.url_prefix = node["urlPrefix"].as<std::string>("");
  if (extender.url_prefix.empty()) return absl::InvalidArgumentError(where + ".urlPrefix: required");
  extender.filter_verb = node["filterVerb"].as<std::string>("");
  extender.prioritize_verb = node["prioritizeVerb"].as<std::string>("");
  extender.preempt_verb = node["preemptVerb"].as<std::string>("");
  extender.bind_verb = node["bindVerb"].as<std::string>("");
  extender.weight = node["weight"].as<int64_t>(1);
  if (!extender.prioritize_verb.empty() && extender.weight <= 0) {
    return absl::InvalidArgumentError(where + ".weight: must have a positive weight applied to it");
  }
  extender.enable_https = node["enableHTTPS"].as<bool>(false);
  extender.node_cache_capable = node["nodeCacheCapable"].as<bool>(false);
  extender.ignorable = node["ignorable"].as<bool>(false);
  if (node["httpTimeout"]) {
    const std::string text = node["httpTimeout"].as<std::string>();
    if (!absl::ParseDuration(text, &extender.http_timeout)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".httpTimeout: \"", text, "\" is not a duration"));
    }
  }
  for (const YAML::Node& resource : node["managedResources"]) {
    extender.managed_resources.push_back(resource["name"].as<std::string>(""));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SchedulerConfig> ParseSchedulerConfig(const std::string& yaml) {
  SchedulerConfig config;
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (root["kind"].as<std::string>("") != "KubeSchedulerConfiguration") {
      return absl::InvalidArgumentError("kind: not a KubeSchedulerConfiguration");
    }
    if (root["profiles"] && root["profiles"].size() > 0) {
      config.scheduler_name = root["profiles"][0]["schedulerName"].as<std::string>("default-scheduler");
    }
    config.percentage_of_nodes_to_score = root["percentageOfNodesToScore"].as<int>(0);
    int i = 0;
    for (const YAML::Node& node : root["extenders"]) {
      ExtenderConfig extender;
      if (absl::Status s = ReadExtender(node, absl::StrCat("extenders[", i++, "]"), extender); !s.ok()) return s;
      config.extenders.push_back(std::move(extender));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("KubeSchedulerConfiguration: ", e.what()));
  }
  return config;
}

absl::StatusOr<ExtenderAddress> ParseUrlPrefix(const std::string& url_prefix) {
  absl::string_view rest = url_prefix;
  ExtenderAddress address;
  if (absl::ConsumePrefix(&rest, "https://")) {
    address.port = 443;
  } else if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat("urlPrefix \"", url_prefix, "\": not an http(s) URL"));
  }
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  address.path = slash == absl::string_view::npos ? "" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  address.host = std::string(authority.substr(0, colon));
  if (colon != absl::string_view::npos) {
    int port = 0;
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &port) || port <= 0 || port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("urlPrefix \"", url_prefix, "\": bad port"));
    }
    address.port = static_cast<uint16_t>(port);
  }
  if (address.host.empty()) return absl::InvalidArgumentError(absl::StrCat("urlPrefix \"", url_prefix, "\": no host"));
  return address;
}

}  // namespace spillway::sim
