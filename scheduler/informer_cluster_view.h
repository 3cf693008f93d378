// The extender's ClusterView from informers: nodes (published as immutable
// snapshots after every change, so request threads never wait on the watch)
// and namespaces, listed and watched from the API server.
//
// Lifecycle: Start() begins listing and watching on two threads; HasSynced()
// turns true once both lists are in; Stop() (or the destructor) ends them.
// Thread-safe.
#ifndef SPILLWAY_SCHEDULER_INFORMER_CLUSTER_VIEW_H_
#define SPILLWAY_SCHEDULER_INFORMER_CLUSTER_VIEW_H_

#include <memory>

#include "kube/informer.h"
#include "kube/objects.h"
#include "kube/rest_client.h"
#include "scheduler/cluster_view.h"

namespace spillway::scheduler {

class InformerClusterView : public ClusterView {
 public:
  // `client` must outlive the view.
  explicit InformerClusterView(kube::RestClient& client);
  ~InformerClusterView() override;

  void Start();
  void Stop();

  std::shared_ptr<const NodeSnapshot> Nodes() const override;
  std::shared_ptr<const kube::Namespace> FindNamespace(absl::string_view name) const override;
  bool HasSynced() const override;

 private:
  kube::Informer<kube::Node> nodes_;
  kube::Informer<kube::Namespace> namespaces_;
};

}  // namespace spillway::scheduler

#endif  // SPILLWAY_SCHEDULER_INFORMER_CLUSTER_VIEW_H_
