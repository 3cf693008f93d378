#include "webhook/node_port_index.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace spillway::webhook {

NodePortIndex::NodePortIndex() : snapshot_(std::make_shared<const Index>()) {}

void NodePortIndex::Attach(kube::Informer<kube::Service>& informer) {
  kube::Informer<kube::Service>::Handler handler;
  handler.on_add = [this](const kube::Service& service) { Upsert(service); };
  handler.on_update = [this](const kube::Service&, const kube::Service& service) { Upsert(service); };
  handler.on_delete = [this](const kube::Service& service) { Remove(service); };
  informer.AddHandler(std::move(handler));
}

void NodePortIndex::Upsert(const kube::Service& service) {
  absl::MutexLock lock(&mu_);
  std::vector<Entry>& entries = index_[service.metadata.namespace_];
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.name == service.metadata.name; }),
                entries.end());
  // A Service without a selector selects no pod (its endpoints are managed by hand).
  if (service.type == "NodePort" && !service.selector.empty()) {
    entries.push_back({service.metadata.name, service.selector});
  }
  if (entries.empty()) index_.erase(service.metadata.namespace_);
  Publish();
}

void NodePortIndex::Remove(const kube::Service& service) {
  kube::Service gone = service;
  gone.type.clear();
  Upsert(gone);
}

void NodePortIndex::Publish() { std::atomic_store(&snapshot_, std::make_shared<const Index>(index_)); }

std::vector<std::string> NodePortIndex::Selecting(const std::string& ns, const kube::StringMap& labels) const {
  std::shared_ptr<const Index> index = std::atomic_load(&snapshot_);
  std::vector<std::string> out;
  auto it = index->find(ns);
  if (it == index->end()) return out;
  for (const Entry& entry : it->second) {
    bool matches = true;
    entry.selector.ForEach([&](absl::string_view key, absl::string_view value) {
      matches = matches && labels.Has(key, value);
    });
    if (matches) out.push_back(absl::StrCat(ns, "/", entry.name));
  }
  return out;
}

}  // namespace spillway::webhook
