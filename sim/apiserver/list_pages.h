// Paged lists (`limit` / `continue`) served as a real API server serves them:
// every page of one list comes from the state at the first page's
// resourceVersion, a continue token only continues the query that issued it,
// and a token whose snapshot is gone is 410 Expired with a token for an
// inconsistent remainder (docs/embedded-api-server.md, "Lists and pages").
#ifndef SPILLWAY_SIM_APISERVER_LIST_PAGES_H_
#define SPILLWAY_SIM_APISERVER_LIST_PAGES_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/json.hpp"
#include "sim/apiserver/object_store.h"

namespace spillway::sim {

struct ListPage {
  int code = 200;           // 200, or 400 / 410 with `reason` and `message`.
  std::string reason;
  std::string message;
  std::vector<ListedObject> items;  // As stored: decoded only if a table needs them.
  uint64_t resource_version = 0;
  std::string continue_token;     // Empty on the last page.
  int64_t remaining_items = 0;    // Set when continue_token is.

  static ListPage Refused(int code, std::string reason, std::string message) {
    ListPage page;
    page.code = code;
    page.reason = std::move(reason);
    page.message = std::move(message);
    return page;
  }
};

class ListPager {
 public:
  struct Limits {
    size_t max_bytes = 64u << 20;          // Snapshots kept across all lists.
    absl::Duration keep = absl::Minutes(5);  // As etcd's default compaction.
  };
  ListPager() : ListPager(Limits{}) {}
  explicit ListPager(Limits limits) : limits_(limits) {}

  // The first page of `items` (already filtered, in key order, as of
  // `resource_version`); keeps the rest when it does not fit.
  // `query` names the collection and selectors the tokens are bound to.
  ListPage First(const std::string& query, std::vector<ListedObject> items, uint64_t resource_version,
                 int64_t limit, absl::Time now);

  // The page after `token`. `current` lists the collection as it is now; it
  // is only called for an inconsistent continuation (a token issued by an
  // Expired answer).
  template <typename CurrentList>
  ListPage Next(const std::string& query, const std::string& token, int64_t limit, absl::Time now,
                CurrentList current);

  size_t kept_bytes() const;

 private:
  struct Token {
    uint64_t resource_version = 0;  // 0: an inconsistent continuation.
    std::string start;              // Key of the last item sent.
    std::string query_hash;
    uint64_t snapshot = 0;
  };
  struct Snapshot {
    std::string query_hash;
    uint64_t resource_version = 0;
    // Those after the first page: the bytes the store held then, shared (a
    // snapshot of 50,000 pods costs their pointers, while they do not change).
    std::vector<ListedObject> items;
    size_t bytes = 0;
    absl::Time taken;
  };

  static std::string Encode(const Token& token);
  static bool Decode(const std::string& text, Token* token);
  static std::string HashOf(const std::string& query);
  ListPage PageFrom(const std::vector<ListedObject>& items, const Token& from, int64_t limit,
                    uint64_t snapshot) const;
  std::shared_ptr<const Snapshot> Find(uint64_t id, absl::Time now);
  ListPage NextFromCurrent(const Token& token, std::vector<ListedObject> items,
                           uint64_t resource_version, int64_t limit) const;

  const Limits limits_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::shared_ptr<const Snapshot>> snapshots_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

template <typename CurrentList>
ListPage ListPager::Next(const std::string& query, const std::string& text, int64_t limit, absl::Time now,
                         CurrentList current) {
  Token token;
  if (!Decode(text, &token)) {
    return ListPage::Refused(400, "BadRequest", "invalid continue token: it is not one this server issued");
  }
  if (token.query_hash != HashOf(query)) {
    return ListPage::Refused(400, "BadRequest",
                             "invalid continue token: it continues a different list (resource, namespace or "
                             "selectors differ from the request that issued it)");
  }
  if (token.resource_version == 0) {
    auto [items, version] = current();
    return NextFromCurrent(token, std::move(items), version, limit);
  }
  std::shared_ptr<const Snapshot> snapshot = Find(token.snapshot, now);
  if (snapshot == nullptr || snapshot->resource_version != token.resource_version) {
    Token inconsistent = token;
    inconsistent.resource_version = 0;
    inconsistent.snapshot = 0;
    ListPage expired = ListPage::Refused(
        410, "Expired",
                     "The provided continue parameter is too old to display a consistent list result. You can "
                     "start a new list without the continue parameter, or use the continue token in this "
                     "response to retrieve the remainder of the results. Continuing with the provided token "
                     "results in an inconsistent list - objects that were created, modified, or deleted between "
                     "the time the first chunk was returned and now may show up in the list.");
    expired.continue_token = Encode(inconsistent);
    return expired;
  }
  return PageFrom(snapshot->items, token, limit, token.snapshot);
}

}  // namespace spillway::sim

#endif  // SPILLWAY_SIM_APISERVER_LIST_PAGES_H_
