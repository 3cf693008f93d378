// How `spillway explain` and `spillway status` print the admin API's answers:
// text for humans (the default), or the messages as JSON (proto3's JSON
// mapping, lowerCamelCase fields) or YAML (the same document). Pure.
#ifndef SPILLWAY_ADMIN_FORMAT_H_
#define SPILLWAY_ADMIN_FORMAT_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "proto/admin.pb.h"

namespace spillway::admin {

std::string FormatExplain(const v1::ExplainResponse& explanation);
std::string FormatStatus(const v1::StatusResponse& status);

// `output` is "json" or "yaml"; InvalidArgument for anything else.
absl::StatusOr<std::string> FormatMessage(const google::protobuf::Message& message, const std::string& output);

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_FORMAT_H_
