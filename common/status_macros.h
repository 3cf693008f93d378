// Early-return helpers for absl::Status / absl::StatusOr.
//
// Debian's Abseil (20220623) ships neither ABSL_RETURN_IF_ERROR nor
// ABSL_ASSIGN_OR_RETURN; these are the project's equivalents.
#ifndef SPILLWAY_COMMON_STATUS_MACROS_H_
#define SPILLWAY_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function
// when it is not OK.
#define SPILLWAY_RETURN_IF_ERROR(expr)                 \
  do {                                                 \
    ::absl::Status spillway_status_ = (expr);          \
    if (!spillway_status_.ok()) return spillway_status_; \
  } while (false)

#define SPILLWAY_STATUS_CONCAT_INNER_(a, b) a##b
#define SPILLWAY_STATUS_CONCAT_(a, b) SPILLWAY_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from the
// enclosing function, otherwise moves the value into `lhs` (a declaration or an
// assignable expression).
#define SPILLWAY_ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  SPILLWAY_ASSIGN_OR_RETURN_IMPL_(                                             \
      SPILLWAY_STATUS_CONCAT_(spillway_statusor_, __LINE__), lhs, rexpr)

#define SPILLWAY_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // SPILLWAY_COMMON_STATUS_MACROS_H_
