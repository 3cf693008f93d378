#include "sim/apiserver/openapi_v2.h"

#include <cstdint>

namespace spillway::sim {
namespace {

// Protobuf wire format: a field key is (number << 3 | wire type), varints
// carry 7 bits a byte; strings and messages are length-delimited (type 2).
void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendBytes(int field, std::string_view bytes, std::string* out) {
  AppendVarint(static_cast<uint64_t>(field) << 3 | 2, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

}  // namespace

std::string OpenApiV2Protobuf(std::string_view kubernetes_version) {
  std::string info;
  AppendBytes(1, "Kubernetes", &info);
  AppendBytes(2, kubernetes_version, &info);
  std::string document;
  AppendBytes(1, "2.0", &document);
  AppendBytes(2, info, &document);
  AppendBytes(8, "", &document);  // Paths: present, empty.
  return document;
}

boost::json::object OpenApiV2Json(std::string_view kubernetes_version) {
  return boost::json::object{
      {"swagger", "2.0"},
      {"info", boost::json::object{{"title", "Kubernetes"}, {"version", kubernetes_version}}},
      {"paths", boost::json::object()}};
}

}  // namespace spillway::sim
