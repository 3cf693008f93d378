#include "common/json_writer.h"

namespace spillway::json {

namespace {

// Bytes that need an escape inside a JSON string: controls, '"' and '\\'.
struct EscapeTable {
  bool needs_escape[256];
  constexpr EscapeTable() : needs_escape() {
    for (int c = 0; c < 0x20; ++c) needs_escape[c] = true;
    needs_escape[static_cast<unsigned char>('"')] = true;
    needs_escape[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr EscapeTable kEscapes;

}  // namespace

void AppendString(std::string* out, absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t clean_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!kEscapes.needs_escape[c]) continue;
    out->append(text.data() + clean_start, i - clean_start);
    clean_start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
    }
  }
  out->append(text.data() + clean_start, text.size() - clean_start);
  out->push_back('"');
}

std::string Quote(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  AppendString(&out, text);
  return out;
}

}  // namespace spillway::json
