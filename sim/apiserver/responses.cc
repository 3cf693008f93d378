#include "sim/apiserver/responses.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace spillway::sim {

namespace json = boost::json;

http::Response JsonResponse(int status, const json::value& body) {
  http::Response response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

http::Response ListResponse(const json::object& head, const std::vector<ListedObject>& items) {
  size_t bytes = 64;
  for (const ListedObject& item : items) bytes += item.json->size() + 1;
  http::Response response;
  response.status = 200;
  response.body = json::serialize(head);
  response.body.reserve(response.body.size() + bytes);
  response.body.pop_back();  // The head's closing brace.
  response.body.append(head.empty() ? "\"items\":[" : ",\"items\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) response.body.push_back(',');
    response.body.append(*items[i].json);
  }
  response.body.append("]}");
  return response;
}

http::Response StatusResponse(int code, std::string_view reason, std::string_view message,
                              json::object extra) {
  json::object status{{"kind", "Status"},  {"apiVersion", "v1"}, {"metadata", json::object()},
                      {"status", "Failure"}, {"message", message}, {"reason", reason},
                      {"code", code}};
  for (auto& [key, value] : extra) status[key] = std::move(value);
  return JsonResponse(code, status);
}

http::Response BadRequest(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnimplemented) {
    return StatusResponse(415, "UnsupportedMediaType", std::string(status.message()));
  }
  return StatusResponse(400, "BadRequest", std::string(status.message()));
}

http::Response ErrorResponse(const absl::Status& status) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return StatusResponse(404, "NotFound", message);
    case absl::StatusCode::kAlreadyExists:
      return StatusResponse(409, "AlreadyExists", message);
    case absl::StatusCode::kAborted:
      return StatusResponse(409, "Conflict", message);
    case absl::StatusCode::kInvalidArgument:
      return StatusResponse(422, "Invalid", message);
    case absl::StatusCode::kOutOfRange:
      return StatusResponse(410, "Expired", message);
    case absl::StatusCode::kFailedPrecondition:
      return StatusResponse(400, "BadRequest", message);
    case absl::StatusCode::kPermissionDenied:
      return StatusResponse(403, "Forbidden", message);
    case absl::StatusCode::kUnimplemented:
      return StatusResponse(415, "UnsupportedMediaType", message);
    case absl::StatusCode::kResourceExhausted:
      return StatusResponse(413, "RequestEntityTooLarge", message);
    default:
      return StatusResponse(500, "InternalError", message);
  }
}

http::Response WithWarnings(http::Response response, const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) {
    std::string quoted;
    for (char c : warning) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    response.headers.emplace_back("Warning", absl::StrCat("299 - \"", quoted, "\""));
  }
  return response;
}

absl::Status Invalid(const ResourceInfo& info, const std::string& name, const std::vector<std::string>& problems) {
  const std::string kind = info.type.group.empty() ? info.type.kind : absl::StrCat(info.type.kind, ".", info.type.group);
  const std::string joined = problems.size() == 1 ? problems[0] : absl::StrCat("[", absl::StrJoin(problems, ", "), "]");
  return absl::InvalidArgumentError(absl::StrCat(kind, " \"", name, "\" is invalid: ", joined));
}

std::string DryRunRefusal(const std::string& value) {
  return absl::StrCat("Invalid dryRun value: \"", value, "\": supported values: \"All\"");
}

std::string PercentDecode(std::string_view text, bool query) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (query && text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size()) {
      int value = 0;
      if (absl::SimpleHexAtoi(absl::string_view(text.data() + i + 1, 2), &value)) {
        out.push_back(static_cast<char>(value));
        i += 2;
      } else {
        out.push_back('%');
      }
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  for (absl::string_view pair : absl::StrSplit(absl::string_view(query.data(), query.size()), '&',
                                               absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::string key = PercentDecode(std::string_view(pair.data(), std::min(eq, pair.size())));
    std::string value =
        eq == absl::string_view::npos
            ? ""
            : PercentDecode(std::string_view(pair.data() + eq + 1, pair.size() - eq - 1));
    params[key] = value;
  }
  return params;
}

bool AcceptsJson(std::string_view accept) {
  if (accept.empty()) return true;
  return accept.find("json") != std::string_view::npos || accept.find("*/*") != std::string_view::npos ||
         accept.find("application/*") != std::string_view::npos;
}

}  // namespace spillway::sim
