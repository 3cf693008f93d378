#include "common/log_format.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// Spillway's messages read "<what> key=value key=value ...", sometimes with
// free text after the pairs ("leader id=x lost: <why>", for example). Only
// that run of pairs is lifted: it starts at one of the first kMaxLeadingWords
// + 1 words and ends at the first word that is not a pair, so "a=b" inside
// free text (an error's own words, a URL's query) never becomes a field.
constexpr int kMaxLeadingWords = 2;

// Reads "key=value" at `*at`: a key of IsKeyChar characters, '=', and a value
// that does not start with '=' and ends at a space or the end. False (and
// `*at` unchanged) for anything else.
bool ReadPair(absl::string_view message, size_t* at, std::pair<std::string, std::string>* pair) {
  size_t cursor = *at;
  while (cursor < message.size() && IsKeyChar(message[cursor])) ++cursor;
  if (cursor == *at || cursor + 1 > message.size() || message[cursor] != '=') return false;
  if (cursor + 1 < message.size() && message[cursor + 1] == '=') return false;
  std::string key(message.substr(*at, cursor - *at));
  ++cursor;
  std::string value = ReadValue(message, &cursor);
  if (cursor < message.size() && message[cursor] != ' ') return false;  // Text glued to a quoted value.
  *pair = {std::move(key), std::move(value)};
  *at = cursor;
  return true;
}

// The message's run of key=value pairs, in order.
std::vector<std::pair<std::string, std::string>> Pairs(absl::string_view message) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t at = 0;
  for (int word = 0; word <= kMaxLeadingWords && at < message.size(); ++word) {
    std::pair<std::string, std::string> pair;
    if (ReadPair(message, &at, &pair)) {
      pairs.push_back(std::move(pair));
      break;
    }
    const size_t space = message.find(' ', at);
    if (space == absl::string_view::npos) return pairs;
    at = space + 1;
  }
  if (pairs.empty()) return pairs;
  while (at < message.size() && message[at] == ' ') {
    ++at;
    std::pair<std::string, std::string> pair;
    if (!ReadPair(message, &at, &pair)) break;
    pairs.push_back(std::move(pair));
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

absl::Status SetVModule(absl::string_view spec) {
  std::vector<std::pair<std::string, int>> levels;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    const size_t equals = entry.rfind('=');
    int level = -1;
    if (equals == absl::string_view::npos || equals == 0 || !absl::SimpleAtoi(entry.substr(equals + 1), &level) ||
        level < 0 || level > 10) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--vmodule: \"", entry, "\" is not PATTERN=LEVEL (a file's base name, * and ? allowed, and 0..10), "
          "e.g. --vmodule=extender_service=2,rescu*=1"));
    }
    levels.emplace_back(std::string(entry.substr(0, equals)), level);
  }
  for (const auto& [pattern, level] : levels) google::SetVLOGLevel(pattern.c_str(), level);
  return absl::OkStatus();
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
