// Spillway's version, for `spillway --version` and the spillway_build_info
// metric. Bumped by hand with each release (the offline Bazel build has no
// workspace stamping).
#ifndef SPILLWAY_COMMON_VERSION_H_
#define SPILLWAY_COMMON_VERSION_H_

namespace spillway {

inline constexpr char kVersion[] = "0.7.0";

// The compiler that built this binary, e.g. "gcc 12.2.0".
#if defined(__clang__)
inline constexpr char kCompiler[] = "clang " __clang_version__;
#elif defined(__GNUC__)
inline constexpr char kCompiler[] = "gcc " __VERSION__;
#else
inline constexpr char kCompiler[] = "unknown";
#endif

}  // namespace spillway

#endif  // SPILLWAY_COMMON_VERSION_H_
