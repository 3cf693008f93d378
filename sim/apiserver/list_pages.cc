#include "sim/apiserver/list_pages.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace spillway::sim {
namespace json = boost::json;

// A token is base64 of a small JSON object, as a real server's is; ours also
// names the snapshot and a hash of the query so it cannot continue another.
std::string ListPager::Encode(const Token& token) {
  json::object fields{{"v", "meta.k8s.io/v1"},
                      {"rv", token.resource_version},
                      {"start", token.start},
                      {"q", token.query_hash},
                      {"snap", token.snapshot}};
  std::string text;
  absl::WebSafeBase64Escape(json::serialize(fields), &text);
  return text;
}

bool ListPager::Decode(const std::string& text, Token* token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(text, &raw)) return false;
  boost::system::error_code ec;
  json::value value = json::parse(raw, ec);
  if (ec || !value.is_object()) return false;
  const json::object& fields = value.get_object();
  const json::value* version = fields.if_contains("rv");
  const json::value* start = fields.if_contains("start");
  const json::value* query = fields.if_contains("q");
  const json::value* snapshot = fields.if_contains("snap");
  if (version == nullptr || start == nullptr || query == nullptr || snapshot == nullptr) return false;
  if (!version->is_uint64() && !version->is_int64()) return false;
  if (!snapshot->is_uint64() && !snapshot->is_int64()) return false;
  if (!start->is_string() || !query->is_string()) return false;
  token->resource_version = version->to_number<uint64_t>();
  token->snapshot = snapshot->to_number<uint64_t>();
  token->start = std::string(start->get_string());
  token->query_hash = std::string(query->get_string());
  return true;
}

std::string ListPager::HashOf(const std::string& query) {
  // Not a secret, only a binding: a short FNV-1a of the query is enough.
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : query) hash = (hash ^ c) * 1099511628211ull;
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

ListPage ListPager::PageFrom(const std::vector<ListedObject>& items, const Token& from, int64_t limit,
                             uint64_t snapshot) const {
  ListPage page;
  page.resource_version = from.resource_version;
  auto it = from.start.empty() ? items.begin()
                               : std::upper_bound(items.begin(), items.end(), from.start,
                                                  [](const std::string& key, const ListedObject& item) {
                                                    return key < item.key;
                                                  });
  for (; it != items.end(); ++it) {
    if (limit > 0 && static_cast<int64_t>(page.items.size()) >= limit) break;
    page.items.push_back(*it);
  }
  page.remaining_items = items.end() - it;
  if (page.remaining_items > 0) {
    Token next = from;
    next.start = page.items.back().key;
    next.snapshot = snapshot;
    page.continue_token = Encode(next);
  }
  return page;
}

ListPage ListPager::First(const std::string& query, std::vector<ListedObject> items, uint64_t resource_version,
                          int64_t limit, absl::Time now) {
  if (limit <= 0 || static_cast<int64_t>(items.size()) <= limit) {
    ListPage page;
    page.items = std::move(items);
    page.resource_version = resource_version;
    return page;
  }
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->query_hash = HashOf(query);
  snapshot->resource_version = resource_version;
  snapshot->taken = now;
  ListPage page;
  page.resource_version = resource_version;
  for (size_t i = 0; i < items.size(); ++i) {
    if (static_cast<int64_t>(i) < limit) {
      page.items.push_back(std::move(items[i]));
    } else {
      snapshot->bytes += items[i].json->size();
      snapshot->items.push_back(std::move(items[i]));
    }
  }
  page.remaining_items = static_cast<int64_t>(snapshot->items.size());
  Token next{resource_version, page.items.back().key, snapshot->query_hash, 0};
  absl::MutexLock lock(&mu_);
  next.snapshot = next_id_++;
  bytes_ += snapshot->bytes;
  snapshots_[next.snapshot] = std::move(snapshot);
  // Oldest first out; the newest stays even when it alone is over the cap
  // (its list was just held in memory whole to answer the request).
  while (bytes_ > limits_.max_bytes && snapshots_.size() > 1) {
    bytes_ -= snapshots_.begin()->second->bytes;
    snapshots_.erase(snapshots_.begin());
  }
  page.continue_token = Encode(next);
  return page;
}

std::shared_ptr<const ListPager::Snapshot> ListPager::Find(uint64_t id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  while (!snapshots_.empty() && now - snapshots_.begin()->second->taken > limits_.keep) {
    bytes_ -= snapshots_.begin()->second->bytes;
    snapshots_.erase(snapshots_.begin());
  }
  auto it = snapshots_.find(id);
  return it == snapshots_.end() ? nullptr : it->second;
}

ListPage ListPager::NextFromCurrent(const Token& token, std::vector<ListedObject> items, uint64_t resource_version,
                                    int64_t limit) const {
  ListPage page = PageFrom(items, token, limit, 0);
  page.resource_version = resource_version;
  return page;
}

size_t ListPager::kept_bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace spillway::sim
