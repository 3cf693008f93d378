#include "app/flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::app {
namespace {

using ::testing::HasSubstr;

class FlagSetTest : public ::testing::Test {
 protected:
  FlagSetTest() : flags_("spillway test [flags]", "A test command.") {
    flags_.String("listen", &listen_, "Where to listen");
    flags_.Int("threads", &threads_, 1, 256, "Threads");
    flags_.Bool("leader-elect", &leader_elect_, "Elect a leader");
  }
  FlagSet flags_;
  std::string listen_ = "0.0.0.0:10262";
  int threads_ = 2;
  bool leader_elect_ = false;
};

TEST_F(FlagSetTest, ParsesBothSpellings) {
  ASSERT_TRUE(flags_.Parse({"--listen=127.0.0.1:1", "--threads", "4", "--leader-elect"}).ok());
  EXPECT_EQ(listen_, "127.0.0.1:1");
  EXPECT_EQ(threads_, 4);
  EXPECT_TRUE(leader_elect_);
  ASSERT_TRUE(flags_.Parse({"--leader-elect=false"}).ok());
  EXPECT_FALSE(leader_elect_);
}

// Issue 23.3: `-ojson` as kubectl users type it, as well as `-o json`.
TEST(FlagSetShorthandTest, AOneLetterFlagTakesItsValueAttached) {
  FlagSet flags("spillway status [flags]", "Status.");
  std::string output;
  bool verbose = false;
  flags.String("output", &output, "Format");
  flags.String("o", &output, "Same as --output");
  flags.Bool("v", &verbose, "Verbose");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-ojson"}, {"-o", "json"}, {"-o=json"}, {"--output=json"}, {"--output", "json"}}) {
    output.clear();
    ASSERT_TRUE(flags.Parse(args).ok()) << args[0];
    EXPECT_EQ(output, "json") << args[0];
  }
  EXPECT_EQ(flags.Parse({"-vx"}).message(), "unknown flag --vx; see --help for the flags this command takes");
  EXPECT_EQ(flags.Parse({"--ojson"}).message(), "unknown flag --ojson; see --help for the flags this command takes");
}

TEST_F(FlagSetTest, ErrorsNameTheFlag) {
  EXPECT_EQ(flags_.Parse({"--thread=3"}).message(),
            "unknown flag --thread; see --help for the flags this command takes");
  EXPECT_EQ(flags_.Parse({"--threads=many"}).message(), "--threads: 'many' is not an integer");
  EXPECT_EQ(flags_.Parse({"--listen"}).message(), "flag --listen needs a value");
  EXPECT_EQ(flags_.Parse({"--threads=100000"}).message(), "--threads: 100000 is outside 1..256");
  EXPECT_EQ(flags_.Parse({"--threads=0"}).message(), "--threads: 0 is outside 1..256");
  EXPECT_EQ(flags_.Parse({"--threads=99999999999"}).message(),
            "--threads: '99999999999' is not an integer");
  EXPECT_EQ(threads_, 2);  // A refused value leaves the default.
  EXPECT_EQ(flags_.Parse({"serve"}).message(),
            "unexpected argument 'serve'; flags look like --name=value");
}

TEST(FlagSetDoubleTest, NumbersHaveARange) {
  FlagSet flags("spillway sim [flags]", "A test command.");
  double speed = 1;
  flags.Double("speed", &speed, 0.1, 20, "Speed");
  ASSERT_TRUE(flags.Parse({"--speed=2.5"}).ok());
  EXPECT_EQ(speed, 2.5);
  EXPECT_EQ(flags.Parse({"--speed=fast"}).message(), "--speed: 'fast' is not a number");
  EXPECT_EQ(flags.Parse({"--speed=50"}).message(), "--speed: 50 is outside 0.1..20");
  EXPECT_EQ(flags.Parse({"--speed=nan"}).message(), "--speed: 'nan' is not a number");
}

TEST_F(FlagSetTest, HelpListsEveryFlagWithItsDefault) {
  ASSERT_TRUE(flags_.Parse({"--help"}).ok());
  EXPECT_TRUE(flags_.help_requested());
  std::string help = flags_.Help();
  EXPECT_THAT(help, HasSubstr("Usage: spillway test [flags]"));
  EXPECT_THAT(help, HasSubstr("--listen=VALUE\n      Where to listen (default \"0.0.0.0:10262\")"));
  EXPECT_THAT(help, HasSubstr("--threads=VALUE\n      Threads; 1..256 (default 2)"));
  EXPECT_THAT(help, HasSubstr("--leader-elect\n      Elect a leader (default false)"));
}

TEST(ParseCommandLineTest, AnswersTheExitCodeOrGoesOn) {
  int pods = 1;
  FlagSet flags("tool [flags]", "A tool.");
  flags.Int("pods", &pods, 1, 1000, "Pods");
  char tool[] = "tool";
  char good[] = "--pods=3";
  char* go_on[] = {tool, good};
  EXPECT_EQ(ParseCommandLine(flags, 2, go_on), std::nullopt);
  EXPECT_EQ(pods, 3);
  char bad[] = "--pods=many";
  char* refuse[] = {tool, bad};
  EXPECT_EQ(ParseCommandLine(flags, 2, refuse), 2);
  char help[] = "--help";
  char* ask[] = {tool, help};
  FlagSet fresh("tool [flags]", "A tool.");
  EXPECT_EQ(ParseCommandLine(fresh, 2, ask), 0);
}

}  // namespace
}  // namespace spillway::app
