#include "common/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "prometheus/client_metric.h"

namespace spillway {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{name, help, type, {metric}};
}

int OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int n = 0;
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n - 3;  // ".", ".." and the directory's own descriptor.
}

double MaxFds() {
  std::ifstream limits("/proc/self/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream fields(line.substr(14));
    double soft = 0;
    fields >> soft;
    return soft;
  }
  return 0;
}

// Seconds since the epoch at boot, from /proc/stat's btime.
double BootTime() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  std::ifstream stat_file("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces), from field 3 on.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)), std::istream_iterator<std::string>());
  // Indexes into f are field number - 3 (proc(5)): utime 14, stime 15,
  // num_threads 20, starttime 22, vsize 23, rss 24.
  if (f.size() < 22) return {};
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  using prometheus::MetricType;
  return {
      Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType::Counter,
             cpu),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
             std::stod(f[21]) * page),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge, std::stod(f[20])),
      Family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
             MetricType::Gauge, BootTime() + std::stod(f[19]) / ticks),
      Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, OpenFds()),
      Family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge, MaxFds()),
      Family("process_threads", "Number of OS threads in the process.", MetricType::Gauge, std::stod(f[17])),
  };
}

}  // namespace spillway
