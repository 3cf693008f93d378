#include "common/log_format.h"

#include "glog/logging.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway {
namespace {

TEST(LogValueTest, QuotesOnlyWhatALogfmtParserWouldSplit) {
  struct Case {
    const char* value;
    const char* want;
  } cases[] = {
      {"default/web-1", "default/web-1"},
      {"", "\"\""},
      {"the ECI quota has no room", "\"the ECI quota has no room\""},
      {"a=b", "\"a=b\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"two\nlines", "\"two\\nlines\""},
      {"back\\slash", "\"back\\\\slash\""},
  };
  for (const Case& c : cases) EXPECT_EQ(LogValue(c.value), c.want) << c.value;
}

TEST(JsonLogLineTest, LiftsKeyValuePairsIntoFields) {
  const absl::Time time = absl::FromUnixMicros(1796178500123456);
  struct Case {
    const char* message;
    const char* want;
  } cases[] = {
      {"rescue pod=shop/web-1 outcome=quota reason=\"the ECI quota: pods cap 2 reached\"",
       R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
       R"("msg":"rescue pod=shop/web-1 outcome=quota reason=\"the ECI quota: pods cap 2 reached\"",)"
       R"("pod":"shop/web-1","outcome":"quota","reason":"the ECI quota: pods cap 2 reached"})"},
      {"no pairs here: just text", R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
                                    R"("msg":"no pairs here: just text"})"},
      // The four fixed fields are never replaced; "a==b" is not a pair, and
      // the run of pairs ends there.
      {"msg=x level=debug a==b f(x=1) c=d", R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info",)"
                                            R"j("caller":"rescuer.cc:61","msg":"msg=x level=debug a==b f(x=1) c=d"})j"},
      // Issue 23.5: free text never becomes fields — after the run of pairs
      // ("waits: ..."), or as a sentence that happens to hold "a=b".
      {"stock pod=shop/web-1 node=vk waits: no node has cpu=4 free",
       R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
       R"("msg":"stock pod=shop/web-1 node=vk waits: no node has cpu=4 free","pod":"shop/web-1","node":"vk"})"},
      {"the eci-profile selector with matchLabels app=web cannot parse",
       R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
       R"("msg":"the eci-profile selector with matchLabels app=web cannot parse"})"},
      {"GET /api/v1/pods?labelSelector=app=web: 500",
       R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
       R"("msg":"GET /api/v1/pods?labelSelector=app=web: 500"})"},
      {"elastic_workload ew=shop/web unit=web-unit-eci action=scale from=0 to=2",
       R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
       R"("msg":"elastic_workload ew=shop/web unit=web-unit-eci action=scale from=0 to=2","ew":"shop/web",)"
       R"("unit":"web-unit-eci","action":"scale","from":"0","to":"2"})"},
      {"escaped=\"say \\\"hi\\\"\" end=1",
       R"({"ts":"2026-12-02T02:28:20.123456Z","level":"info","caller":"rescuer.cc:61",)"
       R"("msg":"escaped=\"say \\\"hi\\\"\" end=1","escaped":"say \"hi\"","end":"1"})"},
  };
  for (const Case& c : cases) EXPECT_EQ(JsonLogLine(time, "INFO", "rescuer.cc:61", c.message), c.want) << c.message;
}

// Issue 23.3: glog's --vmodule, checked before anything is applied.
TEST(SetVModuleTest, RaisesTheNamedFilesAndRefusesMalformedEntries) {
  EXPECT_FALSE(VLOG_IS_ON(2));
  ASSERT_TRUE(SetVModule("log_format_te?t=2,other=1").ok());
  EXPECT_TRUE(VLOG_IS_ON(2));  // This file is log_format_test.cc.
  EXPECT_FALSE(VLOG_IS_ON(3));
  for (const char* bad : {"log_format_test", "=2", "log_format_test=x", "log_format_test=11", "a=1,b=-1"}) {
    absl::Status status = SetVModule(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("is not PATTERN=LEVEL")) << bad;
  }
  EXPECT_TRUE(VLOG_IS_ON(2));  // A refused spec changed nothing.
  ASSERT_TRUE(SetVModule("log_format_te?t=0").ok());  // glog updates an entry by its pattern.
  EXPECT_FALSE(VLOG_IS_ON(1));
}

TEST(SetLoggingFormatTest, RefusesUnknownFormats) {
  EXPECT_TRUE(SetLoggingFormat("text").ok());
  const absl::Status status = SetLoggingFormat("xml");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "--logging-format=xml: use text or json");
}

}  // namespace
}  // namespace spillway
