#include "scheduler/informer_cluster_view.h"

#include <string>

#include "kube/decode.h"

namespace spillway::scheduler {
namespace {

template <typename T>
typename kube::Informer<T>::Options InformerOptions(const char* plural, bool snapshots) {
  typename kube::Informer<T>::Options options;
  options.reflector.path = kube::ResourcePath{"", "v1", plural, "", "", ""};
  options.publish_snapshots = snapshots;
  return options;
}

}  // namespace

InformerClusterView::InformerClusterView(kube::RestClient& client)
    : nodes_(client, InformerOptions<kube::Node>("nodes", true), &kube::DecodeNode),
      namespaces_(client, InformerOptions<kube::Namespace>("namespaces", false),
                  &kube::DecodeNamespace) {}

InformerClusterView::~InformerClusterView() { Stop(); }

void InformerClusterView::Start() {
  nodes_.Start();
  namespaces_.Start();
}

void InformerClusterView::Stop() {
  nodes_.Stop();
  namespaces_.Stop();
}

std::shared_ptr<const NodeSnapshot> InformerClusterView::Nodes() const { return nodes_.Snapshot(); }

std::shared_ptr<const kube::Namespace> InformerClusterView::FindNamespace(
    absl::string_view name) const {
  return namespaces_.Get(std::string(name));
}

bool InformerClusterView::HasSynced() const {
  return nodes_.HasSynced() && namespaces_.HasSynced();
}

}  // namespace spillway::scheduler
