#include "common/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

TEST(ReadRegularFileTest, ReadsASmallFileWhole) {
  std::ofstream(TempPath("small")) << "extender: {}\n";
  absl::StatusOr<std::string> text = ReadRegularFile(TempPath("small"), 100, "config file");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "extender: {}\n");
}

TEST(ReadRegularFileTest, ReadsAFileOfExactlyTheLimit) {
  std::ofstream(TempPath("exact")) << std::string(100, 'x');
  absl::StatusOr<std::string> text = ReadRegularFile(TempPath("exact"), 100, "config file");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->size(), 100u);
}

TEST(ReadRegularFileTest, RefusesAFileOverTheLimit) {
  std::ofstream(TempPath("big")) << std::string(101, 'x');
  absl::StatusOr<std::string> text = ReadRegularFile(TempPath("big"), 100, "config file");
  EXPECT_EQ(text.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(text.status().message(), HasSubstr("is larger than 100 bytes"));
}

TEST(ReadRegularFileTest, RefusesEndlessDevicesDirectoriesAndPipes) {
  for (const std::string& path : {std::string("/dev/zero"), std::string("/dev/urandom"),
                                  std::string(std::getenv("TEST_TMPDIR"))}) {
    absl::StatusOr<std::string> text = ReadRegularFile(path, 1 << 20, "config file");
    EXPECT_EQ(text.status().code(), absl::StatusCode::kFailedPrecondition) << path;
    EXPECT_THAT(text.status().message(),
                HasSubstr("config file '" + path + "' is not a regular file"));
  }
  const std::string fifo = TempPath("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // No writer: a blocking open would hang here.
  EXPECT_EQ(ReadRegularFile(fifo, 100, "kubeconfig").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ReadRegularFileTest, MissingFileIsNotFound) {
  absl::StatusOr<std::string> text = ReadRegularFile(TempPath("absent"), 100, "kubeconfig");
  EXPECT_EQ(text.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(text.status().message(), HasSubstr("cannot read kubeconfig '"));
}

TEST(ReadRegularFileTest, FollowsSymbolicLinksAsMountedSecretsUseThem) {
  std::ofstream(TempPath("target")) << "token";
  ASSERT_EQ(symlink(TempPath("target").c_str(), TempPath("link").c_str()), 0);
  EXPECT_EQ(*ReadRegularFile(TempPath("link"), 100, "token file"), "token");
}

}  // namespace
}  // namespace spillway
