#include "sim/apiserver/protobuf_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

// A tiny encoder for hand-made bodies.
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Bytes(int field, const std::string& bytes) {
  return Varint(static_cast<uint64_t>(field) << 3 | 2) + Varint(bytes.size()) + bytes;
}
std::string Number(int field, uint64_t value) { return Varint(static_cast<uint64_t>(field) << 3) + Varint(value); }
std::string Envelope(const std::string& api_version, const std::string& kind, const std::string& raw) {
  return std::string("k8s\0", 4) + Bytes(1, Bytes(1, api_version) + Bytes(2, kind)) + Bytes(2, raw);
}

TEST(ProtobufCodecTest, DecodesAConfigMap) {
  const std::string meta = Bytes(1, "settings") + Bytes(4, "") + Number(7, 0) +
                           Bytes(11, Bytes(1, "app") + Bytes(2, "web"));
  const std::string raw = Bytes(1, meta) + Bytes(2, Bytes(1, "mode") + Bytes(2, "burst")) + Number(4, 1);
  absl::StatusOr<json::object> object = DecodeKubernetesProtobuf(Envelope("v1", "ConfigMap", raw));
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(json::serialize(*object),
            R"({"metadata":{"name":"settings","labels":{"app":"web"}},"data":{"mode":"burst"},"immutable":true,)"
            R"("apiVersion":"v1","kind":"ConfigMap"})");
}

TEST(ProtobufCodecTest, KeepsZeroOnlyWherePointersDo) {
  // DeploymentSpec.replicas = 0 is meaningful; minReadySeconds = 0 is unset.
  const std::string spec = Number(1, 0) + Number(5, 0);
  absl::StatusOr<json::object> object =
      DecodeKubernetesProtobuf(Envelope("apps/v1", "Deployment", Bytes(1, Bytes(1, "d")) + Bytes(2, spec)));
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(json::serialize(object->at("spec")), R"({"replicas":0})");
}

TEST(ProtobufCodecTest, RefusesWhatItCannotReadWithAClearError) {
  struct Case {
    const char* name;
    std::string body;
    absl::StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"no magic", "{\"kind\":\"ConfigMap\"}", absl::StatusCode::kInvalidArgument, "Kubernetes magic"},
      {"truncated", std::string("k8s\0", 4) + "\x0a\x05\x0a", absl::StatusCode::kInvalidArgument, "malformed"},
      {"length past end", Envelope("v1", "ConfigMap", "\x0a\x7f"), absl::StatusCode::kInvalidArgument,
       "a length past the end"},
      {"unknown field with content", Envelope("v1", "ConfigMap", Bytes(9, "surprise")),
       absl::StatusCode::kInvalidArgument, "protobuf field 9 of ConfigMap is not understood"},
      {"wrong wire type", Envelope("v1", "ConfigMap", Number(1, 5)), absl::StatusCode::kInvalidArgument,
       "ConfigMap.metadata has wire type 0"},
      {"unknown kind", Envelope("v1", "Endpoints", ""), absl::StatusCode::kUnimplemented, "not v1 Endpoints"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<json::object> object = DecodeKubernetesProtobuf(c.body);
    ASSERT_FALSE(object.ok()) << c.name;
    EXPECT_EQ(object.status().code(), c.code) << c.name << ": " << object.status();
    EXPECT_THAT(std::string(object.status().message()), HasSubstr(c.message)) << c.name;
  }
}

}  // namespace
}  // namespace spillway::sim
