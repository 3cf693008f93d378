#include "kube/rest_client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace spillway::kube {
namespace {

namespace json = boost::json;

std::string UrlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

}  // namespace

std::string ResourcePath::Url() const {
  std::string url = group.empty() ? absl::StrCat("/api/", version)
                                  : absl::StrCat("/apis/", group, "/", version);
  if (!namespace_.empty()) absl::StrAppend(&url, "/namespaces/", namespace_);
  absl::StrAppend(&url, "/", plural);
  if (!name.empty()) absl::StrAppend(&url, "/", name);
  if (!subresource.empty()) absl::StrAppend(&url, "/", subresource);
  return url;
}

absl::Status StatusFromResponse(int http_status, const std::string& body) {
  std::string message = absl::StrCat("HTTP ", http_status);
  std::string reason;
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    const json::object& object = parsed.get_object();
    if (const json::value* m = object.if_contains("message"); m != nullptr && m->is_string()) {
      message = std::string(m->get_string());
    }
    if (const json::value* r = object.if_contains("reason"); r != nullptr && r->is_string()) {
      reason = std::string(r->get_string());
    }
  } else if (!body.empty()) {
    message = absl::StrCat("HTTP ", http_status, ": ", body.substr(0, 200));
  }
  absl::Status status;
  switch (http_status) {
    case 400:
    case 422:
      status = absl::InvalidArgumentError(message);
      break;
    case 401:
      status = absl::UnauthenticatedError(message);
      break;
    case 403:
      status = absl::PermissionDeniedError(message);
      break;
    case 404:
      status = absl::NotFoundError(message);
      break;
    case 409:
      status = reason == "AlreadyExists" ? absl::AlreadyExistsError(message)
                                         : absl::AbortedError(message);
      break;
    case 410:
      status = absl::OutOfRangeError(message);
      break;
    case 429:
      status = absl::UnavailableError(message);
      break;
    default:
      status = http_status >= 500 ? absl::UnavailableError(message) : absl::UnknownError(message);
  }
  if (!reason.empty()) status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

RestClient::RestClient(Connection connection, Options options)
    : connection_(std::move(connection)), options_(options) {}

RestClient::~RestClient() = default;

std::unique_ptr<http::Client> RestClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<http::Client> client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  http::ClientOptions options;
  options.host = connection_.host;
  options.port = connection_.port;
  options.tls = connection_.scheme == "https";
  options.ca_pem = connection_.insecure_skip_tls_verify ? "" : connection_.ca_pem;
  options.client_cert_pem = connection_.client_cert_pem;
  options.client_key_pem = connection_.client_key_pem;
  options.timeout = options_.timeout;
  if (!connection_.token_file.empty()) {
    options.bearer_token = [file = connection_.token_file] { return ReadToken(file); };
  } else if (!connection_.token.empty()) {
    options.bearer_token = [token = connection_.token] { return token; };
  }
  return std::make_unique<http::Client>(options);
}

void RestClient::Release(std::unique_ptr<http::Client> client) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(client));
}

absl::StatusOr<json::object> RestClient::Call(const std::string& method, const std::string& target,
                                              const std::string& body,
                                              const std::string& content_type) {
  std::unique_ptr<http::Client> client = Acquire();
  absl::StatusOr<http::ClientResponse> response = client->Send(method, target, body, content_type);
  Release(std::move(client));
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat(method, " ", target, ": ", response.status().message()));
  }
  if (response->status < 200 || response->status >= 300) {
    return StatusFromResponse(response->status, response->body);
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(response->body, ec);
  if (ec || !parsed.is_object()) {
    return absl::InternalError(absl::StrCat(method, " ", target, ": the server's answer is not a JSON object"));
  }
  return std::move(parsed.get_object());
}

absl::StatusOr<json::object> RestClient::Get(const ResourcePath& path) {
  return Call("GET", path.Url(), "");
}

absl::StatusOr<json::object> RestClient::List(const ResourcePath& path, const ListOptions& options) {
  std::string query;
  auto add = [&query](const char* key, const std::string& value) {
    if (value.empty()) return;
    absl::StrAppend(&query, query.empty() ? "?" : "&", key, "=", UrlEncode(value));
  };
  add("labelSelector", options.label_selector);
  add("fieldSelector", options.field_selector);
  if (options.limit > 0) add("limit", std::to_string(options.limit));
  add("continue", options.continue_token);
  return Call("GET", path.Url() + query, "");
}

absl::StatusOr<json::object> RestClient::Create(const ResourcePath& collection,
                                                const json::object& object) {
  return Call("POST", collection.Url(), json::serialize(object));
}

absl::StatusOr<json::object> RestClient::Update(const ResourcePath& path, const json::object& object) {
  return Call("PUT", path.Url(), json::serialize(object));
}

absl::StatusOr<json::object> RestClient::UpdateWithRetry(
    const ResourcePath& path, const std::function<absl::Status(json::object&)>& mutate,
    int attempts) {
  absl::Status last = absl::AbortedError("no attempt made");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    absl::StatusOr<json::object> current = Get(path);
    if (!current.ok()) return current.status();
    if (absl::Status s = mutate(*current); !s.ok()) return s;
    absl::StatusOr<json::object> updated = Update(path, *current);
    if (updated.ok() || updated.status().code() != absl::StatusCode::kAborted) return updated;
    last = updated.status();
  }
  return last;
}

absl::StatusOr<json::object> RestClient::Patch(const ResourcePath& path, PatchType type,
                                               const json::value& patch) {
  const char* content_type = type == PatchType::kMerge ? "application/merge-patch+json"
                             : type == PatchType::kStrategicMerge
                                 ? "application/strategic-merge-patch+json"
                                 : "application/json-patch+json";
  return Call("PATCH", path.Url(), json::serialize(patch), content_type);
}

absl::Status RestClient::Delete(const ResourcePath& path) {
  return Call("DELETE", path.Url(), "").status();
}

}  // namespace spillway::kube
