// What the API server answers outside resources (ApiServer's members; the
// class is in api_server.h): health, /version, discovery (/api, /apis and
// each group version), OpenAPI v2 and v3; and a test's injected answers.
#include "sim/apiserver/api_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"
#include "glog/logging.h"
#include "sim/apiserver/responses.h"
#include "sim/apiserver/builtin_openapi.h"
#include "sim/apiserver/discovery.h"
#include "sim/apiserver/openapi_v2.h"

namespace spillway::sim {

namespace json = boost::json;

void ApiServer::SetInterceptor(Interceptor interceptor) {
  absl::MutexLock lock(&interceptor_mu_);
  interceptor_ = std::move(interceptor);
}

// Health, /version, /api, /apis and OpenAPI; nullopt for other paths.
std::optional<http::Response> ApiServer::WellKnown(std::string_view path, std::string_view accept,
                                                   const std::vector<std::string>& segments,
                                                   const std::vector<std::shared_ptr<const ResourceInfo>>& all) {
  if (path == "/healthz" || path == "/readyz" || path == "/livez") {
    http::Response ok;
    ok.content_type = "text/plain";
    ok.body = "ok";
    return ok;
  }
  if (path == "/version") {
    // Every field of version.Info: clients (the Python one) require them all.
    return JsonResponse(200, json::object{{"major", "1"},
                                          {"minor", "32"},
                                          {"gitVersion", kKubernetesVersion},
                                          {"gitCommit", "0000000000000000000000000000000000000000"},
                                          {"gitTreeState", "clean"},
                                          {"buildDate", "2026-11-22T00:00:00Z"},
                                          {"goVersion", "go1.23.0"},
                                          {"compiler", "gc"},
                                          {"platform", "linux/amd64"}});
  }
  if (path == "/api") {
    return JsonResponse(200, json::object{{"kind", "APIVersions"},
                                          {"versions", json::array{"v1"}},
                                          {"serverAddressByClientCIDRs", json::array()}});
  }
  if (path == "/apis") {
    json::array groups;
    for (const std::string& group : registry_.Groups()) {
      if (!group.empty()) groups.push_back(GroupDocument(all, group));
    }
    for (json::value& group : groups) group.as_object().erase("kind");
    return JsonResponse(200, json::object{{"kind", "APIGroupList"},
                                          {"apiVersion", "v1"},
                                          {"groups", groups}});
  }
  if (!segments.empty() && segments[0] == "openapi") {
    if (segments.size() == 2 && segments[1] == "v2") {
      if (accept.find("protobuf") != std::string_view::npos) {
        http::Response response;
        response.content_type = kOpenApiV2ProtobufType;
        response.body = OpenApiV2Protobuf(kKubernetesVersion);
        return response;
      }
      return JsonResponse(200, OpenApiV2Json(kKubernetesVersion));
    }
    if (segments.size() == 2 && segments[1] == "v3") {
      json::object paths;
      // The hash changes with the custom resources and the built-in schemas,
      // so kubectl refetches.
      const std::string hash =
          absl::StrCat("?hash=spillway-", BuiltinOpenApiFingerprint(), "-", crd_generation_.load());
      paths["api/v1"] = json::object{{"serverRelativeURL", "/openapi/v3/api/v1" + hash}};
      for (const auto& info : all) {
        if (info->type.group.empty()) continue;
        const std::string gv = info->GroupVersion();
        paths["apis/" + gv] = json::object{{"serverRelativeURL", "/openapi/v3/apis/" + gv + hash}};
      }
      return JsonResponse(200, json::object{{"paths", paths}});
    }
    if (segments.size() >= 4 && segments[1] == "v3") {
      std::string gv = segments[2] == "api" ? segments[3]
                                            : (segments.size() >= 5 ? segments[3] + "/" + segments[4] : "");
      json::object doc = OpenApiDocument(all, gv);
      if (doc.at("paths").as_object().empty()) {
        return StatusResponse(404, "NotFound", absl::StrCat("no OpenAPI document for ", gv));
      }
      return JsonResponse(200, doc);
    }
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }

  return std::nullopt;
}

// A test's injected answer, if it has one for this request.
std::optional<http::Response> ApiServer::Intercept(http::Request& request) {
  Interceptor interceptor;
  {
    absl::MutexLock lock(&interceptor_mu_);
    interceptor = interceptor_;
  }
  if (!interceptor) return std::nullopt;
  return interceptor(request);
}

// /api/<version> and /apis/<group>[/<version>]: the discovery document of
// the group or group version (404 for one not served). Below a group
// version, nothing: `where` then says which group version and where the
// resource path starts.
std::optional<http::Response> ApiServer::GroupDiscovery(const std::vector<std::string>& segments,
                                                        const std::vector<std::shared_ptr<const ResourceInfo>>& all,
                                                        ApiPath* where) {
  // /api/v1/... or /apis/<group>/<version>/...
  std::string& group = where->group;
  std::string& version = where->version;
  size_t& rest = where->rest;
  if (segments.size() >= 2 && segments[0] == "api") {
    version = segments[1];
    rest = 2;
  } else if (segments.size() >= 2 && segments[0] == "apis") {
    group = segments[1];
    if (segments.size() == 2) {
      for (const std::string& known : registry_.Groups()) {
        if (known == group && !group.empty()) return JsonResponse(200, GroupDocument(all, group));
      }
      return StatusResponse(404, "NotFound", "the server could not find the requested resource");
    }
    version = segments[2];
    rest = 3;
  } else {
    return StatusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  const std::string group_version = group.empty() ? version : group + "/" + version;
  if (segments.size() == rest) {
    json::object list = ResourceListDocument(all, group_version);
    if (list.at("resources").as_array().empty()) {
      return StatusResponse(404, "NotFound", "the server could not find the requested resource");
    }
    return JsonResponse(200, list);
  }
  return std::nullopt;

}

}  // namespace spillway::sim
