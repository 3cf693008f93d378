#include "app/config_loader.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/config_scalars.h"
#include "autoscaler/capacity_requester.h"
#include "burst/eci_quota.h"
#include "burst/stock.h"
#include "common/files.h"
#include "common/json_writer.h"
#include "common/yaml_json.h"
#include "google/protobuf/util/json_util.h"
#include "yaml-cpp/yaml.h"

namespace spillway::app {
namespace {

absl::Status CheckScore(const char* field, bool has, int32_t value) {
  if (has && (value < 0 || value > 10)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", value,
        " is outside 0..10 (kube-scheduler's MaxExtenderPriority; it multiplies by the "
        "extender weight)"));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(const char* field, bool has, uint64_t value, uint64_t min, uint64_t max) {
  if (has && (value < min || value > max)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is outside ", min, "..", max));
  }
  return absl::OkStatus();
}

// An optional numeric field and the values it may take.
struct FieldRange {
  const char* field;
  bool has;
  uint64_t value;
  uint64_t min;
  uint64_t max;
};

template <size_t N>
absl::Status CheckRanges(const FieldRange (&ranges)[N]) {
  for (const FieldRange& range : ranges) {
    if (absl::Status s = CheckRange(range.field, range.has, range.value, range.min, range.max); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateServerConfig(const config::SpillwayConfig& config) {
  const config::ServerConfig& server = config.server();
  const uint64_t max_request = config.extender().has_max_request_bytes()
                                   ? config.extender().max_request_bytes()
                                   : kDefaultMaxRequestBytes;
  if (server.has_max_body_bytes_in_flight() && server.max_body_bytes_in_flight() < max_request) {
    return absl::InvalidArgumentError(absl::StrCat(
        "server.maxBodyBytesInFlight: ", server.max_body_bytes_in_flight(),
        " is less than extender.maxRequestBytes (", max_request,
        "): no request of the largest size could ever be accepted"));
  }
  const FieldRange ranges[] = {
      {"server.maxBodyBytesInFlight", server.has_max_body_bytes_in_flight(),
       server.max_body_bytes_in_flight(), 1, uint64_t{64} << 30},
      {"server.maxIdleConnections", server.has_max_idle_connections(),
       server.max_idle_connections(), 1, 100000},
      {"server.headerTimeoutSeconds", server.has_header_timeout_seconds(),
       server.header_timeout_seconds(), 1, 3600},
      {"server.bodyTimeoutSeconds", server.has_body_timeout_seconds(),
       server.body_timeout_seconds(), 1, 3600},
      {"server.idleTimeoutSeconds", server.has_idle_timeout_seconds(),
       server.idle_timeout_seconds(), 1, 86400},
      {"server.shutdownGraceSeconds", server.has_shutdown_grace_seconds(),
       server.shutdown_grace_seconds(), 1, 600},
  };
  return CheckRanges(ranges);
}

absl::Status ValidateRepatriationConfig(const config::RepatriationConfig& r) {
  const FieldRange ranges[] = {
      {"autoscaler.repatriation.minAgeSeconds", r.has_min_age_seconds(), r.min_age_seconds(), 0, 86400},
      {"autoscaler.repatriation.stableSeconds", r.has_stable_seconds(), r.stable_seconds(), 0, 86400},
      {"autoscaler.repatriation.hysteresisSeconds", r.has_hysteresis_seconds(), r.hysteresis_seconds(), 0, 86400},
      {"autoscaler.repatriation.movesPerMinute", r.has_moves_per_minute(), r.moves_per_minute(), 1, 10000},
      {"autoscaler.repatriation.intervalSeconds", r.has_interval_seconds(), r.interval_seconds(), 1, 3600},
  };
  return CheckRanges(ranges);
}

}  // namespace

absl::Status ValidateConfig(const config::SpillwayConfig& config) {
  const config::ExtenderConfig& extender = config.extender();
  const config::Scores& scores = extender.scores();
  if (absl::Status s = CheckScore("extender.scores.regularNode", scores.has_regular_node(),
                                  scores.regular_node());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckScore("extender.scores.virtualNodeBurst",
                                  scores.has_virtual_node_burst(), scores.virtual_node_burst());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckScore("extender.scores.virtualNodeEciOnly",
                                  scores.has_virtual_node_eci_only(),
                                  scores.virtual_node_eci_only());
      !s.ok()) {
    return s;
  }
  if (extender.has_max_request_bytes() && extender.max_request_bytes() == 0) {
    return absl::InvalidArgumentError("extender.maxRequestBytes: must be greater than 0");
  }
  if (extender.max_request_bytes() > kMaxMaxRequestBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "extender.maxRequestBytes: ", extender.max_request_bytes(), " is more than 1 GiB (",
        kMaxMaxRequestBytes, "); 5000 full Node objects are about 60 MB"));
  }
  if (absl::Status s = ValidateServerConfig(config); !s.ok()) return s;
  const config::RescueConfig& rescue = config.autoscaler().rescue();
  if (!rescue.scope().empty() && rescue.scope() != "all" && rescue.scope() != "opt-in") {
    return absl::InvalidArgumentError(absl::StrCat("autoscaler.rescue.scope: \"", rescue.scope(),
                                                   "\" is not \"all\" or \"opt-in\""));
  }
  if (rescue.grace_seconds() > 86400) {
    return absl::InvalidArgumentError(
        absl::StrCat("autoscaler.rescue.graceSeconds: ", rescue.grace_seconds(), " is more than a day"));
  }
  if (absl::Status s = ValidateRepatriationConfig(config.autoscaler().repatriation()); !s.ok()) return s;
  if (const config::CapacityRequestConfig& capacity = config.autoscaler().repatriation().capacity_requests();
      capacity.enabled()) {
    if (!config.autoscaler().repatriation().enabled()) {
      return absl::InvalidArgumentError(
          "autoscaler.repatriation.capacityRequests.enabled: needs autoscaler.repatriation.enabled (nodes added for "
          "pods that never move home would stand empty)");
    }
    if (absl::StatusOr<autoscaler::CapacityRequestOptions> options = autoscaler::CapacityRequestOptionsFrom(capacity);
        !options.ok()) {
      return options.status();
    }
  }
  if (absl::StatusOr<burst::StockPolicy> stock = burst::StockPolicy::FromConfig(config.autoscaler().stock());
      !stock.ok()) {
    return stock.status();
  }
  if (config.has_eci_quota()) {
    absl::StatusOr<std::unique_ptr<burst::EciQuota>> quota = burst::EciQuota::FromConfig(config.eci_quota());
    if (!quota.ok()) return quota.status();
  }
  const config::VirtualNodeRule& rule = extender.virtual_node();
  for (const auto& [key, value] : rule.labels()) {
    if (key.empty()) return absl::InvalidArgumentError("extender.virtualNode.labels: empty key");
  }
  for (const std::string& key : rule.taint_keys()) {
    if (key.empty()) {
      return absl::InvalidArgumentError("extender.virtualNode.taintKeys: empty taint key");
    }
  }
  for (const std::string& prefix : rule.name_prefixes()) {
    if (prefix.empty()) {
      return absl::InvalidArgumentError("extender.virtualNode.namePrefixes: empty prefix");
    }
  }
  if (rule.ByteSizeLong() > 0 && rule.labels().empty() && rule.taint_keys().empty()) {
    return absl::InvalidArgumentError(
        "extender.virtualNode: give at least one of labels or taintKeys, or no virtualNode "
        "section for the default rule");
  }
  return absl::OkStatus();
}

absl::StatusOr<config::SpillwayConfig> ParseConfig(absl::string_view text,
                                                   absl::string_view source) {
  std::string json;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) {
      json = "{}";
    } else if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": the configuration must be a mapping (YAML) or object (JSON)"));
    } else if (absl::Status s = PrepareConfigScalars(root, *config::SpillwayConfig::descriptor()); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
    } else if (absl::Status s = YamlToJson(root, kExpansionFactor * text.size() + 4096, &json);
               !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
  config::SpillwayConfig config;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, &config, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", status.message().as_string()));
  }
  if (absl::Status s = ValidateConfig(config); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", s.message()));
  }
  return config;
}

absl::StatusOr<config::SpillwayConfig> LoadConfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadRegularFile(path, kMaxConfigFileBytes, "config file");
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path);
}

}  // namespace spillway::app
