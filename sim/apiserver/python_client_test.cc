// The official Python client (Debian python3-kubernetes) against the embedded
// API server: discovery, CRUD, conflicts, defaults, the scale subresource,
// watch and collection deletes, as a newcomer's first script would use them.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/testing/process.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/api_server.h"

namespace spillway::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PythonClientTest, TheOfficialClientWorksAgainstTheEmbeddedServer) {
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(ApiServerOptions());
  ASSERT_TRUE(server.ok()) << server.status();
  const testing::CommandResult result = testing::RunCommand(
      absl::StrCat("/usr/bin/python3 ", testing::RunfilePath("sim/apiserver/python_client_check.py"),
                   " http://127.0.0.1:", (*server)->port(), " 2>&1"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, Not(HasSubstr("FAIL")));
  for (const char* check : {"ok version", "ok namespaces", "ok conflict", "ok deployment defaults",
                            "ok scale subresource", "ok watch", "ok page resourceVersion", "ok pages are one snapshot",
                            "ok continue bound to its query", "ok delete collection", "ok not found"}) {
    EXPECT_THAT(result.output, HasSubstr(check));
  }
  // Every kind through create, read, patch, list by label, delete.
  for (const char* kind : {"config_map", "secret", "service_account", "service", "pod", "deployment", "replica_set",
                           "stateful_set", "daemon_set", "job", "cron_job", "pod_disruption_budget", "role",
                           "role_binding", "lease"}) {
    EXPECT_THAT(result.output, HasSubstr(absl::StrCat("ok kind ", kind, "\n")));
  }
}

}  // namespace
}  // namespace spillway::sim
