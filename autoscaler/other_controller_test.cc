#include "autoscaler/other_controller.h"

#include <string>

#include "gtest/gtest.h"

namespace spillway::autoscaler {
namespace {

// Issue 24.5: an ElasticWorkload whose status another controller writes is
// left alone; Spillway's own writes and a person's kubectl are not "another".
TEST(OtherStatusWriterTest, ReadsManagedFields) {
  struct Row {
    std::string managed_fields;  // JSON array
    std::string want;            // "" for none
  } rows[] = {
      {"[]", ""},
      {R"([{"manager":"spillway-client","operation":"Update","subresource":"status"}])", ""},
      {R"([{"manager":"kubectl-edit","operation":"Update","subresource":"status"}])", ""},
      {R"([{"manager":"elastic-workload-controller","operation":"Update"}])", ""},  // Spec only.
      {R"([{"manager":"spillway-client","operation":"Update","subresource":"status"},
           {"manager":"elastic-workload-controller","operation":"Update","subresource":"status"}])",
       "elastic-workload-controller"},
      {R"([{"operation":"Update","subresource":"status"}, "junk", 7])", ""},
  };
  for (const Row& row : rows) {
    const boost::json::object object{{"metadata", boost::json::object{{"managedFields", boost::json::parse(row.managed_fields)}}}};
    EXPECT_EQ(OtherStatusWriter(object, "spillway-client").value_or(""), row.want) << row.managed_fields;
  }
  EXPECT_EQ(OtherStatusWriter(boost::json::object{{"metadata", 1}}, "spillway-client"), std::nullopt);
}

}  // namespace
}  // namespace spillway::autoscaler
