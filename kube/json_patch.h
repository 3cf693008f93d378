// Building RFC 6902 JSON patches against Kubernetes objects: path tokens
// escaped per RFC 6901, the "add to a map or list that may not exist yet"
// operations every mutating client needs (the rescuer's patch, the admission
// webhook's answer), and the JSON of what they add (tolerations). Header-only; thread-safe (no state).
#ifndef SPILLWAY_KUBE_JSON_PATCH_H_
#define SPILLWAY_KUBE_JSON_PATCH_H_

#include <string>

#include "absl/strings/string_view.h"
#include "boost/json.hpp"
#include "kube/objects.h"

namespace spillway::kube {

// A toleration as the API writes it (empty fields left out).
inline boost::json::object TolerationJson(const Toleration& toleration) {
  boost::json::object out;
  if (!toleration.key.empty()) out["key"] = toleration.key;
  if (!toleration.operator_.empty()) out["operator"] = toleration.operator_;
  if (!toleration.value.empty()) out["value"] = toleration.value;
  if (!toleration.effect.empty()) out["effect"] = toleration.effect;
  return out;
}

// RFC 6901 escaping of one path token ("a/b" -> "a~1b").
inline std::string PointerToken(absl::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Appends to `patch` an "add" of `key: value` to the string map at `map_path`
// (e.g. "/metadata/annotations"), creating the map when `*map_exists` is
// false (and setting it, so the next entry goes inside).
inline void AddMapEntry(boost::json::array& patch, const std::string& map_path, bool* map_exists,
                        absl::string_view key, absl::string_view value) {
  if (*map_exists) {
    patch.push_back(boost::json::object{{"op", "add"},
                                        {"path", map_path + "/" + PointerToken(key)},
                                        {"value", boost::json::string_view(value.data(), value.size())}});
    return;
  }
  boost::json::object map;
  map[boost::json::string_view(key.data(), key.size())] = boost::json::string_view(value.data(), value.size());
  patch.push_back(boost::json::object{{"op", "add"}, {"path", map_path}, {"value", std::move(map)}});
  *map_exists = true;
}

// Appends to `patch` an "add" of `item` to the list at `list_path`, creating
// the list when `*list_exists` is false (and setting it).
inline void AddListItem(boost::json::array& patch, const std::string& list_path, bool* list_exists,
                        boost::json::value item) {
  if (*list_exists) {
    patch.push_back(boost::json::object{{"op", "add"}, {"path", list_path + "/-"}, {"value", std::move(item)}});
    return;
  }
  patch.push_back(boost::json::object{
      {"op", "add"}, {"path", list_path}, {"value", boost::json::array{std::move(item)}}});
  *list_exists = true;
}

}  // namespace spillway::kube

#endif  // SPILLWAY_KUBE_JSON_PATCH_H_
