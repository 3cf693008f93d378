#include "burst/eci_quota.h"

#include <algorithm>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kube/quantity.h"

namespace spillway::burst {
namespace {

std::string Cpu(int64_t milli) {
  return milli % 1000 == 0 ? absl::StrCat(milli / 1000) : absl::StrCat(milli, "m");
}

std::string Memory(int64_t bytes) {
  if (bytes % (int64_t{1} << 30) == 0) return absl::StrCat(bytes >> 30, "Gi");
  if (bytes % (int64_t{1} << 20) == 0) return absl::StrCat(bytes >> 20, "Mi");
  return absl::StrCat(bytes);
}

// The error for one exceeded cap, or OK.
absl::Status Check(const std::string& scope, const char* what, std::optional<int64_t> cap, int64_t used,
                   int64_t asks, std::string (*format)(int64_t)) {
  if (!cap.has_value() || used + asks <= *cap) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat("ECI quota: ", scope, " ", what, " cap ", format(*cap),
                                                   " would be exceeded (", format(used), " used, the pod asks ",
                                                   format(asks), ")"));
}

std::string Count(int64_t n) { return absl::StrCat(n); }

}  // namespace

absl::StatusOr<EciCaps> EciQuota::CapsFromConfig(const config::EciCaps& caps, const std::string& field) {
  EciCaps out;
  if (!caps.cpu().empty()) {
    absl::StatusOr<int64_t> cpu = kube::ParseQuantityMilli(caps.cpu());
    if (!cpu.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ".cpu: ", cpu.status().message()));
    out.cpu_milli = *cpu;
  }
  if (!caps.memory().empty()) {
    absl::StatusOr<int64_t> memory = kube::ParseQuantity(caps.memory());
    if (!memory.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ".memory: ", memory.status().message()));
    out.memory_bytes = *memory;
  }
  if (caps.has_pods()) {
    if (caps.pods() < 0) return absl::InvalidArgumentError(absl::StrCat(field, ".pods: must not be negative"));
    out.pods = caps.pods();
  }
  return out;
}

absl::StatusOr<std::unique_ptr<EciQuota>> EciQuota::FromConfig(const config::EciQuotaConfig& config) {
  absl::StatusOr<EciCaps> cluster = CapsFromConfig(config.cluster(), "eciQuota.cluster");
  if (!cluster.ok()) return cluster.status();
  absl::flat_hash_map<std::string, EciCaps> namespaces;
  for (const auto& [ns, caps] : config.namespaces()) {
    absl::StatusOr<EciCaps> parsed = CapsFromConfig(caps, absl::StrCat("eciQuota.namespaces.", ns));
    if (!parsed.ok()) return parsed.status();
    namespaces[ns] = *parsed;
  }
  return std::make_unique<EciQuota>(*cluster, std::move(namespaces));
}

EciQuota::EciQuota(EciCaps cluster, absl::flat_hash_map<std::string, EciCaps> namespaces)
    : cluster_(cluster) {
  for (auto& [ns, caps] : namespaces) {
    auto quota = std::make_unique<NamespaceQuota>();
    quota->caps = caps;
    namespaces_.emplace(ns, std::move(quota));
  }
}

void EciQuota::SetVirtualCapacity(EciUsage capacity) {
  capacity_.cpu_milli.store(capacity.cpu_milli, std::memory_order_relaxed);
  capacity_.memory_bytes.store(capacity.memory_bytes, std::memory_order_relaxed);
  capacity_.pods.store(capacity.pods, std::memory_order_relaxed);
}

void EciQuota::CountUse(const std::string& ns, const kube::Resources& requests, int sign) {
  total_.Add(requests, sign);
  if (auto it = namespaces_.find(ns); it != namespaces_.end()) it->second->used.Add(requests, sign);
}

void EciQuota::Add(const std::string& ns, const kube::Resources& requests) { CountUse(ns, requests, 1); }

void EciQuota::Remove(const std::string& ns, const kube::Resources& requests) { CountUse(ns, requests, -1); }

void EciQuota::ExpireLocked(absl::Time now) {
  for (auto it = assumed_.begin(); it != assumed_.end();) {
    if (it->second.until <= now) {
      CountUse(it->second.ns, it->second.requests, -1);
      assumed_.erase(it++);
    } else {
      ++it;
    }
  }
}

absl::Status EciQuota::Assume(const std::string& uid, const std::string& ns, const kube::Resources& requests,
                              absl::Time now, absl::Duration hold) {
  absl::MutexLock lock(&assume_mu_);
  ExpireLocked(now);
  if (auto it = assumed_.find(uid); it != assumed_.end()) {
    it->second.until = now + hold;  // Filtered again (a retry): counted once.
    return absl::OkStatus();
  }
  if (absl::Status admitted = Admit(ns, requests); !admitted.ok()) return admitted;
  CountUse(ns, requests, 1);
  assumed_.emplace(uid, Assumed{ns, requests, now + hold});
  return absl::OkStatus();
}

void EciQuota::Forget(const std::string& uid) {
  absl::MutexLock lock(&assume_mu_);
  auto it = assumed_.find(uid);
  if (it == assumed_.end()) return;
  CountUse(it->second.ns, it->second.requests, -1);
  assumed_.erase(it);
}

int64_t EciQuota::AssumedPods() const {
  absl::MutexLock lock(&assume_mu_);
  return static_cast<int64_t>(assumed_.size());
}

EciCaps EciQuota::ClusterCaps() const {
  const EciUsage capacity = capacity_.Load();
  EciCaps caps = cluster_;
  if (!caps.cpu_milli.has_value() && capacity.cpu_milli > 0) caps.cpu_milli = capacity.cpu_milli;
  if (!caps.memory_bytes.has_value() && capacity.memory_bytes > 0) caps.memory_bytes = capacity.memory_bytes;
  if (!caps.pods.has_value() && capacity.pods > 0) caps.pods = capacity.pods;
  return caps;
}

EciUsage EciQuota::ClusterUsage() const { return total_.Load(); }

absl::Status EciQuota::Admit(const std::string& ns, const kube::Resources& requests) const {
  const EciCaps cluster = ClusterCaps();
  const EciUsage total = total_.Load();
  for (absl::Status s : {Check("cluster-wide", "cpu", cluster.cpu_milli, total.cpu_milli, requests.cpu_milli, &Cpu),
                         Check("cluster-wide", "memory", cluster.memory_bytes, total.memory_bytes,
                               requests.memory_bytes, &Memory),
                         Check("cluster-wide", "pod", cluster.pods, total.pods, 1, &Count)}) {
    if (!s.ok()) return s;
  }
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end()) return absl::OkStatus();
  const EciCaps& caps = it->second->caps;
  const EciUsage used = it->second->used.Load();
  const std::string scope = absl::StrCat("namespace ", ns);
  for (absl::Status s : {Check(scope, "cpu", caps.cpu_milli, used.cpu_milli, requests.cpu_milli, &Cpu),
                         Check(scope, "memory", caps.memory_bytes, used.memory_bytes, requests.memory_bytes, &Memory),
                         Check(scope, "pod", caps.pods, used.pods, 1, &Count)}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

EciUsage CombineVirtualCapacity(const std::vector<EciUsage>& advertised) {
  EciUsage combined;
  for (const EciUsage& node : advertised) {
    combined.cpu_milli = std::max(combined.cpu_milli, node.cpu_milli);
    combined.memory_bytes = std::max(combined.memory_bytes, node.memory_bytes);
    combined.pods = std::max(combined.pods, node.pods);
  }
  return combined;
}

}  // namespace spillway::burst
