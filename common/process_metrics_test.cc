#include "common/process_metrics.h"

#include <unistd.h>

#include <ctime>
#include <map>
#include <string>

#include "gtest/gtest.h"

namespace spillway {
namespace {

TEST(ProcessMetricsTest, ReadsThisProcess) {
  std::map<std::string, double> values;
  for (const prometheus::MetricFamily& family : ProcessMetrics().Collect()) {
    ASSERT_EQ(family.metric.size(), 1u) << family.name;
    values[family.name] = family.type == prometheus::MetricType::Counter ? family.metric[0].counter.value
                                                                        : family.metric[0].gauge.value;
  }
  ASSERT_EQ(values.size(), 7u);
  // A test binary holds some megabytes and has run for less than a day.
  EXPECT_GT(values["process_resident_memory_bytes"], 1 << 20);
  EXPECT_GT(values["process_virtual_memory_bytes"], values["process_resident_memory_bytes"]);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(values["process_start_time_seconds"], now + 1);
  EXPECT_GT(values["process_start_time_seconds"], now - 86400);
  EXPECT_GE(values["process_cpu_seconds_total"], 0);
  EXPECT_GE(values["process_threads"], 1);
  // stdin, stdout, stderr at least; and a file opened now shows.
  const double fds = values["process_open_fds"];
  EXPECT_GE(fds, 3);
  FILE* file = std::fopen("/proc/self/stat", "r");
  ASSERT_NE(file, nullptr);
  for (const prometheus::MetricFamily& family : ProcessMetrics().Collect()) {
    if (family.name == "process_open_fds") {
      EXPECT_EQ(family.metric[0].gauge.value, fds + 1);
    }
  }
  std::fclose(file);
  EXPECT_GE(values["process_max_fds"], fds);
}

}  // namespace
}  // namespace spillway
