// The API server's request path (ApiServer's members; the class is in
// api_server.h): start-up, routing a request to its verb, and the verbs
// themselves (list and watch, create, read, update and patch, server-side
// apply, delete and delete-collection). Admission, discovery, the pods'
// subresources, the namespace lifecycle and housekeeping have files of their
// own (api_server_*.cc), as have the write rules (write_rules.h) and the
// answers' wording (responses.h).
#include "sim/apiserver/api_server.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/json_fields.h"
#include "common/status_macros.h"
#include "glog/logging.h"
#include "kube/label_selector.h"
#include "sim/apiserver/field_selector.h"
#include "sim/apiserver/hpa_v1.h"
#include "sim/apiserver/protobuf_codec.h"
#include "sim/apiserver/resources.h"
#include "sim/apiserver/responses.h"
#include "sim/apiserver/tables.h"
#include "sim/apiserver/watch_stream.h"
#include "sim/apiserver/write_rules.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;

absl::BitGen SeededBitGen(std::optional<uint64_t> seed) {
  if (!seed.has_value()) return absl::BitGen();
  std::seed_seq sequence{static_cast<uint32_t>(*seed), static_cast<uint32_t>(*seed >> 32)};
  return absl::BitGen(sequence);
}

ObjectStore::Options StoreOptions(const ApiServerOptions& options) {
  ObjectStore::Options store;
  store.watch_window = options.watch_window;
  store.seed = options.seed;
  return store;
}

}  // namespace

ApiServer::ApiServer(const ApiServerOptions& options)
    : clock_(options.clock != nullptr ? *options.clock : Clock::Real()),
      event_ttl_(options.event_ttl),
      random_(SeededBitGen(options.seed)),
      store_(StoreOptions(options), [this] { return clock_.Now(); }, random_) {}

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options) {
  std::unique_ptr<ApiServer> api(new ApiServer(options));
  const ResourceInfo& namespaces = *FindResource("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json::object ns{{"metadata", json::object{{"name", name}}}};
    namespaces.strategy->Default(ns);  // Finalizer, phase and the kubernetes.io/metadata.name label.
    if (absl::StatusOr<json::object> created = api->store_.Create(namespaces.type, "", ns);
        !created.ok()) {
      return created.status();
    }
  }
  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  // The API answers bodies over 3 MiB with its own 413 (a Status, as
  // kube-apiserver words it); the transport refuses what is far beyond.
  server_options.max_body_bytes = 2 * kMaxRequestBytes;
  ApiServer* raw = api.get();
  absl::StatusOr<std::unique_ptr<http::Server>> server = http::Server::Start(
      server_options, [raw](http::Request& request) { return raw->Handle(request); });
  if (!server.ok()) return server.status();
  api->server_ = std::move(*server);
  return api;
}

http::Response ApiServer::Handle(http::Request& request) {
  if (std::optional<http::Response> injected = Intercept(request)) return *std::move(injected);
  ExpireEvents();
  if (IsHpaV1Path(std::string_view(request.target).substr(0, request.target.find('?')))) {
    return ServeHpaV1(request, [this](http::Request& v2) { return Handle(v2); });
  }
  const std::string_view target(request.target);
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  // "/version/", "/api/", "/apis/" (the Python client asks so) are the same paths.
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::map<std::string, std::string> query =
      ParseQuery(question == std::string_view::npos ? "" : target.substr(question + 1));
  // Path segments are URL-decoded (kubectl get cm "with space" sends %20).
  std::vector<std::string> segments;
  for (absl::string_view segment : absl::StrSplit(absl::string_view(path.data(), path.size()), '/', absl::SkipEmpty())) {
    segments.push_back(PercentDecode(std::string_view(segment.data(), segment.size()), /*query=*/false));
  }
  VLOG(1) << "apiserver " << request.method << " " << request.target;
  if (request.body.size() > kMaxRequestBytes) {
    return StatusResponse(413, "RequestEntityTooLarge",
                          absl::StrCat("Request entity too large: limit is ", kMaxRequestBytes));
  }

  const std::vector<std::shared_ptr<const ResourceInfo>> all = registry_.All();
  if (std::optional<http::Response> answer = WellKnown(path, request.accept, segments, all)) return *std::move(answer);
  if (!AcceptsJson(request.accept)) {
    return StatusResponse(406, "NotAcceptable", "only the following media types are accepted: application/json");
  }
  ApiPath api_path;
  if (std::optional<http::Response> answer = GroupDiscovery(segments, all, &api_path)) return *std::move(answer);
  const std::string& group = api_path.group;
  const std::string& version = api_path.version;
  const size_t rest = api_path.rest;

  // Resource paths: [namespaces/<ns>/]<plural>[/<name>[/<subresource>]].
  std::string ns;
  size_t at = rest;
  if (segments.size() >= at + 3 && segments[at] == "namespaces") {
    std::shared_ptr<const ResourceInfo> inner = registry_.Find(group, version, segments[at + 2]);
    if (inner != nullptr && inner->type.namespaced) {
      ns = segments[at + 1];
      at += 2;
    }
  }
  std::shared_ptr<const ResourceInfo> info = registry_.Find(group, version, segments[at]);
  if (info == nullptr) {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  const ResourceType& type = info->type;
  const std::string name = segments.size() > at + 1 ? segments[at + 1] : "";
  const std::string sub = segments.size() > at + 2 ? segments[at + 2] : "";
  if (segments.size() > at + 3 ||
      (!sub.empty() && std::find(info->subresources.begin(), info->subresources.end(), sub) ==
                           info->subresources.end())) {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }

  absl::StatusOr<FieldValidation> validation = FieldValidationOf(request.method, query);
  if (!validation.ok()) return ErrorResponse(validation.status());
  absl::StatusOr<Persist> persist = WriteOptionsOf(request.method, query);
  if (!persist.ok()) return ErrorResponse(persist.status());
  ResourceCall call{request, query, info, ns, name, sub, version,
                    type.group == "apiextensions.k8s.io" && type.plural == "customresourcedefinitions",
                    // kubectl get asks for a Table: built-ins with a printer and custom
                    // resources with printer columns get one (HasTable).
                    absl::StrContains(request.accept, "as=Table") && HasTable(*info),
                    *validation};
  call.persist = *persist;
  return Route(call);
}

// Which handler answers (collection or object, subresource, method), and the
// 405 a real server words for the rest.
http::Response ApiServer::Route(ResourceCall& call) {
  struct Entry {
    bool collection;
    std::vector<std::string> subresources;  // "" is the object itself.
    const char* method;
    http::Response (ApiServer::*handler)(ResourceCall&);
  };
  static const auto* const kRoutes = new std::vector<Entry>{
      {true, {""}, "GET", &ApiServer::List},
      {true, {""}, "POST", &ApiServer::Create},
      {false, {"binding", "eviction"}, "POST", &ApiServer::BindOrEvict},
      {false, {"", "status", "scale"}, "GET", &ApiServer::Read},
      {false, {"", "status", "scale"}, "PUT", &ApiServer::Write},
      {false, {"", "status", "scale"}, "PATCH", &ApiServer::Write},
      {false, {""}, "DELETE", &ApiServer::Remove},
      {true, {""}, "DELETE", &ApiServer::RemoveCollection},
  };
  const bool collection = call.name.empty();
  const std::string& method = call.request.method;
  for (const Entry& route : *kRoutes) {
    if (route.collection == collection && method == route.method &&
        std::find(route.subresources.begin(), route.subresources.end(), call.sub) != route.subresources.end()) {
      return (this->*route.handler)(call);
    }
  }
  if (call.sub == "binding" || call.sub == "eviction") {
    return StatusResponse(405, "MethodNotAllowed", absl::StrCat(method, " is not allowed on ", call.sub));
  }
  if (!call.sub.empty() && call.sub != "status" && call.sub != "scale") {
    return StatusResponse(405, "MethodNotAllowed",
                          absl::StrCat("subresource ", call.sub, " of ", call.info->type.plural,
                                       " is not served yet by the embedded API server"));
  }
  return StatusResponse(405, "MethodNotAllowed", absl::StrCat(method, " is not allowed here"));
}

absl::Status ApiServer::ParseBody(const http::Request& request, json::value* out) {
  if (request.content_type.find("protobuf") != std::string::npos) {
    if (request.method != "POST" && request.method != "PUT") {
      return absl::UnimplementedError(
          absl::StrCat("a protobuf body is accepted on create and replace, not on ", request.method));
    }
    absl::StatusOr<json::object> decoded = DecodeKubernetesProtobuf(request.body);
    if (!decoded.ok()) return decoded.status();
    *out = *std::move(decoded);
    return absl::OkStatus();
  }
  boost::system::error_code ec;
  *out = json::parse(request.body, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("the request body is not valid JSON: ", ec.message()));
  const bool json_patch = request.method == "PATCH" && absl::StrContains(request.content_type, "json-patch");
  if (json_patch ? !out->is_array() : !out->is_object()) {
    return absl::InvalidArgumentError(json_patch ? "a JSON patch body must be an array of operations"
                                                 : "the request body must be a JSON object");
  }
  return absl::OkStatus();
}

absl::Status ApiServer::NamespaceExists(const ResourceCall& call) {
  if (!call.info->type.namespaced || call.ns.empty()) return absl::OkStatus();
  return store_.Get(BuiltinResources()[0].type, "", call.ns).status();
}

// GET ?watch=1 on a collection: a stream of events after resourceVersion.
http::Response ApiServer::Watch(const ResourceCall& call, const kube::LabelSelector& labels,
                                const FieldSelector& fields) {
  auto param = [&call](const char* key) {
    auto it = call.query.find(key);
    return it == call.query.end() ? std::string() : it->second;
  };
  WatchStream::Params params;
  params.info = *call.info;
  params.ns = call.ns;
  params.labels = labels;
  params.fields = fields;
  const std::string version = param("resourceVersion");
  if (!version.empty() && version != "0") {
    uint64_t after = 0;
    if (!absl::SimpleAtoi(version, &after)) {
      return StatusResponse(400, "BadRequest", absl::StrCat("resourceVersion '", version, "' is not a number"));
    }
    params.after = after;
  }
  params.bookmarks = param("allowWatchBookmarks") == "true";
  if (int64_t seconds = 0; absl::SimpleAtoi(param("timeoutSeconds"), &seconds) && seconds > 0) {
    params.deadline = absl::Now() + absl::Seconds(seconds);
  }
  http::Response response;
  const std::string& agent = call.request.user_agent;
  response.stream = std::make_shared<WatchStream>(store_, active_watches_, watch_generation_,
                                                  watch_deliveries_.Of(agent.substr(0, agent.find('/'))),
                                                  std::move(params));
  return response;
}

// GET on a collection: a list (label and field selectors, pages), a Table, or a watch.
http::Response ApiServer::List(ResourceCall& call) {
  const std::map<std::string, std::string>& query = call.query;
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const bool wants_table = call.wants_table;
  absl::StatusOr<kube::LabelSelector> labels = kube::LabelSelector::Parse(
      query.count("labelSelector") ? query.at("labelSelector") : "");
  if (!labels.ok()) return BadRequest(labels.status());
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(query.count("fieldSelector") ? query.at("fieldSelector") : "");
  if (!fields.ok()) return BadRequest(fields.status());
  if (absl::Status s = fields->ConvertFieldLabels(call.info->strategy->SupportedFieldLabels()); !s.ok()) return BadRequest(s);
  auto param = [&query](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  const std::string watch = param("watch");
  if (!watch.empty() && watch != "false" && watch != "0") return Watch(call, *labels, *fields);
  // Pagination: every page of a list comes from the first page's state.
  int64_t limit = 0;
  if (!param("limit").empty() && (!absl::SimpleAtoi(param("limit"), &limit) || limit < 0)) {
    return StatusResponse(400, "BadRequest", absl::StrCat("limit '", param("limit"), "' is not a count"));
  }
  const std::string query_key = absl::StrCat(info->GroupVersion(), "/", type.plural, "\n", ns, "\n",
                                             param("labelSelector"), "\n", param("fieldSelector"));
  ListPage page;
  if (param("continue").empty()) {
    ObjectStore::SerializedList list = store_.ListSerialized(type, ns, *labels, *fields);
    page = pager_.First(query_key, std::move(list.items), list.resource_version, limit, clock_.Now());
  } else {
    const std::string version = param("resourceVersion");
    if (!version.empty() && version != "0") {
      return StatusResponse(400, "BadRequest", "specifying resource version is not allowed when using continue");
    }
    page = pager_.Next(query_key, param("continue"), limit, clock_.Now(), [&] {
      ObjectStore::SerializedList list = store_.ListSerialized(type, ns, *labels, *fields);
      return std::make_pair(std::move(list.items), list.resource_version);
    });
  }
  if (page.code != 200) {
    json::object extra;
    if (!page.continue_token.empty()) extra["metadata"] = json::object{{"continue", page.continue_token}};
    return StatusResponse(page.code, page.reason, page.message, std::move(extra));
  }
  json::object list_meta{{"resourceVersion", std::to_string(page.resource_version)}};
  if (!page.continue_token.empty()) {
    list_meta["continue"] = page.continue_token;
    list_meta["remainingItemCount"] = page.remaining_items;
  }
  if (wants_table) {
    std::vector<json::object> objects;
    objects.reserve(page.items.size());
    for (const ListedObject& item : page.items) objects.push_back(json::parse(*item.json).as_object());
    json::object table = TableOf(*info, objects, std::to_string(page.resource_version), clock_.Now());
    if (list_meta.contains("continue")) table["metadata"].as_object()["continue"] = list_meta["continue"];
    return JsonResponse(200, table);
  }
  return ListResponse(json::object{{"kind", type.kind + "List"},
                                   {"apiVersion", info->GroupVersion()},
                                   {"metadata", list_meta}},
                      page.items);
}

// POST on a collection: admission (webhooks, schema), then the store.
http::Response ApiServer::Create(ResourceCall& call) {
  const ResourceType& type = call.info->type;
  if (type.namespaced && call.ns.empty()) {
    return StatusResponse(405, "MethodNotAllowed",
                          absl::StrCat("create ", type.plural, " under /namespaces/<namespace>/"));
  }
  json::value body;
  if (absl::Status s = ParseBody(call.request, &body); !s.ok()) return BadRequest(s);
  return CreateObject(call, std::move(body.get_object()), /*applied=*/false);
}

// The fieldManager and the rest of a write's context for managedFields.
// Without one, the manager is named as kube-apiserver names it: the User-Agent
// up to its first "/" ("kubectl"), else "unknown".
WriteContext ApiServer::ContextOf(const ResourceCall& call) {
  auto manager = call.query.find("fieldManager");
  std::string name = manager == call.query.end() ? "" : manager->second;
  if (name.empty()) name = call.request.user_agent.substr(0, call.request.user_agent.find('/'));
  if (name.empty()) name = "unknown";
  return WriteContext{name, call.info->GroupVersion(), call.sub, clock_.Now()};
}

// Creates `object` (from a POST, or an apply of an object that did not
// exist): typed decoding, defaults, webhooks, admission, the store.
http::Response ApiServer::CreateObject(ResourceCall& call, json::object object, bool applied) {
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const bool is_crd = call.is_crd;
  if (const json::value* kind = object.if_contains("kind");
      kind != nullptr && kind->is_string() && kind->get_string() != type.kind) {
    return StatusResponse(400, "BadRequest",
                          absl::StrCat("the body is a ", std::string(kind->get_string()),
                                       ", not a ", type.kind));
  }
  if (const json::value* meta = object.if_contains("metadata"); meta != nullptr && meta->is_object()) {
    const json::value* body_ns = meta->get_object().if_contains("namespace");
    if (type.namespaced && body_ns != nullptr && body_ns->is_string() &&
        !body_ns->get_string().empty() && body_ns->get_string() != ns) {
      return StatusResponse(400, "BadRequest",
                            "the namespace of the provided object does not match the "
                            "namespace sent on the request");
    }
  }
  if (absl::Status s = NamespaceExists(call); !s.ok()) return ErrorResponse(s);
  if (NamespaceTerminating(ns)) {
    const json::value* meta = object.if_contains("metadata");
    const json::value* object_name = meta != nullptr && meta->is_object() ? meta->get_object().if_contains("name") : nullptr;
    return StatusResponse(403, "Forbidden",
                          absl::StrCat(type.plural, " \"",
                                       object_name != nullptr && object_name->is_string()
                                           ? std::string(object_name->get_string())
                                           : std::string(),
                                       "\" is forbidden: unable to create new content in namespace ", ns,
                                       " because it is being terminated"));
  }
  // The object lives in the request's namespace from here on (rest.BeforeCreate).
  if (type.namespaced) {
    json::value& meta = object["metadata"];
    if (meta.is_object()) meta.get_object()["namespace"] = ns;
  }
  // As kube-apiserver: typed decoding and defaults, then mutating admission.
  if (!info->custom) {
    if (absl::Status s = DecodeBuiltin(*info, object); !s.ok()) return ErrorResponse(s);
  }
  if (!applied) RecordUpdate(json::object(), object, ContextOf(call));
  if (!info->custom) {
    info->strategy->Default(object);
    info->strategy->PrepareForCreate(object);
  }
  if (absl::Status s = CallMutatingWebhooks(type, ns, call.persist, object, &call.warnings); !s.ok()) {
    return ErrorResponse(s);
  }
  if (absl::Status s = Admit(*info, call.field_validation, object, call.warnings); !s.ok()) {
    return ErrorResponse(s);
  }
  absl::StatusOr<json::object> created = store_.Create(type, ns, std::move(object), call.persist);
  if (!created.ok()) return ErrorResponse(created.status());
  if (is_crd && call.persist == Persist::kYes) RefreshCustomResources();
  return WithWarnings(JsonResponse(201, *created), call.warnings);
}

// GET an object (or its status or scale; a Table when kubectl asks).
http::Response ApiServer::Read(ResourceCall& call) {
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const std::string& sub = call.sub;
  const bool wants_table = call.wants_table;
  absl::StatusOr<json::object> object = store_.Get(type, ns, name);
  if (!object.ok()) return ErrorResponse(object.status());
  if (wants_table && sub.empty()) {
    const std::string version(object->at("metadata").at("resourceVersion").as_string());
    return JsonResponse(200, TableOf(*info, {*object}, version, clock_.Now()));
  }
  return JsonResponse(200, sub == "scale" ? ScaleOf(*object, *info) : *object);
}

// PATCH with application/apply-patch+yaml: server-side apply of the body
// (JSON, as kubectl sends it) for `fieldManager`; creates the object when it
// does not exist. Conflicts with other managers' fields are 409 unless
// force=true.
http::Response ApiServer::Apply(ResourceCall& call) {
  if (!call.sub.empty()) {
    return StatusResponse(415, "UnsupportedMediaType",
                          absl::StrCat("server-side apply of the ", call.sub,
                                       " subresource is not served by the embedded API server"));
  }
  auto manager = call.query.find("fieldManager");
  if (manager == call.query.end() || manager->second.empty()) {
    return StatusResponse(400, "BadRequest", "PATCH: fieldManager is required for apply requests");
  }
  json::value body;
  if (absl::Status s = ParseBody(call.request, &body); !s.ok()) return BadRequest(s);
  const bool force = call.query.count("force") && call.query.at("force") == "true";
  const WriteContext context = ContextOf(call);
  absl::StatusOr<json::object> live = store_.Get(call.info->type, call.ns, call.name);
  if (absl::IsNotFound(live.status())) {
    absl::StatusOr<json::object> created = ServerSideApply(json::object(), body.get_object(), force, context);
    if (!created.ok()) return ErrorResponse(created.status());
    json::value& meta = (*created)["metadata"];
    if (!meta.is_object()) meta = json::object();
    meta.get_object()["name"] = call.name;
    return CreateObject(call, *std::move(created), /*applied=*/true);
  }
  if (!live.ok()) return ErrorResponse(live.status());
  const ResourceInfo& info = *call.info;
  absl::StatusOr<json::object> written = store_.Modify(info.type, call.ns, call.name, [&](json::object& object) {
    const json::object before = object;
    SPILLWAY_ASSIGN_OR_RETURN(object, ServerSideApply(object, body.get_object(), force, context));
    if (!info.custom) {
      SPILLWAY_RETURN_IF_ERROR(DecodeBuiltin(info, object));
      info.strategy->Default(object);
      info.strategy->PrepareForUpdate(object);
    }
    std::vector<std::string> problems;
    info.strategy->ValidateUpdate(before, object, problems);
    if (!problems.empty()) return Invalid(info, call.name, problems);
    return Admit(info, call.field_validation, object, call.warnings, &before);
  }, call.persist);
  if (!written.ok()) return ErrorResponse(written.status());
  if (call.is_crd && call.persist == Persist::kYes) RefreshCustomResources();
  return WithWarnings(JsonResponse(200, *written), call.warnings);
}

// PUT or PATCH an object (or its status or scale): one atomic read-modify-write.
http::Response ApiServer::Write(ResourceCall& call) {
  http::Request& request = call.request;
  const std::shared_ptr<const ResourceInfo>& info = call.info;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const std::string& sub = call.sub;
  const std::string& method = call.request.method;
  const bool is_crd = call.is_crd;
  if (method == "PATCH" && absl::StrContains(request.content_type, "apply-patch")) return Apply(call);
  absl::StatusOr<WriteKind> kind = WriteKindOf(method, request.content_type);
  if (!kind.ok()) return BadRequest(kind.status());
  if (info->custom && *kind == WriteKind::kStrategicMergePatch) {
    return StatusResponse(415, "UnsupportedMediaType",
                          "strategic merge patch is not supported for custom resources; use "
                          "--type=merge or --type=json");
  }
  json::value body;
  if (absl::Status s = ParseBody(request, &body); !s.ok()) return BadRequest(s);
  const WriteContext context = ContextOf(call);
  // One atomic read-modify-write in the store: no lost updates, no retries.
  absl::StatusOr<json::object> written =
      store_.Modify(type, ns, name, [&](json::object& object) {
        const json::object before = object;
        SPILLWAY_RETURN_IF_ERROR(ApplyWrite(sub, *kind, *info, body, object));
        // As at creation: a replaced or patched built-in is decoded and
        // defaulted again.
        if (!info->custom) {
          SPILLWAY_RETURN_IF_ERROR(DecodeBuiltin(*info, object));
          info->strategy->Default(object);
          info->strategy->PrepareForUpdate(object);
        }
        RecordUpdate(before, object, context);
        std::vector<std::string> problems;
        info->strategy->ValidateUpdate(before, object, problems);
        if (!problems.empty()) return Invalid(*info, name, problems);
        return Admit(*info, call.field_validation, object, call.warnings, &before);
      },
      call.persist);
  if (!written.ok()) return ErrorResponse(written.status());
  if (call.persist == Persist::kDryRun) {
    return WithWarnings(JsonResponse(200, sub == "scale" ? ScaleOf(*written, *info) : *written), call.warnings);
  }
  if (is_crd) RefreshCustomResources();
  FinishNamespaceIfEmpty(ns);
  return WithWarnings(JsonResponse(200, sub == "scale" ? ScaleOf(*written, *info) : *written), call.warnings);
}

// DELETE an object, with propagationPolicy (Orphan, Background; Foreground runs as Background).
http::Response ApiServer::Remove(ResourceCall& call) {
  http::Request& request = call.request;
  const std::map<std::string, std::string>& query = call.query;
  const ResourceType& type = call.info->type;
  const std::string& ns = call.ns;
  const std::string& name = call.name;
  const bool is_crd = call.is_crd;
  // propagationPolicy from the query or a DeleteOptions body (kubectl
  // delete --cascade=orphan sends the body); Foreground runs as Background.
  std::string policy = query.count("propagationPolicy") ? query.at("propagationPolicy") : "";
  std::string uid_precondition;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    json::value options = json::parse(request.body, ec);
    if (ec || !options.is_object()) {
      return StatusResponse(400, "BadRequest", "the DeleteOptions body is not a JSON object");
    }
    if (const json::value* p = options.get_object().if_contains("propagationPolicy");
        p != nullptr && p->is_string()) {
      policy = std::string(p->get_string());
    } else if (const json::value* orphan = options.get_object().if_contains("orphanDependents");
               orphan != nullptr && orphan->is_bool() && orphan->get_bool()) {
      policy = "Orphan";
    }
    if (const json::object* preconditions = json_fields::ObjectAt(options.get_object(), {"preconditions"})) {
      uid_precondition = json_fields::String(*preconditions, "uid");
    }
    // kubectl delete --dry-run=server says it in the body.
    if (const json::value* dry = options.get_object().if_contains("dryRun"); dry != nullptr && dry->is_array()) {
      for (const json::value& value : dry->get_array()) {
        if (value != "All") return StatusResponse(400, "BadRequest", DryRunRefusal(value.is_string() ? std::string(value.get_string()) : json::serialize(value)));
        call.persist = Persist::kDryRun;
      }
    }
  }
  if (!policy.empty() && policy != "Orphan" && policy != "Background" && policy != "Foreground") {
    return StatusResponse(400, "BadRequest",
                          absl::StrCat("propagationPolicy \"", policy,
                                       "\" is not Orphan, Background or Foreground"));
  }
  if (type.plural == "namespaces" && type.group.empty()) {
    if (call.persist == Persist::kYes) return TerminateNamespace(name);
    absl::StatusOr<json::object> space = store_.Get(type, ns, name);
    if (!space.ok()) return ErrorResponse(space.status());
    json::value& status = (*space)["status"];
    if (!status.is_object()) status = json::object();
    status.get_object()["phase"] = "Terminating";  // What a deletion would answer.
    return JsonResponse(200, *space);
  }
  if (!uid_precondition.empty()) {
    // DeleteOptions.preconditions.uid: a controller deleting "this" pod must
    // not delete a replacement of the same name (a StatefulSet's).
    absl::StatusOr<json::object> current = store_.Get(type, ns, name);
    if (!current.ok()) return ErrorResponse(current.status());
    const json::object* meta = json_fields::ObjectAt(*current, {"metadata"});
    const std::string uid = meta != nullptr ? json_fields::String(*meta, "uid") : "";
    if (uid != uid_precondition) {
      return StatusResponse(409, "Conflict",
                            absl::StrCat("Precondition failed: UID in precondition: ", uid_precondition,
                                         ", UID in object meta: ", uid));
    }
  }
  absl::StatusOr<json::object> deleted = store_.Delete(type, ns, name, policy == "Orphan", call.persist);
  if (!deleted.ok()) return ErrorResponse(deleted.status());
  if (call.persist == Persist::kDryRun) return JsonResponse(200, *deleted);
  if (is_crd) RefreshCustomResources();
  FinishNamespaceIfEmpty(ns);
  return JsonResponse(200, *deleted);
}

// DELETE on a collection (deletecollection): every object matching the label
// and field selectors, each as a single DELETE would.
http::Response ApiServer::RemoveCollection(ResourceCall& call) {
  const ResourceType& type = call.info->type;
  absl::StatusOr<kube::LabelSelector> labels =
      kube::LabelSelector::Parse(call.query.count("labelSelector") ? call.query.at("labelSelector") : "");
  if (!labels.ok()) return BadRequest(labels.status());
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(call.query.count("fieldSelector") ? call.query.at("fieldSelector") : "");
  if (!fields.ok()) return BadRequest(fields.status());
  if (absl::Status s = fields->ConvertFieldLabels(call.info->strategy->SupportedFieldLabels()); !s.ok()) return BadRequest(s);
  json::array deleted;
  for (const json::object& item : store_.List(type, call.ns, *labels, *fields).items) {
    const json::object& meta = item.at("metadata").as_object();
    const json::value* item_ns = meta.if_contains("namespace");
    absl::StatusOr<json::object> gone =
        store_.Delete(type, item_ns != nullptr && item_ns->is_string() ? std::string(item_ns->get_string()) : "",
                      std::string(meta.at("name").as_string()), /*orphan=*/false, call.persist);
    if (gone.ok()) deleted.push_back(*std::move(gone));
  }
  if (call.is_crd && call.persist == Persist::kYes) RefreshCustomResources();
  return JsonResponse(200, json::object{{"kind", type.kind + "List"},
                                        {"apiVersion", call.info->GroupVersion()},
                                        {"metadata", json::object{}},
                                        {"items", std::move(deleted)}});
}

}  // namespace spillway::sim
