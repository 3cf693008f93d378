// Reading small files a user points Spillway at (the policy config, a
// kubeconfig, a token, a CA bundle) without trusting what they are: a path
// naming a directory, a device such as /dev/zero, a FIFO or a huge file is
// refused with a message naming it, before anything is read into memory.
//
// Thread-safe (no shared state).
#ifndef SPILLWAY_COMMON_FILES_H_
#define SPILLWAY_COMMON_FILES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace spillway {

// Reads the whole regular file at `path` (symbolic links are followed, as
// Kubernetes mounts Secrets and ConfigMaps through them). `what` names the
// file in errors ("config file", "kubeconfig"). Errors: NotFound when it
// cannot be opened; FailedPrecondition when it is not a regular file;
// OutOfRange when it holds more than `max_bytes` (only max_bytes + 1 bytes
// are ever read).
absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes,
                                            absl::string_view what);

}  // namespace spillway

#endif  // SPILLWAY_COMMON_FILES_H_
