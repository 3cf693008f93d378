#include "sim/apiserver/webhook_clients.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace spillway::sim {

std::string WebhookClients::TargetOf(const http::ClientOptions& options) {
  // NUL separators: no field can forge another's boundary.
  return absl::StrCat(options.host, std::string(1, '\0'), options.port, std::string(1, '\0'), options.tls,
                      std::string(1, '\0'), options.tls_server_name, std::string(1, '\0'),
                      absl::ToInt64Milliseconds(options.timeout), std::string(1, '\0'), options.ca_pem);
}

std::unique_ptr<http::Client> WebhookClients::Take(const http::ClientOptions& options) {
  {
    absl::MutexLock lock(&mu_);
    auto it = idle_.find(TargetOf(options));
    if (it != idle_.end() && !it->second.empty()) {
      std::unique_ptr<http::Client> client = std::move(it->second.back());
      it->second.pop_back();
      return client;
    }
  }
  return std::make_unique<http::Client>(options);
}

void WebhookClients::GiveBack(const http::ClientOptions& options, std::unique_ptr<http::Client> client) {
  std::unique_ptr<http::Client> dropped;  // Closed after the lock is released.
  absl::MutexLock lock(&mu_);
  const std::string target = TargetOf(options);
  if (!idle_.contains(target) && idle_.size() >= kMaxTargets) idle_.clear();
  std::vector<std::unique_ptr<http::Client>>& idle = idle_[target];
  if (idle.size() >= kMaxIdlePerTarget) {
    dropped = std::move(client);
    return;
  }
  idle.push_back(std::move(client));
}

size_t WebhookClients::idle() const {
  absl::MutexLock lock(&mu_);
  size_t count = 0;
  for (const auto& [target, clients] : idle_) count += clients.size();
  return count;
}

}  // namespace spillway::sim
