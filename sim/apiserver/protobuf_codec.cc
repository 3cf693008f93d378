#include "sim/apiserver/protobuf_codec.h"

#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "sim/apiserver/protobuf_schema.h"

namespace spillway::sim {
namespace json = boost::json;
using protobuf_schema::Field;
using protobuf_schema::Kind;
using protobuf_schema::Message;

namespace {

// The schema has no recursive message today; the bound keeps it safe if one
// is added.
constexpr int kMaxDepth = 32;

// One field as it is on the wire.
struct WireField {
  int number = 0;
  int type = 0;         // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  uint64_t varint = 0;  // For type 0.
  std::string_view bytes;  // For type 2.
};

// Reads the fields of one message in order; bounds-checked.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  absl::Status Next(WireField* field) {
    uint64_t key = 0;
    if (!Varint(&key)) return Malformed("a truncated field key");
    field->number = static_cast<int>(key >> 3);
    field->type = static_cast<int>(key & 7);
    if (field->number <= 0) return Malformed("field number 0");
    switch (field->type) {
      case 0:
        if (!Varint(&field->varint)) return Malformed("a truncated varint");
        return absl::OkStatus();
      case 1:
      case 5: {
        const size_t width = field->type == 1 ? 8 : 4;
        if (data_.size() - pos_ < width) return Malformed("a truncated fixed-width field");
        pos_ += width;
        return absl::OkStatus();
      }
      case 2: {
        uint64_t length = 0;
        if (!Varint(&length) || length > data_.size() - pos_) return Malformed("a length past the end");
        field->bytes = data_.substr(pos_, length);
        pos_ += length;
        return absl::OkStatus();
      }
      default:
        return Malformed(absl::StrCat("wire type ", field->type));
    }
  }

 private:
  bool Varint(uint64_t* out) {
    *out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
      *out |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  static absl::Status Malformed(const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("the protobuf body is malformed: ", what));
  }

  std::string_view data_;
  size_t pos_ = 0;
};

absl::StatusOr<json::object> DecodeMessage(std::string_view data, const std::string& name, int depth);

// A map entry: key = 1, value = 2.
absl::Status DecodeEntry(std::string_view data, std::string* key, std::string_view* value) {
  WireReader reader(data);
  while (!reader.done()) {
    WireField field;
    if (absl::Status s = reader.Next(&field); !s.ok()) return s;
    if (field.type != 2) continue;
    if (field.number == 1) *key = std::string(field.bytes);
    if (field.number == 2) *value = field.bytes;
  }
  return absl::OkStatus();
}

// A Quantity {string = 1}, Time {seconds = 1, nanos = 2} or IntOrString
// {type = 1, intVal = 2, strVal = 3}.
absl::StatusOr<json::value> DecodeSmall(std::string_view data, Kind kind) {
  WireReader reader(data);
  std::string text;
  int64_t number = 0, type = 0;
  while (!reader.done()) {
    WireField field;
    if (absl::Status s = reader.Next(&field); !s.ok()) return s;
    if (field.type == 2 && (field.number == 1 || field.number == 3)) text = std::string(field.bytes);
    if (field.type == 0 && field.number == 1) (kind == Kind::kIntOrString ? type : number) = field.varint;
    if (field.type == 0 && field.number == 2 && kind == Kind::kIntOrString) {
      number = static_cast<int32_t>(field.varint);
    }
  }
  if (kind == Kind::kTime) {
    if (number <= 0) return json::value(nullptr);
    return json::value(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(number), absl::UTCTimeZone()));
  }
  if (kind == Kind::kIntOrString) return type == 1 ? json::value(text) : json::value(number);
  return json::value(text);
}

absl::StatusOr<json::value> DecodeValue(const WireField& wire, const Field& field, const std::string& owner,
                                        int depth) {
  auto wrong_type = [&] {
    return absl::InvalidArgumentError(absl::StrCat("the protobuf body is malformed: ", owner, ".", field.name,
                                                   " has wire type ", wire.type));
  };
  switch (field.kind) {
    case Kind::kString:
      if (wire.type != 2) return wrong_type();
      return json::value(std::string(wire.bytes));
    case Kind::kBytes: {
      if (wire.type != 2) return wrong_type();
      return json::value(absl::Base64Escape(std::string(wire.bytes)));
    }
    case Kind::kInt:
      if (wire.type != 0) return wrong_type();
      return json::value(static_cast<int64_t>(wire.varint));
    case Kind::kBool:
      if (wire.type != 0) return wrong_type();
      return json::value(wire.varint != 0);
    case Kind::kMessage: {
      if (wire.type != 2) return wrong_type();
      absl::StatusOr<json::object> nested = DecodeMessage(wire.bytes, field.message, depth + 1);
      if (!nested.ok()) return nested.status();
      return json::value(*std::move(nested));
    }
    case Kind::kTime:
    case Kind::kIntOrString:
      if (wire.type != 2) return wrong_type();
      return DecodeSmall(wire.bytes, field.kind);
    default:
      return wrong_type();
  }
}

bool IsZero(const json::value& value) {
  return (value.is_string() && value.get_string().empty()) || (value.is_int64() && value.get_int64() == 0) ||
         (value.is_bool() && !value.get_bool()) || value.is_null();
}

absl::Status AddMapEntry(const WireField& wire, const Field& field, json::object* out) {
  std::string key;
  std::string_view value;
  if (wire.type != 2) return absl::InvalidArgumentError(absl::StrCat("the protobuf body is malformed: map ", field.name));
  if (absl::Status s = DecodeEntry(wire.bytes, &key, &value); !s.ok()) return s;
  json::value& map = (*out)[field.name];
  if (!map.is_object()) map = json::object();
  if (field.kind == Kind::kStringMap) {
    map.get_object()[key] = std::string(value);
  } else if (field.kind == Kind::kBytesMap) {
    map.get_object()[key] = absl::Base64Escape(std::string(value));
  } else {
    absl::StatusOr<json::value> quantity = DecodeSmall(value, Kind::kQuantity);
    if (!quantity.ok()) return quantity.status();
    map.get_object()[key] = *quantity;
  }
  return absl::OkStatus();
}

absl::StatusOr<json::object> DecodeMessage(std::string_view data, const std::string& name, int depth) {
  if (depth > kMaxDepth) return absl::InvalidArgumentError("the protobuf body nests too deeply");
  json::object out;
  if (name.empty()) return out;  // A part the server resets on create (status).
  const auto& messages = protobuf_schema::Messages();
  auto message = messages.find(name);
  if (message == messages.end()) return absl::InternalError(absl::StrCat("no protobuf schema for ", name));
  WireReader reader(data);
  while (!reader.done()) {
    WireField wire;
    if (absl::Status s = reader.Next(&wire); !s.ok()) return s;
    auto field = message->second.find(wire.number);
    if (field == message->second.end()) {
      // Go's encoder writes every non-pointer field, set or not; a field we
      // do not know is only refused when it carries something.
      const bool empty = (wire.type == 0 && wire.varint == 0) || (wire.type == 2 && wire.bytes.empty());
      if (empty) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          "protobuf field ", wire.number, " of ", name,
          " is not understood by the embedded API server; send the object as JSON instead "
          "(kubectl create ... --dry-run=client -o yaml | kubectl apply -f -)"));
    }
    const Field& f = field->second;
    if (f.kind == Kind::kStringMap || f.kind == Kind::kBytesMap || f.kind == Kind::kQuantityMap) {
      if (absl::Status s = AddMapEntry(wire, f, &out); !s.ok()) return s;
      continue;
    }
    absl::StatusOr<json::value> value = DecodeValue(wire, f, name, depth);
    if (!value.ok()) return value.status();
    if (f.repeated) {
      json::value& list = out[f.name];
      if (!list.is_array()) list = json::array();
      list.get_array().push_back(*std::move(value));
    } else if (f.keep_zero || !IsZero(*value)) {
      out[f.name] = *std::move(value);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<json::object> DecodeKubernetesProtobuf(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) {
    return absl::InvalidArgumentError("the protobuf body does not start with the Kubernetes magic \"k8s\\0\"");
  }
  // runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2,
  // contentEncoding = 3, contentType = 4.
  WireReader envelope(body.substr(4));
  std::string api_version, kind;
  std::string_view raw;
  while (!envelope.done()) {
    WireField field;
    if (absl::Status s = envelope.Next(&field); !s.ok()) return s;
    if (field.type != 2) continue;
    if (field.number == 2) raw = field.bytes;
    if (field.number == 3 && !field.bytes.empty()) {
      return absl::InvalidArgumentError("a content-encoded protobuf body is not supported");
    }
    if (field.number == 1) {
      WireReader type_meta(field.bytes);
      while (!type_meta.done()) {
        WireField meta;
        if (absl::Status s = type_meta.Next(&meta); !s.ok()) return s;
        if (meta.type == 2 && meta.number == 1) api_version = std::string(meta.bytes);
        if (meta.type == 2 && meta.number == 2) kind = std::string(meta.bytes);
      }
    }
  }
  const std::string message = protobuf_schema::MessageFor(api_version, kind);
  if (message.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        "the embedded API server decodes protobuf only for v1 Namespace, ConfigMap, Secret, Pod, Service, "
        "ServiceAccount, "
        "apps/v1 Deployment, batch/v1 Job and CronJob and autoscaling/v1 HorizontalPodAutoscaler, not ", api_version, " ", kind, "; send JSON"));
  }
  absl::StatusOr<json::object> object = DecodeMessage(raw, message, 0);
  if (!object.ok()) return object.status();
  (*object)["apiVersion"] = api_version;
  (*object)["kind"] = kind;
  return object;
}

}  // namespace spillway::sim
