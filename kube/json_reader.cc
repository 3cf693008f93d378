#include "kube/json_reader.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace spillway::kube::json {
namespace {

absl::string_view TypeName(simdjson::ondemand::json_type type) {
  switch (type) {
    case simdjson::ondemand::json_type::array:
      return "array";
    case simdjson::ondemand::json_type::object:
      return "object";
    case simdjson::ondemand::json_type::number:
      return "number";
    case simdjson::ondemand::json_type::string:
      return "string";
    case simdjson::ondemand::json_type::boolean:
      return "boolean";
    case simdjson::ondemand::json_type::null:
      return "null";
  }
  return "unknown";
}

// Reads the JSON type of `v`, or returns the error.
absl::Status TypeOf(value& v, const Path& path, simdjson::ondemand::json_type* type) {
  if (auto err = v.type().get(*type)) return Error(err, path);
  return absl::OkStatus();
}

}  // namespace

std::string Path::ToString() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p != nullptr; p = p->parent_) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path& p = **it;
    if (p.index_ >= 0) {
      absl::StrAppend(&out, "[", p.index_, "]");
    } else {
      if (!out.empty()) out.push_back('.');
      absl::StrAppend(&out, p.key_);
    }
  }
  return out;
}

absl::Status Error(simdjson::error_code code, const Path& path) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed JSON at ", path.ToString(), ": ", simdjson::error_message(code)));
}

absl::Status TypeError(const Path& path, simdjson::ondemand::json_type got,
                       absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat(path.ToString(), ": expected ", want, ", got ", TypeName(got)));
}

absl::Status ReadString(value v, const Path& path, std::string* out) {
  simdjson::ondemand::json_type type;
  if (absl::Status s = TypeOf(v, path, &type); !s.ok()) return s;
  if (type == simdjson::ondemand::json_type::null) {
    out->clear();
    return absl::OkStatus();
  }
  if (type != simdjson::ondemand::json_type::string) return TypeError(path, type, "string");
  std::string_view text;
  if (auto err = v.get_string().get(text)) return Error(err, path);
  out->assign(text.data(), text.size());
  return absl::OkStatus();
}

absl::Status ReadBool(value v, const Path& path, bool* out) {
  simdjson::ondemand::json_type type;
  if (absl::Status s = TypeOf(v, path, &type); !s.ok()) return s;
  if (type == simdjson::ondemand::json_type::null) {
    *out = false;
    return absl::OkStatus();
  }
  if (type != simdjson::ondemand::json_type::boolean) return TypeError(path, type, "boolean");
  if (auto err = v.get_bool().get(*out)) return Error(err, path);
  return absl::OkStatus();
}

absl::Status ReadInt(value v, const Path& path, int64_t* out) {
  simdjson::ondemand::json_type type;
  if (absl::Status s = TypeOf(v, path, &type); !s.ok()) return s;
  if (type == simdjson::ondemand::json_type::null) {
    *out = 0;
    return absl::OkStatus();
  }
  if (type != simdjson::ondemand::json_type::number) return TypeError(path, type, "integer");
  if (v.get_int64().get(*out) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.ToString(), ": expected an integer within 64 bits"));
  }
  return absl::OkStatus();
}

absl::Status ReadStringMap(value v, const Path& path, StringMap* out) {
  StringMapBuilder builder;
  absl::Status status = ForEachField(v, path, [&builder](absl::string_view key, value item, const Path& child) {
    std::string text;
    if (absl::Status s = ReadString(item, child, &text); !s.ok()) return s;
    builder.Set(key, text);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  *out = builder.Build();
  return absl::OkStatus();
}

}  // namespace spillway::kube::json
