// The NodePort Services of the cluster, indexed for the admission path: ECI
// pods are not reachable through a NodePort (docs/eci-rules.md §3), so a pod
// headed to ECI that such a Service selects gets a warning. Kept from the
// Service informer's events; the admission path reads an immutable snapshot
// (no lock it could wait on, no API call).
//
// Thread-safety: handlers on the informer's thread; Selecting() from any.
#ifndef SPILLWAY_WEBHOOK_NODE_PORT_INDEX_H_
#define SPILLWAY_WEBHOOK_NODE_PORT_INDEX_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "kube/informer.h"
#include "kube/objects.h"

namespace spillway::webhook {

class NodePortIndex {
 public:
  NodePortIndex();
  // Follows `informer` (register before it starts; it must outlive this).
  void Attach(kube::Informer<kube::Service>& informer);

  // "namespace/name" of every NodePort Service of `ns` whose selector
  // matches `labels`.
  std::vector<std::string> Selecting(const std::string& ns, const kube::StringMap& labels) const;

  void Upsert(const kube::Service& service);
  void Remove(const kube::Service& service);

 private:
  struct Entry {
    std::string name;
    kube::StringMap selector;
  };
  // namespace -> NodePort Services with a selector.
  using Index = std::map<std::string, std::vector<Entry>>;
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Index index_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const Index> snapshot_;  // std::atomic_load/store.
};

}  // namespace spillway::webhook

#endif  // SPILLWAY_WEBHOOK_NODE_PORT_INDEX_H_
