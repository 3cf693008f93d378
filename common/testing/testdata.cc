#include "common/testing/testdata.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace spillway::testing {

std::string RunfilePath(absl::string_view relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return std::string(relative);
  return absl::StrCat(srcdir, "/", workspace, "/", relative);
}

std::string ReadRunfile(absl::string_view relative) {
  std::ifstream in(RunfilePath(relative), std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read runfile %s\n", RunfilePath(relative).c_str());
    std::abort();
  }
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace spillway::testing
