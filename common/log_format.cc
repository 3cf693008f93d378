#include "common/log_format.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "boost/json.hpp"
#include "glog/logging.h"

namespace spillway {
namespace {

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

bool IsKeyChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '-' || c == '.';
}

// Reads a logfmt value at `text[*at]`: quoted (unescaped) or up to a space.
std::string ReadValue(absl::string_view text, size_t* at) {
  std::string value;
  if (*at < text.size() && text[*at] == '"') {
    for (++*at; *at < text.size() && text[*at] != '"'; ++*at) {
      char c = text[*at];
      if (c == '\\' && *at + 1 < text.size()) {
        c = text[++*at];
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
      }
      value += c;
    }
    ++*at;  // The closing quote.
    return value;
  }
  while (*at < text.size() && text[*at] != ' ') value += text[(*at)++];
  return value;
}

// The key=value pairs of a message, in order.
std::vector<std::pair<std::string, std::string>> Pairs(absl::string_view message) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t at = 0;
  while (at < message.size()) {
    const size_t start = at;
    while (at < message.size() && IsKeyChar(message[at])) ++at;
    const bool starts_word = start == 0 || message[start - 1] == ' ';
    if (at > start && at < message.size() && message[at] == '=' && starts_word) {
      std::string key(message.substr(start, at - start));
      ++at;
      pairs.emplace_back(std::move(key), ReadValue(message, &at));
      continue;
    }
    at = start == at ? at + 1 : at;
  }
  return pairs;
}

class JsonSink : public google::LogSink {
 public:
  void send(google::LogSeverity severity, const char*, const char* base_filename, int line,
            const google::LogMessageTime& time, const char* message, size_t message_len) override {
    const absl::Time when = absl::FromUnixMicros(static_cast<int64_t>(time.timestamp()) * 1000000 + time.usec());
    const std::string text = JsonLogLine(when, google::GetLogSeverityName(severity),
                                         absl::StrCat(base_filename, ":", line), absl::string_view(message, message_len));
    absl::MutexLock lock(&mu_);
    std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
  }

 private:
  absl::Mutex mu_;
};

}  // namespace

std::string LogValue(absl::string_view value) {
  if (!NeedsQuotes(value)) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

std::string JsonLogLine(absl::Time time, absl::string_view level, absl::string_view caller,
                        absl::string_view message) {
  boost::json::object line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
  line["level"] = absl::AsciiStrToLower(level);
  line["caller"] = boost::json::string_view(caller.data(), caller.size());
  line["msg"] = boost::json::string_view(message.data(), message.size());
  for (auto& [key, value] : Pairs(message)) {
    if (!line.contains(key)) line[key] = value;
  }
  return boost::json::serialize(line);
}

absl::Status SetLoggingFormat(absl::string_view format) {
  if (format == "text") return absl::OkStatus();
  if (format != "json") {
    return absl::InvalidArgumentError(absl::StrCat("--logging-format=", format, ": use text or json"));
  }
  static JsonSink* const sink = new JsonSink();
  FLAGS_logtostderr = false;
  FLAGS_alsologtostderr = false;
  FLAGS_stderrthreshold = google::NUM_SEVERITIES;  // Nothing else on stderr.
  for (int severity = 0; severity < google::NUM_SEVERITIES; ++severity) {
    google::SetLogDestination(severity, "");  // No log files.
  }
  google::AddLogSink(sink);
  return absl::OkStatus();
}

}  // namespace spillway
