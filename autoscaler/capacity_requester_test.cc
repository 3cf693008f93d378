// The pure parts of capacity hand-back's controller: the config, validated,
// and the placeholder pod it creates. The whole loop (placeholders created,
// kept, deleted to make room) is in repatriator_test.cc.
#include "autoscaler/capacity_requester.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

config::CapacityRequestConfig Valid() {
  config::CapacityRequestConfig config;
  config.set_enabled(true);
  config::NodeShapeConfig& shape = *config.add_node_shapes();
  shape.set_name("np-burst");
  shape.set_cpu("4");
  shape.set_memory("15Gi");
  shape.set_price_per_hour(0.14);
  config.set_eci_vcpu_second(0.0000125);
  config.set_eci_gib_second(0.0000014);
  return config;
}

TEST(CapacityRequestOptionsTest, DefaultsAndErrorsNameTheField) {
  absl::StatusOr<CapacityRequestOptions> options = CapacityRequestOptionsFrom(Valid());
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_EQ(options->shapes.size(), 1u);
  EXPECT_EQ(options->shapes[0].cpu_milli, 4000);
  EXPECT_EQ(options->shapes[0].memory_bytes, int64_t{15} << 30);
  EXPECT_EQ(options->shapes[0].pods, 110);
  EXPECT_EQ(options->timing.provisioning_delay, absl::Seconds(90));
  EXPECT_EQ(options->timing.scale_down_unneeded_time, absl::Minutes(10));
  EXPECT_EQ(options->priority_class, "spillway-capacity-request");

  struct Case {
    const char* name;
    void (*spoil)(config::CapacityRequestConfig&);
    const char* error;
  };
  const Case cases[] = {
      {"no shapes", [](config::CapacityRequestConfig& c) { c.clear_node_shapes(); }, "nodeShapes: name at least one"},
      {"bad cpu", [](config::CapacityRequestConfig& c) { c.mutable_node_shapes(0)->set_cpu("four"); },
       "nodeShapes[0].cpu: \"four\" is not a positive quantity"},
      {"no price", [](config::CapacityRequestConfig& c) { c.mutable_node_shapes(0)->set_price_per_hour(0); },
       "nodeShapes[0].pricePerHour: must be greater than 0"},
      {"no ECI price", [](config::CapacityRequestConfig& c) { c.set_eci_vcpu_second(0); },
       "ECI's pay-as-you-go prices are required"},
  };
  for (const Case& c : cases) {
    config::CapacityRequestConfig config = Valid();
    c.spoil(config);
    absl::StatusOr<CapacityRequestOptions> refused = CapacityRequestOptionsFrom(config);
    ASSERT_FALSE(refused.ok()) << c.name;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(refused.status().message(), HasSubstr(c.error)) << c.name;
  }
}

TEST(CapacityRequestOptionsTest, APlaceholderIsShapedLikeItsPodAndYieldsToEveryRealPod) {
  CapacityRequestOptions options = *CapacityRequestOptionsFrom(Valid());
  options.ns = "spillway-system";
  const json::object pod = BuildPlaceholder(options, "shop/web-1", "uid-1", 1500, int64_t{2} << 30);
  EXPECT_EQ(pod.at("metadata").at("name").as_string(), PlaceholderName("uid-1"));
  EXPECT_EQ(pod.at("metadata").at("namespace").as_string(), "spillway-system");
  EXPECT_EQ(pod.at("metadata").at("labels").at(kCapacityRequestLabel).as_string(), "true");
  EXPECT_EQ(pod.at("metadata").at("annotations").at(kCapacityForAnnotation).as_string(), "shop/web-1");
  EXPECT_EQ(pod.at("metadata").at("annotations").at("cluster-autoscaler.kubernetes.io/safe-to-evict").as_string(),
            "true");
  const json::object& spec = pod.at("spec").as_object();
  EXPECT_EQ(spec.at("priority").as_int64(), -1) << "below every real pod, above cluster-autoscaler's cutoff -10";
  EXPECT_EQ(spec.at("priorityClassName").as_string(), "spillway-capacity-request");
  EXPECT_EQ(spec.at("preemptionPolicy").as_string(), "Never");
  const json::object& requests = spec.at("containers").at(0).at("resources").at("requests").as_object();
  EXPECT_EQ(requests.at("cpu").as_string(), "1500m");
  EXPECT_EQ(requests.at("memory").as_string(), "2147483648");
  EXPECT_NE(PlaceholderName("uid-1"), PlaceholderName("uid-2"));
  EXPECT_EQ(PlaceholderName("uid-1").size(), std::string("spillway-capacity-").size() + 16);
}

}  // namespace
}  // namespace spillway::autoscaler
