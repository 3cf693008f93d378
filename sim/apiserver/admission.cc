#include "sim/apiserver/admission.h"

#include <cstdint>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_format.h"
#include "common/http/client.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "kube/label_selector.h"
#include "sim/apiserver/patch.h"
#include "sim/apiserver/selectors.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

// The CreateOptions an AdmissionReview carries.
json::object CreateOptions(bool dry_run) {
  json::object options{{"apiVersion", "meta.k8s.io/v1"}, {"kind", "CreateOptions"}};
  if (dry_run) options["dryRun"] = json::array{"All"};
  return options;
}

// Whether a list of strings holds `want` or "*".
bool Lists(const json::object& rule, const char* key, const std::string& want) {
  const json::value* list = rule.if_contains(key);
  if (list == nullptr || !list->is_array()) return false;
  for (const json::value& item : list->get_array()) {
    if (item.is_string() && (item.get_string() == want || item.get_string() == "*")) return true;
  }
  return false;
}

bool RulesMatch(const json::object& webhook, const AdmissionRequest& request) {
  const json::value* rules = webhook.if_contains("rules");
  if (rules == nullptr || !rules->is_array()) return false;
  for (const json::value& rule_value : rules->get_array()) {
    if (!rule_value.is_object()) continue;
    const json::object& rule = rule_value.get_object();
    if (Lists(rule, "operations", request.operation) && Lists(rule, "apiGroups", request.type->group) &&
        Lists(rule, "apiVersions", request.type->version) &&
        Lists(rule, "resources", request.type->plural)) {
      return true;
    }
  }
  return false;
}

// Splits "https://host:port/path".
absl::Status ParseUrl(const std::string& url, std::string* host, uint16_t* port, std::string* path) {
  if (!absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat("webhook URL \"", url, "\" must use https"));
  }
  std::string rest = url.substr(8);
  const size_t slash = rest.find('/');
  *path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  const size_t colon = authority.rfind(':');
  int parsed = 443;
  if (colon != std::string::npos && !absl::SimpleAtoi(authority.substr(colon + 1), &parsed)) {
    return absl::InvalidArgumentError(absl::StrCat("webhook URL \"", url, "\" has a bad port"));
  }
  *host = colon == std::string::npos ? authority : authority.substr(0, colon);
  *port = static_cast<uint16_t>(parsed);
  return absl::OkStatus();
}

// Where to call a webhook: clientConfig.url, or clientConfig.service through
// `resolve` (verified for <name>.<namespace>.svc, as kube-apiserver dials it).
absl::Status Target(const json::object& config, const ServiceResolver& resolve, http::ClientOptions* options,
                    std::string* path) {
  const std::string url = json_fields::String(config, "url");
  if (!url.empty()) return ParseUrl(url, &options->host, &options->port, path);
  const json::value* service = config.if_contains("service");
  if (service == nullptr || !service->is_object()) return absl::InvalidArgumentError("clientConfig has neither url nor service");
  const std::string ns = json_fields::String(service->get_object(), "namespace");
  const std::string name = json_fields::String(service->get_object(), "name");
  int64_t port = 443;
  if (const json::value* p = service->get_object().if_contains("port"); p != nullptr && p->is_int64()) {
    port = p->get_int64();
  }
  if (!resolve) {
    return absl::UnavailableError(absl::StrCat("clientConfig.service ", ns, "/", name, " cannot be resolved here"));
  }
  absl::StatusOr<ServiceEndpoint> endpoint = resolve(ns, name, static_cast<int>(port));
  if (!endpoint.ok()) return endpoint.status();
  options->host = endpoint->host;
  options->port = endpoint->port;
  options->tls_server_name = absl::StrCat(name, ".", ns, ".svc");
  *path = json_fields::String(service->get_object(), "path");
  if (path->empty()) *path = "/";
  return absl::OkStatus();
}

absl::StatusOr<json::object> Call(const json::object& webhook, const json::object& review,
                                  const ServiceResolver& resolve, WebhookClients* clients) {
  const json::value* config = webhook.if_contains("clientConfig");
  if (config == nullptr || !config->is_object()) return absl::InvalidArgumentError("no clientConfig");
  http::ClientOptions options;
  std::string path;
  if (absl::Status s = Target(config->get_object(), resolve, &options, &path); !s.ok()) return s;
  options.tls = true;
  const std::string bundle = json_fields::String(config->get_object(), "caBundle");
  if (!bundle.empty() && !absl::Base64Unescape(bundle, &options.ca_pem)) {
    return absl::InvalidArgumentError("clientConfig.caBundle is not base64");
  }
  int64_t timeout = 10;
  if (const json::value* t = webhook.if_contains("timeoutSeconds"); t != nullptr && t->is_int64()) {
    timeout = t->get_int64();
  }
  options.timeout = absl::Seconds(timeout);
  std::unique_ptr<http::Client> client =
      clients != nullptr ? clients->Take(options) : std::make_unique<http::Client>(options);
  absl::StatusOr<http::ClientResponse> response = client->Post(path, json::serialize(review));
  if (!response.ok()) return response.status();
  if (clients != nullptr) clients->GiveBack(options, std::move(client));
  if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat("the webhook answered HTTP ", response->status));
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(response->body, ec);
  if (ec || !parsed.is_object()) return absl::UnavailableError("the webhook's answer is not JSON");
  const json::value* answer = parsed.get_object().if_contains("response");
  if (answer == nullptr || !answer->is_object()) {
    return absl::UnavailableError("the webhook's AdmissionReview has no response");
  }
  return answer->get_object();
}

// Whether `webhook` applies to `request` and `object`: its rules, its
// namespaceSelector and its objectSelector (a selector that does not parse
// matches nothing).
bool Selects(const json::object& webhook, const AdmissionRequest& request, const json::object& object) {
  if (!RulesMatch(webhook, request)) return false;
  absl::StatusOr<kube::LabelSelector> ns_selector = SelectorOf(webhook.if_contains("namespaceSelector"));
  absl::StatusOr<kube::LabelSelector> object_selector = SelectorOf(webhook.if_contains("objectSelector"));
  if (!ns_selector.ok() || !object_selector.ok()) return false;
  const json::value* meta = object.if_contains("metadata");
  const json::value* labels = meta != nullptr && meta->is_object() ? meta->get_object().if_contains("labels") : nullptr;
  return ns_selector->Matches(LabelsIn(request.namespace_labels)) &&
         object_selector->Matches(LabelsIn(labels != nullptr && labels->is_object() ? labels->get_object() : json::object()));
}

// The AdmissionReview v1 kube-apiserver sends for `object`, under `uid`.
json::object Review(const AdmissionRequest& request, const json::object& object, const std::string& uid) {
  const json::value* meta = object.if_contains("metadata");
  const ResourceType& type = *request.type;
  json::object gvk{{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
  json::object gvr{{"group", type.group}, {"version", type.version}, {"resource", type.plural}};
  return json::object{
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request", json::object{{"uid", uid},
                               {"kind", gvk},
                               {"resource", gvr},
                               {"requestKind", gvk},
                               {"requestResource", gvr},
                               {"name", meta != nullptr && meta->is_object() ? json_fields::String(meta->get_object(), "name") : ""},
                               {"namespace", request.namespace_},
                               {"operation", request.operation},
                               {"userInfo", json::object{{"username", "system:admin"},
                                                         {"groups", json::array{"system:masters", "system:authenticated"}}}},
                               {"object", object},
                               {"oldObject", nullptr},
                               {"dryRun", request.dry_run},
                               {"options", CreateOptions(request.dry_run)}}}};
}

// Applies an allowed answer (its warnings and JSONPatch) to `object`; a
// denial is PermissionDenied with the webhook's message.
absl::Status ApplyAnswer(const std::string& name, const json::object& answer, json::object& object,
                         std::vector<std::string>* warnings) {
  const json::value* allowed = answer.if_contains("allowed");
  if (allowed == nullptr || !allowed->is_bool() || !allowed->get_bool()) {
    std::string message;
    if (const json::value* status = answer.if_contains("status"); status != nullptr && status->is_object()) {
      message = json_fields::String(status->get_object(), "message");
    }
    return absl::PermissionDeniedError(
        absl::StrCat("admission webhook \"", name, "\" denied the request", message.empty() ? "" : ": ", message));
  }
  if (const json::value* said = answer.if_contains("warnings"); said != nullptr && said->is_array()) {
    for (const json::value& warning : said->get_array()) {
      if (warning.is_string()) warnings->emplace_back(warning.get_string());
    }
  }
  const std::string patch = json_fields::String(answer, "patch");
  if (patch.empty()) return absl::OkStatus();
  std::string decoded;
  boost::system::error_code ec;
  json::value operations;
  if (absl::Base64Unescape(patch, &decoded)) operations = json::parse(decoded, ec);
  if (decoded.empty() || ec) {
    return absl::InternalError(absl::StrCat("Internal error occurred: webhook \"", name,
                                            "\" returned a patch that is not base64 JSON"));
  }
  json::value target = object;
  if (absl::Status s = JsonPatch(target, operations); !s.ok() || !target.is_object()) {
    return absl::InternalError(absl::StrCat("Internal error occurred: webhook \"", name,
                                            "\" returned a patch that does not apply: ", s.message()));
  }
  object = std::move(target.get_object());
  return absl::OkStatus();
}

}  // namespace

absl::Status RunMutatingWebhooks(const std::vector<json::object>& configurations,
                                 const AdmissionRequest& request, json::object& object,
                                 std::vector<std::string>* warnings, std::vector<IgnoredWebhookFailure>* ignored) {
  thread_local absl::BitGen random;  // Review uids only (a BitGen is not thread-safe).
  for (const json::object& configuration : configurations) {
    const json::value* webhooks = configuration.if_contains("webhooks");
    if (webhooks == nullptr || !webhooks->is_array()) continue;
    for (const json::value& webhook_value : webhooks->get_array()) {
      if (!webhook_value.is_object() || !Selects(webhook_value.get_object(), request, object)) continue;
      const json::object& webhook = webhook_value.get_object();
      const std::string name = json_fields::String(webhook, "name");
      if (request.dry_run) {
        const std::string effects = json_fields::String(webhook, "sideEffects");
        if (effects != "None" && effects != "NoneOnDryRun") {
          return absl::InvalidArgumentError(absl::StrCat("admission webhook \"", name, "\" does not support dry run"));
        }
      }
      const std::string uid = absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random),
                                              absl::Uniform<uint64_t>(random));
      absl::StatusOr<json::object> answer = Call(webhook, Review(request, object, uid), request.resolve_service, request.clients);
      if (answer.ok() && json_fields::String(*answer, "uid") != uid) {
        answer = absl::UnavailableError("the response uid does not match the request's");
      }
      if (!answer.ok()) {
        if (json_fields::String(webhook, "failurePolicy") == "Ignore") {
          const json::value* config_meta = configuration.if_contains("metadata");
          ignored->push_back({config_meta != nullptr && config_meta->is_object()
                                  ? json_fields::String(config_meta->get_object(), "name")
                                  : "",
                              name, std::string(answer.status().message())});
          continue;
        }
        return absl::InternalError(absl::StrCat("Internal error occurred: failed calling webhook \"", name,
                                                "\": ", answer.status().message()));
      }
      SPILLWAY_RETURN_IF_ERROR(ApplyAnswer(name, *answer, object, warnings));
    }
  }
  return absl::OkStatus();
}

}  // namespace spillway::sim
