// The client side of the admin API, for `spillway explain` and `spillway
// status`: one call each, with a deadline, and errors that say what to check.
#ifndef SPILLWAY_ADMIN_ADMIN_CLIENT_H_
#define SPILLWAY_ADMIN_ADMIN_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/admin.pb.h"

namespace spillway::admin {

// `server` is "HOST:PORT". Errors keep the server's code and message;
// Unavailable and DeadlineExceeded add how to reach the admin port.
absl::StatusOr<v1::ExplainResponse> CallExplain(const std::string& server, const std::string& ns,
                                                const std::string& pod, absl::Duration timeout);
absl::StatusOr<v1::StatusResponse> CallStatus(const std::string& server, absl::Duration timeout);

}  // namespace spillway::admin

#endif  // SPILLWAY_ADMIN_ADMIN_CLIENT_H_
