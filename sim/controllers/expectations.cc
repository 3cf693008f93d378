#include "sim/controllers/expectations.h"

namespace spillway::sim {

void ControllerExpectations::ExpectCreations(const std::string& owner, int count, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Expected& expected = by_owner_[owner];
  expected.adds += count;
  expected.since = now;
}

void ControllerExpectations::CreationsFailed(const std::string& owner, int count) {
  absl::MutexLock lock(&mu_);
  auto it = by_owner_.find(owner);
  if (it != by_owner_.end()) it->second.adds -= count;
}

void ControllerExpectations::ExpectDeletions(const std::string& owner, const std::vector<std::string>& pods,
                                             absl::Time now) {
  absl::MutexLock lock(&mu_);
  Expected& expected = by_owner_[owner];
  expected.deletes.insert(pods.begin(), pods.end());
  expected.since = now;
}

void ControllerExpectations::DeletionFailed(const std::string& owner, const std::string& pod) {
  DeletionObserved(owner, pod);
}

void ControllerExpectations::CreationObserved(const std::string& owner) {
  absl::MutexLock lock(&mu_);
  auto it = by_owner_.find(owner);
  if (it != by_owner_.end()) --it->second.adds;
}

void ControllerExpectations::DeletionObserved(const std::string& owner, const std::string& pod) {
  absl::MutexLock lock(&mu_);
  auto it = by_owner_.find(owner);
  if (it != by_owner_.end()) it->second.deletes.erase(pod);
}

bool ControllerExpectations::Satisfied(const std::string& owner, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = by_owner_.find(owner);
  if (it == by_owner_.end()) return true;
  if (!it->second.Met() && now - it->second.since < kTimeout) return false;
  by_owner_.erase(it);
  return true;
}

int ControllerExpectations::Unmet() const {
  absl::MutexLock lock(&mu_);
  int unmet = 0;
  for (const auto& [owner, expected] : by_owner_) unmet += expected.Met() ? 0 : 1;
  return unmet;
}

}  // namespace spillway::sim
