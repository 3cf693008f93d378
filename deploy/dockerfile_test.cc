// The Dockerfile, checked without a container builder (none runs on the CI
// machines): it is multi-stage on Debian bookworm, runs as a non-root user,
// copies only files that exist, and its runtime stage installs a package for
// every shared library the real binary links (ldd + dpkg -S), so the image
// cannot drift from the build.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway {
namespace {

using ::testing::ElementsAre;

// The Dockerfile's instructions, continuation lines joined, comments dropped.
std::vector<std::string> Instructions() {
  std::ifstream in(testing::RunfilePath("Dockerfile"));
  std::vector<std::string> instructions;
  std::string line, current;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    const bool continues = absl::ConsumeSuffix(&text, "\\");
    current += std::string(text) + " ";
    if (!continues) {
      instructions.push_back(std::string(absl::StripAsciiWhitespace(current)));
      current.clear();
    }
  }
  return instructions;
}

TEST(DockerfileTest, MultiStageBookwormNonRootAndItsFilesExist) {
  std::vector<std::string> from;
  std::string user;
  for (const std::string& instruction : Instructions()) {
    if (absl::StartsWith(instruction, "FROM ")) from.push_back(instruction);
    if (absl::StartsWith(instruction, "USER ")) user = instruction.substr(5);
    if (absl::StartsWith(instruction, "COPY ") && !absl::StrContains(instruction, "--from=")) {
      std::vector<std::string> words = absl::StrSplit(instruction, ' ', absl::SkipEmpty());
      for (size_t i = 1; i + 1 < words.size(); ++i) {
        if (words[i] == ".") continue;  // The build context itself.
        std::ifstream file(testing::RunfilePath(words[i]));
        EXPECT_TRUE(file.good()) << instruction << ": " << words[i] << " does not exist";
      }
    }
  }
  EXPECT_THAT(from, ElementsAre("FROM debian:bookworm AS build", "FROM debian:bookworm-slim"));
  EXPECT_EQ(user, "65532:65532");
}

TEST(DockerfileTest, TheRuntimeStageHasEveryLibraryTheBinaryLinks) {
  std::set<std::string> installed;
  for (const std::string& instruction : Instructions()) {
    if (!absl::StrContains(instruction, "--no-install-recommends")) continue;
    for (absl::string_view word : absl::StrSplit(instruction, ' ', absl::SkipEmpty())) {
      installed.insert(std::string(word));
    }
  }
  testing::CommandResult packages = testing::RunCommand(
      "ldd " + testing::RunfilePath("spillway") +
      " | awk '$3 ~ /^\\// {print $3}' | xargs -n1 readlink -f | xargs dpkg -S | cut -d: -f1 | sort -u");
  ASSERT_EQ(packages.exit_code, 0) << packages.output;
  // The C/C++ runtime and compression libraries come with every Debian image.
  const std::set<std::string> in_base = {"libc6", "libgcc-s1", "libstdc++6", "liblzma5", "zlib1g"};
  int checked = 0;
  for (absl::string_view package : absl::StrSplit(packages.output, '\n', absl::SkipEmpty())) {
    if (in_base.count(std::string(package)) > 0) continue;
    ++checked;
    EXPECT_EQ(installed.count(std::string(package)), 1u) << package << " is linked but not installed";
  }
  EXPECT_GE(checked, 8) << packages.output;
}

}  // namespace
}  // namespace spillway
