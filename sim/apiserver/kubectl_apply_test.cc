// kubectl apply of edited objects, client-side (a three-way strategic merge
// patch) and then server-side, against the embedded API server: what the
// user last applied is what the cluster holds, as on kube-apiserver 1.32.
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "boost/json.hpp"
#include "common/files.h"
#include "common/testing/testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/apiserver/kubectl_fixture.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::CommandResult;

// Where `live` lacks something `want` has ("" when `want` is a subset of
// it): objects key by key, lists element by element and of the same length.
std::string Missing(const json::value& want, const json::value& live, const std::string& path) {
  if (want.is_object()) {
    if (!live.is_object()) return path + " is not an object";
    for (const auto& [key, value] : want.get_object()) {
      const json::value* got = live.get_object().if_contains(key);
      if (got == nullptr) return absl::StrCat(path, ".", std::string(key), " is missing");
      if (std::string why = Missing(value, *got, absl::StrCat(path, ".", std::string(key))); !why.empty()) return why;
    }
    return "";
  }
  if (want.is_array()) {
    if (!live.is_array() || live.get_array().size() != want.get_array().size()) {
      return absl::StrCat(path, " is ", json::serialize(live), ", not ", json::serialize(want));
    }
    for (size_t i = 0; i < want.get_array().size(); ++i) {
      std::string why = Missing(want.get_array()[i], live.get_array()[i], absl::StrCat(path, "[", i, "]"));
      if (!why.empty()) return why;
    }
    return "";
  }
  return want == live ? "" : absl::StrCat(path, " is ", json::serialize(live), ", not ", json::serialize(want));
}

class KubectlApplyTest : public KubectlTest {
 protected:
  // deploy/spillway.yaml with edits a user makes: a webhook's timeout, the
  // replicas, a grace period and one of the container's arguments.
  std::string EditedDeploy() {
    absl::StatusOr<std::string> text =
        ReadRegularFile(spillway::testing::RunfilePath("deploy/spillway.yaml"), 1 << 20, "manifest");
    EXPECT_TRUE(text.ok()) << text.status();
    const std::string edited = absl::StrReplaceAll(
        text.value_or(""), {{"timeoutSeconds: 2", "timeoutSeconds: 5"},
                            {"replicas: 2", "replicas: 3"},
                            {"terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 45"},
                            {"--lease-name=spillway-autoscaler", "--lease-name=spillway-leader"}});
    EXPECT_NE(edited, text.value_or(""));
    return WriteManifest("spillway-edited.yaml", edited);
  }

  // Every object of `manifest` as the server holds it includes everything
  // the manifest says.
  void ExpectLiveObjectsHoldTheManifest(const std::string& manifest) {
    CommandResult rendered = Kubectl("create --dry-run=client -o json -f " + manifest);
    ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
    // One JSON document per object, one after the other.
    std::vector<json::value> items;
    json::stream_parser parser;
    for (size_t at = 0; at < rendered.output.size();) {
      boost::system::error_code ec;
      at += parser.write_some(rendered.output.data() + at, rendered.output.size() - at, ec);
      ASSERT_FALSE(ec) << ec.message();
      if (parser.done()) {
        items.push_back(parser.release());
        parser.reset();
      }
      while (at < rendered.output.size() && isspace(static_cast<unsigned char>(rendered.output[at]))) ++at;
    }
    int checked = 0;
    for (const json::value& item : items) {
      const json::object& metadata = item.at("metadata").as_object();
      const std::string name(metadata.at("name").as_string());
      const std::string ns = metadata.contains("namespace") ? std::string(metadata.at("namespace").as_string()) : "";
      const std::string kind(item.at("kind").as_string());
      CommandResult live = Kubectl(absl::StrCat("get ", kind, " ", name, ns.empty() ? "" : " -n " + ns, " -o json"));
      ASSERT_EQ(live.exit_code, 0) << kind << " " << name << ": " << live.output;
      json::value want = item;
      want.as_object().erase("status");
      EXPECT_EQ(Missing(want, json::parse(live.output), kind + "/" + name), "");
      ++checked;
    }
    EXPECT_GE(checked, 10);
  }
};

// Issue 21.2: re-applying an edited MutatingWebhookConfiguration kept only
// the changed fields of its webhook (rules, sideEffects and
// namespaceSelector vanished): the server replaced the webhooks list that
// kubectl patches by merge key `name`.
TEST_F(KubectlApplyTest, EditedDeployObjectsRoundTripThroughClientSideApply) {
  const std::string original = spillway::testing::RunfilePath("deploy/spillway.yaml");
  CommandResult applied = Kubectl("apply -f " + original);
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  const std::string edited = EditedDeploy();
  CommandResult reapplied = Kubectl("apply -f " + edited);
  ASSERT_EQ(reapplied.exit_code, 0) << reapplied.output;
  EXPECT_THAT(reapplied.output, HasSubstr("mutatingwebhookconfiguration.admissionregistration.k8s.io/spillway configured"));
  EXPECT_THAT(reapplied.output, HasSubstr("deployment.apps/spillway configured"));
  ExpectLiveObjectsHoldTheManifest(edited);
  EXPECT_EQ(Kubectl("get mutatingwebhookconfiguration spillway -o jsonpath={.webhooks[0].rules[0].resources}").output,
            "[\"pods\"]");
  // And back: kubectl diff sees nothing left to change.
  CommandResult diff = Kubectl("diff -f " + edited);
  EXPECT_EQ(diff.exit_code, 0) << diff.output;
  ASSERT_EQ(Kubectl("apply -f " + original).exit_code, 0);
  ExpectLiveObjectsHoldTheManifest(original);
}

// Server-side apply after client-side apply, as on 1.32: kubectl moves the
// fields the client-side manager owned to its server-side manager, so the
// same user's next apply owns them and nothing conflicts (e.g. a Service's
// ports).
TEST_F(KubectlApplyTest, ServerSideApplyAfterClientSideApplyDoesNotConflict) {
  const std::string original = spillway::testing::RunfilePath("deploy/spillway.yaml");
  ASSERT_EQ(Kubectl("apply -f " + original).exit_code, 0);
  const std::string edited = EditedDeploy();
  CommandResult server_side = Kubectl("apply --server-side -f " + edited);
  ASSERT_EQ(server_side.exit_code, 0) << server_side.output;
  EXPECT_THAT(server_side.output, Not(HasSubstr("conflict")));
  ExpectLiveObjectsHoldTheManifest(edited);
  EXPECT_THAT(Kubectl("get service spillway-webhook -n kube-system -o jsonpath={.metadata.managedFields[*].manager}")
                  .output,
              HasSubstr("kubectl"));
}

}  // namespace
}  // namespace spillway::sim
