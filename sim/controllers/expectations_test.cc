#include "sim/controllers/expectations.h"

#include "gtest/gtest.h"

namespace spillway::sim {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// Each row: what the controller expected, what the watch showed, whether
// the owner may be synced.
TEST(ControllerExpectationsTest, Table) {
  struct Row {
    const char* name;
    int creates;
    int failed_creates;
    int added_events;
    std::vector<std::string> deletes;
    std::vector<std::string> deletions_seen;
    absl::Duration later;
    bool satisfied;
  };
  const Row rows[] = {
      {"nothing expected", 0, 0, 0, {}, {}, absl::ZeroDuration(), true},
      {"creates not seen yet", 3, 0, 2, {}, {}, absl::Seconds(1), false},
      {"every create seen", 3, 0, 3, {}, {}, absl::Seconds(1), true},
      // The pod someone else deleted before the cache listed it: its ADDED
      // event still counts.
      {"seen, whatever happened after", 1, 0, 1, {}, {}, absl::ZeroDuration(), true},
      {"failed creates are never waited for", 4, 3, 1, {}, {}, absl::ZeroDuration(), true},
      {"a deletion not seen yet", 0, 0, 0, {"a", "b"}, {"a"}, absl::Seconds(1), false},
      {"every deletion seen", 0, 0, 0, {"a", "b"}, {"b", "a"}, absl::ZeroDuration(), true},
      {"a deletion of a pod not expected changes nothing", 0, 0, 0, {"a"}, {"z"}, absl::ZeroDuration(), false},
      {"given up after 5 minutes", 2, 0, 0, {"a"}, {}, absl::Minutes(5), true},
      {"not before", 2, 0, 0, {}, {}, absl::Minutes(5) - absl::Seconds(1), false},
      {"more ADDED than expected is met", 1, 0, 2, {}, {}, absl::ZeroDuration(), true},
  };
  for (const Row& row : rows) {
    ControllerExpectations expectations;
    if (row.creates > 0) expectations.ExpectCreations("rs", row.creates, kT0);
    if (!row.deletes.empty()) expectations.ExpectDeletions("rs", row.deletes, kT0);
    for (int i = 0; i < row.added_events; ++i) expectations.CreationObserved("rs");
    for (const std::string& pod : row.deletions_seen) expectations.DeletionObserved("rs", pod);
    if (row.failed_creates > 0) expectations.CreationsFailed("rs", row.failed_creates);
    EXPECT_EQ(expectations.Satisfied("rs", kT0 + row.later), row.satisfied) << row.name;
    EXPECT_EQ(expectations.Unmet(), row.satisfied ? 0 : 1) << row.name;
  }
}

TEST(ControllerExpectationsTest, OwnersAreApartAndASatisfiedRecordIsDropped) {
  ControllerExpectations expectations;
  expectations.ExpectCreations("a", 1, kT0);
  expectations.ExpectCreations("b", 1, kT0);
  expectations.CreationObserved("a");
  EXPECT_TRUE(expectations.Satisfied("a", kT0));
  EXPECT_FALSE(expectations.Satisfied("b", kT0));
  // Events after the record went change nothing.
  expectations.CreationObserved("a");
  expectations.ExpectCreations("a", 1, kT0);
  EXPECT_FALSE(expectations.Satisfied("a", kT0));
}

}  // namespace
}  // namespace spillway::sim
