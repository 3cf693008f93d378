#include "common/run_program.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway {
namespace {

using ::testing::HasSubstr;

TEST(RunProgramTest, CollectsBothStreamsTheExitCodeAndTheEnvironment) {
  ProgramOptions options;
  options.env = {{"SPILLWAY_GREETING", "hello"}};
  absl::StatusOr<ProgramOutput> out =
      RunProgram({"sh", "-c", "echo \"$SPILLWAY_GREETING\"; echo oops >&2; read x || echo no-stdin; exit 3"}, options);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->stdout_text, "hello\nno-stdin\n");
  EXPECT_EQ(out->stderr_text, "oops\n");
  EXPECT_EQ(out->exit_code, 3);
}

TEST(RunProgramTest, AMissingProgramIsNotFound) {
  absl::StatusOr<ProgramOutput> out = RunProgram({"/nonexistent/credential-helper"}, ProgramOptions());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(out.status().message()),
              HasSubstr("cannot run /nonexistent/credential-helper: No such file or directory"));
}

TEST(RunProgramTest, AProgramPastItsDeadlineIsKilled) {
  ProgramOptions options;
  options.timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  absl::StatusOr<ProgramOutput> out = RunProgram({"sleep", "30"}, options);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // Killed, not waited for.
}

TEST(RunProgramTest, OutputIsBounded) {
  ProgramOptions options;
  options.max_output_bytes = 1000;
  absl::StatusOr<ProgramOutput> out = RunProgram({"sh", "-c", "head -c 100000 /dev/zero"}, options);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->stdout_text.size(), 1000u);
}

}  // namespace
}  // namespace spillway
