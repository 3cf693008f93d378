#include "kube/rest_client.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/files.h"
#include "glog/logging.h"
#include "kube/exec_credential.h"

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

// A token that cannot be read is sent as none (the server answers 401,
// which names the problem); a rotated one is picked up on the next request.
std::string ReadToken(const std::string& path) {
  absl::StatusOr<std::string> text = ReadRegularFile(path, size_t{64} << 10, "token file");
  if (!text.ok()) {
    LOG_EVERY_N(WARNING, 100) << text.status().message();
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(*text));
}

void AppendQuery(const char* key, const std::string& value, std::string* target) {
  if (value.empty()) return;
  absl::StrAppend(target, target->find('?') == std::string::npos ? "?" : "&", key, "=",
                  UrlEncode(value));
}

std::string ListUrl(const ResourcePath& path, const ListOptions& options) {
  std::string target = path.Url();
  AppendQuery("labelSelector", options.label_selector, &target);
  AppendQuery("fieldSelector", options.field_selector, &target);
  if (options.limit > 0) AppendQuery("limit", std::to_string(options.limit), &target);
  AppendQuery("continue", options.continue_token, &target);
  return target;
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
    : connection_(std::move(connection)),
      options_(options),
      host_label_(absl::StrCat(connection_.host, ":", connection_.port)) {
  if (connection_.scheme == "https" && connection_.insecure_skip_tls_verify) {
    LOG(WARNING) << "insecure-skip-tls-verify: the certificate of " << connection_.host << ":"
                 << connection_.port
                 << " is not verified; anyone in between can read Spillway's credentials";
  } else if (connection_.scheme == "http" &&
             (!connection_.token.empty() || !connection_.token_file.empty())) {
    LOG(WARNING) << "the API server " << connection_.host << ":" << connection_.port
                 << " is reached over plain http: the bearer token travels unencrypted";
  }
}

RestClient::~RestClient() = default;

void RestClient::DropIdle() {
  std::vector<std::unique_ptr<http::Client>> dropped;
  absl::MutexLock lock(&mu_);
  dropped.swap(idle_);
}

void RestClient::Observe(absl::string_view method, int code, absl::Time started) const {
  if (options_.metrics != nullptr) options_.metrics->Observe(host_label_, method, code, absl::Now() - started);
}

std::unique_ptr<http::Client> RestClient::Acquire() {
  std::unique_ptr<http::Client> client;
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      client = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (client == nullptr) client = NewClient(options_.timeout);
  if (!Track(client.get())) client->Interrupt();
  return client;
}

bool RestClient::Track(http::Client* client) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return false;
  active_.push_back(client);
  return true;
}

void RestClient::Untrack(http::Client* client) {
  absl::MutexLock lock(&mu_);
  active_.erase(std::remove(active_.begin(), active_.end(), client), active_.end());
}

void RestClient::Shutdown() {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  shut_down_ = true;
  LOG(INFO) << "cutting off " << active_.size() << " API call(s) still in progress";
  for (http::Client* client : active_) client->Interrupt();
  idle_.clear();
}

std::unique_ptr<http::Client> RestClient::NewClient(absl::Duration timeout) const {
  http::ClientOptions options;
  options.host = connection_.host;
  options.port = connection_.port;
  options.tls = connection_.scheme == "https";
  options.ca_pem = connection_.ca_pem;
  options.insecure_skip_verify = connection_.insecure_skip_tls_verify;
  options.tls_server_name = connection_.tls_server_name;
  options.client_cert_pem = connection_.client_cert_pem;
  options.client_key_pem = connection_.client_key_pem;
  options.timeout = timeout;
  options.user_agent = options_.user_agent;
  if (!connection_.token_file.empty()) {
    options.bearer_token = [file = connection_.token_file] { return ReadToken(file); };
  } else if (!connection_.token.empty()) {
    options.bearer_token = [token = connection_.token] { return token; };
  } else if (connection_.exec != nullptr) {
    // The plugin's credential: a token is read per request (cached until it
    // expires); a client certificate is fixed per connection.
    absl::StatusOr<ExecCredential> credential = connection_.exec->Get();
    if (!credential.ok()) {
      LOG(WARNING) << "exec credential: " << credential.status().message()
                   << "; calling the API server without one";
    } else if (!credential->client_cert_pem.empty()) {
      options.client_cert_pem = credential->client_cert_pem;
      options.client_key_pem = credential->client_key_pem;
    }
    options.bearer_token = [exec = connection_.exec] {
      absl::StatusOr<ExecCredential> now = exec->Get();
      return now.ok() ? now->token : std::string();
    };
  }
  return std::make_unique<http::Client>(options);
}

void RestClient::Release(std::unique_ptr<http::Client> client) {
  {
    absl::MutexLock lock(&mu_);
    active_.erase(std::remove(active_.begin(), active_.end(), client.get()), active_.end());
    if (!shut_down_ && idle_.size() < options_.max_idle_connections) {
      idle_.push_back(std::move(client));
      return;
    }
  }
  client.reset();  // Closed outside the lock.
}

size_t RestClient::IdleConnections() const {
  absl::MutexLock lock(&mu_);
  return idle_.size();
}

absl::StatusOr<json::object> RestClient::Call(const std::string& method, const std::string& target,
                                              const std::string& body,
                                              const std::string& content_type) {
  absl::StatusOr<std::string> text = CallRaw(method, target, body, content_type);
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  json::value parsed = json::parse(*text, ec);
  if (ec || !parsed.is_object()) {
    return absl::InternalError(
        absl::StrCat(method, " ", target, ": the server's answer is not a JSON object"));
  }
  return std::move(parsed.get_object());
}

absl::StatusOr<std::string> RestClient::CallRaw(const std::string& method,
                                                const std::string& target,
                                                const std::string& body,
                                                const std::string& content_type) {
  std::unique_ptr<http::Client> client = Acquire();
  const absl::Time started = absl::Now();
  absl::StatusOr<http::ClientResponse> response = client->Send(method, target, body, content_type);
  Observe(method, response.ok() ? response->status : 0, started);
  Release(std::move(client));
  if (response.ok() && response->status == 401 && connection_.exec != nullptr) {
    // As client-go: the plugin's credential was refused; run it again and
    // retry once on a new connection (a certificate is per connection).
    connection_.exec->Invalidate();
    DropIdle();
    client = Acquire();
    response = client->Send(method, target, body, content_type);
    Observe(method, response.ok() ? response->status : 0, started);
    Release(std::move(client));
  }
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat(method, " ", target, ": ", response.status().message()));
  }
  if (response->status < 200 || response->status >= 300) {
    return StatusFromResponse(response->status, response->body);
  }
  successes_.fetch_add(1, std::memory_order_relaxed);
  return std::move(response->body);
}

absl::StatusOr<json::object> RestClient::Get(const ResourcePath& path) {
  return Call("GET", path.Url(), "");
}

absl::StatusOr<json::object> RestClient::List(const ResourcePath& path, const ListOptions& options) {
  return Call("GET", ListUrl(path, options), "");
}

absl::StatusOr<std::string> RestClient::ListRaw(const ResourcePath& path,
                                               const ListOptions& options) {
  return CallRaw("GET", ListUrl(path, options), "");
}

void WatchCanceller::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->Interrupt();
}

bool WatchCanceller::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

absl::Status RestClient::Watch(const ResourcePath& path, const WatchOptions& options,
                               const std::function<bool(absl::string_view event)>& on_event,
                               WatchCanceller* canceller) {
  const int64_t timeout_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(options.timeout));
  std::string target = path.Url();
  absl::StrAppend(&target, "?watch=true&timeoutSeconds=", timeout_seconds);
  if (options.allow_bookmarks) absl::StrAppend(&target, "&allowWatchBookmarks=true");
  AppendQuery("labelSelector", options.label_selector, &target);
  AppendQuery("fieldSelector", options.field_selector, &target);
  AppendQuery("resourceVersion", options.resource_version, &target);
  // The read timeout outlasts the server's own end of the watch, so a healthy
  // but quiet stream is not mistaken for a dead one.
  std::unique_ptr<http::Client> client = NewClient(options.timeout + absl::Seconds(30));
  if (canceller != nullptr) {
    absl::MutexLock lock(&canceller->mu_);
    if (canceller->cancelled_) return absl::CancelledError("the watch was cancelled");
    canceller->active_ = client.get();
  }
  if (!Track(client.get())) client->Interrupt();
  // Events are newline-delimited JSON objects; a chunk may end mid-event.
  std::string pending;
  bool stopped = false;
  bool answered = false;
  const absl::Time started = absl::Now();
  absl::StatusOr<http::ClientResponse> response = client->Stream(
      "GET", target,
      [&](absl::string_view data) {
        pending.append(data.data(), data.size());
        size_t start = 0;
        for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
          if (end == start) continue;
          if (!on_event(absl::string_view(pending).substr(start, end - start))) {
            stopped = true;
            return false;
          }
        }
        pending.erase(0, start);
        return true;
      },
      [&](int status) {
        answered = true;
        Observe("GET", status, started);
        if (status >= 200 && status < 300) {
          successes_.fetch_add(1, std::memory_order_relaxed);
          if (options.on_established) options.on_established();
        }
      });
  Untrack(client.get());
  if (canceller != nullptr) {
    absl::MutexLock lock(&canceller->mu_);
    canceller->active_ = nullptr;
  }
  if (!response.ok()) {
    if (!answered) Observe("GET", 0, started);
    return absl::Status(response.status().code(),
                        absl::StrCat("watch ", path.Url(), ": ", response.status().message()));
  }
  if (response->status < 200 || response->status >= 300) {
    return StatusFromResponse(response->status, response->body);
  }
  if (!stopped && !pending.empty()) on_event(pending);
  return absl::OkStatus();
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

absl::Status RestClient::DeleteUid(const ResourcePath& path, const std::string& uid) {
  const json::object options{{"apiVersion", "v1"},
                             {"kind", "DeleteOptions"},
                             {"preconditions", json::object{{"uid", uid}}}};
  return Call("DELETE", path.Url(), json::serialize(options)).status();
}

absl::Status RestClient::Bind(const std::string& ns, const std::string& pod, const std::string& node) {
  json::object binding{{"apiVersion", "v1"},
                       {"kind", "Binding"},
                       {"metadata", json::object{{"name", pod}, {"namespace", ns}}},
                       {"target", json::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  return Create({"", "v1", "pods", ns, pod, "binding"}, binding).status();
}

absl::Status RestClient::Evict(const std::string& ns, const std::string& pod, const std::string& uid) {
  json::object eviction{{"apiVersion", "policy/v1"},
                        {"kind", "Eviction"},
                        {"metadata", json::object{{"name", pod}, {"namespace", ns}}}};
  if (!uid.empty()) eviction["deleteOptions"] = json::object{{"preconditions", json::object{{"uid", uid}}}};
  return Create({"", "v1", "pods", ns, pod, "eviction"}, eviction).status();
}

}  // namespace spillway::kube
