// Access to files under the repository's testdata/ from tests (Bazel runfiles).
#ifndef SPILLWAY_COMMON_TESTING_TESTDATA_H_
#define SPILLWAY_COMMON_TESTING_TESTDATA_H_

#include <string>

#include "absl/strings/string_view.h"

namespace spillway::testing {

// Path of `relative` (e.g. "testdata/extender/filter_burst.json") inside the
// test's runfiles tree.
std::string RunfilePath(absl::string_view relative);

// Contents of the runfile; aborts the test binary when it cannot be read,
// because a missing fixture is a broken build, not a test outcome.
std::string ReadRunfile(absl::string_view relative);

}  // namespace spillway::testing

#endif  // SPILLWAY_COMMON_TESTING_TESTDATA_H_
